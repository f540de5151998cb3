"""CLI commands for forms and submissions: list/show/validate/import forms, submit answers,
list/show/complete/amend/review submissions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from btam_desktop.cli.common import Context, UsageError, handed_file, safe_lines, table
from btam_desktop.core.forms import (
    Field,
    FormDefinition,
    evaluate,
    initial_answers,
    new_item,
    relevant_answers,
    validate_answers,
)
from btam_desktop.core.forms.cli import check_path
from btam_desktop.core.forms.fieldtypes import MEDIA_FORMATS, not_calculated
from btam_desktop.core.forms.prefill import prefill_for_case
from btam_desktop.core.store import read_attachment_file
from btam_desktop.core.submissions import AnswersInvalid, Submission


def _read_answers(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8") if path != "-" else sys.stdin.read()
        data = json.loads(text)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} must hold a JSON object mapping field ids to answers")
    return data


def cmd_forms(ctx: Context) -> int:
    """forms list | show | validate | import."""
    a = ctx.args
    if a.forms_action == "validate":
        problems: list[str] = []
        valid = 0
        for raw in a.paths:
            # A folder is checked file by file; anything else must be a regular file.
            lines, count = check_path(Path(raw) if Path(raw).is_dir() else handed_file(raw))
            problems += lines
            valid += count
        ctx.emit({"ok": not problems, "valid_forms": valid, "problems": problems},
                 "\n".join([*problems, f"{len(problems)} problem(s) found"]) if problems
                 else f"ok: {valid} form(s) valid")
        return 1 if problems else 0
    with ctx.unlock() as session:
        library = session.forms
        if a.forms_action == "list":
            infos = library.available()
            ctx.emit([i.to_json() for i in infos], table(
                [[i.form_id, str(i.version), i.source, i.title] for i in infos],
                ["ID", "VERSION", "SOURCE", "TITLE"]))
        elif a.forms_action == "show":
            form = library.definition(a.form_id, a.version)
            if ctx.as_json:
                ctx.emit(form.to_dict(), "")
            else:
                lines = [f"{form.title} ({form.id} v{form.version})", form.description or ""]
                for section in form.sections:
                    lines.append(f"\n[{section.id}] {section.title}")
                    for field in section.fields:
                        flag = " *" if field.required else ""
                        lines.append(f"  {field.id} ({field.type}){flag}: {field.label}")
                        lines += _member_lines(field, "    ")
                print(safe_lines("\n".join(lines)))
        elif a.forms_action == "export":
            from btam_desktop.core.forms.xlsexport import export_xlsform

            form = library.definition(a.form_id, a.version)
            target = Path(a.output)
            if target.suffix.lower() != ".xlsx":
                raise UsageError("the XLSForm is written as an Excel workbook: name it .xlsx")
            export_xlsform(form, target)
            ctx.emit({"id": form.id, "version": form.version, "file": str(target)},
                     f"Exported {form.title} ({form.id} v{form.version}) to {target}; raise "
                     "the version on the settings sheet before importing a changed copy.")
        else:  # import
            form = library.import_file(handed_file(a.file))
            notices = list(library.notices)
            for notice in notices if not ctx.as_json else []:
                print(f"notice: {notice}", file=sys.stderr)
            ctx.emit({"id": form.id, "version": form.version, "title": form.title,
                      "notices": notices},
                     f"Imported {form.title} ({form.id} v{form.version}) into the vault.")
    return 0


def _sub_row(s: Submission) -> list[str]:
    mark = " (amended)" if s.superseded_by else ""
    return [s.id, f"{s.form_id} v{s.form_version}", s.status + mark, s.updated_at[:16]]


def cmd_submit(ctx: Context) -> int:
    """Submit answers for a form on a case (complete, or --draft)."""
    a = ctx.args
    answers = _read_answers(a.data)
    files = _attach_options(a.attach or [])
    with ctx.unlock() as session:
        form = session.forms.definition(a.form)
        prefilled: list[str] = []
        if not a.no_prefill:
            # What the case already knows fills the questions the answers leave out, as in
            # the form view (issue 9); an answer given in the file always wins.
            filled = prefill_for_case(session, form, a.case)
            prefilled = [fid for fid in filled.answers if fid not in answers]
            answers = {**filled.answers, **answers}
        answers = _with_defaults(form, answers)
        if files:
            answers = _attach(session, form, a.case, answers, files, complete=not a.draft)
        sub = session.submissions.create(a.case, a.form, answers, complete=not a.draft,
                                         form_version=form.version)
        note = f" Filled in from the case: {', '.join(prefilled)}." if prefilled else ""
        ctx.emit({**sub.to_json(), "prefilled": prefilled},
                 f"Submission {sub.id} saved as {sub.status}.{note}")
    return 0


def _member_lines(repeat: Field, indent: str) -> list[str]:
    """A repeat's members, indented; a repeat inside it lists its own members deeper."""
    lines: list[str] = []
    for member in repeat.fields:
        lines.append(f"{indent}{member.id} ({member.type}): {member.label}")
        lines += _member_lines(member, indent + "  ")
    return lines


def _attach_options(options: list[str]) -> list[tuple[str, Path]]:
    """``FIELD=PATH`` options as (field id, path)."""
    found: list[tuple[str, Path]] = []
    for option in options:
        name, sep, path = option.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise UsageError(f"--attach takes FIELD=PATH, got {option!r}")
        found.append((name.strip(), Path(path.strip()).expanduser()))
    return found


def _attach(session: Any, form: FormDefinition, case: str, answers: dict[str, Any],
            files: list[tuple[str, Path]], *, complete: bool) -> dict[str, Any]:
    """Store each file as an encrypted attachment of the case and answer its media question
    with the attachment's id. Files are read (size-checked) and the other answers checked
    first, so a refused submission leaves no attachment behind."""
    contents: list[tuple[str, str, bytes]] = []
    for field_id, path in files:
        field = form.fields_by_id.get(field_id)
        if field is None or field.text_format not in MEDIA_FORMATS or (
                form.repeat_of(field_id) is not None):
            media = [f.id for f in form.iter_fields(members=False)
                     if f.text_format in MEDIA_FORMATS]
            raise UsageError(f"--attach {field_id}: not a file question of {form.id} (its "
                             f"file questions: {', '.join(media) or 'none'}; answer one "
                             "inside a repeat with an attachment id in the answers)")
        contents.append((field_id, path.name, read_attachment_file(handed_file(path))))
    # A stand-in id passes the shape checks; whether it is on the case is the store's check.
    trial = {**answers, **{field_id: "pending" for field_id, _, _ in contents}}
    problems = [p for p in validate_answers(form, trial, complete) if p.code != "attachment"]
    if problems:
        raise AnswersInvalid(problems)
    result = dict(answers)
    for field_id, name, content in contents:
        result[field_id] = session.store.add_attachment(case, name, content).id
    return result


def _with_defaults(form: FormDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers with the form's defaults for what was not given (as the form view does: a
    repeat's items, and the items of a repeat inside them, get their members' defaults);
    a value for a computed field is refused (the engine computes it)."""
    computed = [f.id for f in form.iter_fields(members=False) if f.is_computed
                and f.id in answers]

    def computed_in(repeat: Field, items: list[Any], path: str) -> None:
        for entry in items:
            if not isinstance(entry, dict):
                continue
            for member in repeat.fields:
                if member.is_computed and member.id in entry:
                    computed.append(f"{path}[].{member.id}")
                elif member.type == "repeat" and isinstance(entry.get(member.id), list):
                    computed_in(member, entry[member.id], f"{path}[].{member.id}")

    for item in form.iter_fields(members=False):
        if item.type == "repeat" and isinstance(answers.get(item.id), list):
            computed_in(item, answers[item.id], item.id)
    if computed:
        raise UsageError(
            f"{', '.join(sorted(set(computed)))}: computed by the form; leave "
            f"{'it' if len(set(computed)) == 1 else 'them'} out of the answers")
    result = {**initial_answers(form), **answers}

    def filled(repeat: Field, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for entry in items:
            if isinstance(entry, dict):
                entry = {**new_item(form, repeat.id, result), **entry}
                for member in repeat.fields:
                    if member.type == "repeat" and isinstance(entry.get(member.id), list):
                        entry[member.id] = filled(member, entry[member.id])
            out.append(entry)
        return out

    for item in form.iter_fields(members=False):
        items = result.get(item.id)
        if item.type == "repeat" and isinstance(items, list):
            result[item.id] = filled(item, items)
    return result


def cmd_submissions(ctx: Context) -> int:
    """submissions list | show | complete | amend | review."""
    a = ctx.args
    with ctx.unlock() as session:
        subs = session.submissions
        if a.sub_action == "list":
            items = subs.for_case(a.case)
            ctx.emit([s.to_json() for s in items], table(
                [_sub_row(s) for s in items], ["ID", "FORM", "STATUS", "UPDATED"]))
            return 0
        if a.sub_action == "show":
            sub = subs.get(a.submission_id)
            session.record_view("submission", sub.id)
            form = subs.form_for(sub)
            data = sub.to_json()
            data["form_title"] = form.title
            lines = [f"{form.title} ({sub.form_id} v{sub.form_version}) — {sub.status}"]
            if sub.amendment_reason:
                lines.append(f"  amends {sub.amends}: {sub.amendment_reason}")
            shown = relevant_answers(form, sub.answers)  # computed values filled in
            # An error marker ("ERROR", "NaN") is not a value: left out, as in the view.
            data["computed"] = {k: v for k, v in shown.items()
                                if form.field(k).is_computed and not not_calculated(v)}
            relevant = evaluate(form, sub.answers).fields
            files = {x.id: x.filename for x in session.store.attachments(sub.case_id)}
            for field in form.iter_fields(members=False):
                if field.hidden:
                    continue
                if field.text_format in MEDIA_FORMATS and field.id in shown:
                    attached = str(shown[field.id])
                    name = files.get(attached, "attachment no longer on the case")
                    lines.append(f"  {field.label}: {name} (attachment {attached})")
                    continue
                if field.is_computed and not_calculated(shown.get(field.id)):
                    if relevant.get(field.id, False):
                        lines.append(f"  {field.label}: not calculated")
                elif field.id in shown:
                    value = json.dumps(shown[field.id], ensure_ascii=False)
                    lines.append(f"  {field.label}: {value}")
            ctx.emit(data, "\n".join(lines))
            return 0
        if a.sub_action == "complete":
            sub = subs.complete(a.submission_id)
        elif a.sub_action == "amend":
            sub = subs.amend(a.submission_id, _read_answers(a.data), a.reason)
        else:
            sub = subs.review(a.submission_id)
        ctx.emit(sub.to_json(), f"Submission {sub.id}: {sub.status}.")
    return 0


def register(sub: Any, json_parent: argparse.ArgumentParser) -> None:
    """Add this module's commands to the top-level subparsers."""
    forms = sub.add_parser("forms", help="assessment forms").add_subparsers(
        dest="forms_action", required=True)
    forms.add_parser("list", parents=[json_parent], help="forms available").set_defaults(
        func=cmd_forms)
    p = forms.add_parser("show", parents=[json_parent], help="one form's questions")
    p.add_argument("form_id")
    p.add_argument("--version", type=int)
    p.set_defaults(func=cmd_forms)
    p = forms.add_parser("validate", parents=[json_parent],
                         help="check form files (exit 1 listing every problem)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_forms)
    p = forms.add_parser("import", parents=[json_parent],
                         help="add a form (YAML, JSON or XLSForm .xlsx/.xls) to the vault")
    p.add_argument("file")
    p.set_defaults(func=cmd_forms)
    p = forms.add_parser("export", parents=[json_parent],
                         help="write a form as an XLSForm workbook (.xlsx) to edit in Excel")
    p.add_argument("form_id")
    p.add_argument("-o", "--output", required=True, metavar="FORM.xlsx")
    p.add_argument("--version", type=int)
    p.set_defaults(func=cmd_forms)

    p = sub.add_parser("submit", parents=[json_parent], help="submit form answers on a case")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--form", required=True, metavar="FORM_ID")
    p.add_argument("--data", required=True, metavar="ANSWERS.json",
                   help="JSON object: field id -> answer ('-' reads stdin)")
    p.add_argument("--draft", action="store_true", help="save as a draft (no required check)")
    p.add_argument("--no-prefill", action="store_true",
                   help="do not fill unanswered questions from the case (the form's prefill "
                        "sources: reporting party, date of birth, signed-in member...)")
    p.add_argument("--attach", action="append", metavar="FIELD=PATH",
                   help="answer a file question (image, audio, video, file) with this file, "
                        "stored encrypted as an attachment of the case (200 MB at most); "
                        "repeatable")
    p.set_defaults(func=cmd_submit)

    subs = sub.add_parser("submissions", help="submissions and drafts").add_subparsers(
        dest="sub_action", required=True)
    p = subs.add_parser("list", parents=[json_parent], help="a case's submissions")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(func=cmd_submissions)
    for action, text in (("show", "one submission"), ("complete", "complete a draft"),
                         ("review", "mark reviewed (team lead)")):
        p = subs.add_parser(action, parents=[json_parent], help=text)
        p.add_argument("submission_id", metavar="ID")
        p.set_defaults(func=cmd_submissions)
    p = subs.add_parser("amend", parents=[json_parent],
                        help="amend a completed submission (earlier version kept)")
    p.add_argument("submission_id", metavar="ID")
    p.add_argument("--data", required=True, metavar="ANSWERS.json")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_submissions)
