"""CLI commands for the case file: cases, notes and timeline entries, persons, tasks,
partners, attachments, trash, history, and demo data."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from btam_desktop.cli import common
from btam_desktop.cli.common import (
    Context,
    UsageError,
    handed_file,
    output_file,
    safe_text,
    table,
    table_lines,
)
from btam_desktop.core import queries
from btam_desktop.core.dissemination import Release
from btam_desktop.core.errors import InvalidInput, PermissionDenied
from btam_desktop.core.model import (
    AGE_GROUPS,
    CASE_STATUSES,
    CONCERN_LEVELS,
    DISCIPLINES,
    ENTRY_KINDS,
    PARTNER_KINDS,
    PERSON_ROLES,
    REFERRAL_STATUSES,
    TASK_KINDS,
    TIERS,
    Case,
)
from btam_desktop.core.session import Session
from btam_desktop.core.store import read_attachment_file, today

UPDATABLE = {
    "title": "title", "summary": "summary", "status": "status", "concern": "concern",
    "tier": "tier", "next_review": "next_review", "closure_reason": "closure_reason",
    "purge_review_on": "purge_review_on", "opened_on": "opened_on",
}


def _case_row(case: Case | queries.CaseRow) -> list[str]:
    return [case.number, case.status, case.concern, case.tier, case.next_review or "",
            case.title[:60]]


CASE_HEADERS = ["NUMBER", "STATUS", "CONCERN", "TIER", "NEXT REVIEW", "TITLE"]
LIST_PAGE = 500  # full case records read (and written) at a time by `case list --json`


def cmd_case_add(ctx: Context) -> int:
    """Open a case."""
    a = ctx.args
    with ctx.unlock() as session:
        case = session.store.create_case(
            a.title, concern=a.concern, status=a.status, tier=a.tier, summary=a.summary or "",
            next_review=a.next_review)
        ctx.emit({"id": case.id, "number": case.number},
                 f"Created case {case.number}\nid {case.id}")
    return 0


def cmd_case_list(ctx: Context) -> int:
    """List cases with filters and full-text search.

    Printed as it is read, so 100,000 cases take little memory: the list is walked a page of
    light rows at a time in its order (``queries.case_list_pages``); under ``--json`` each
    page's full records are read and written at once, one JSON array in all with one case
    per line; the text table keeps only its cells, to size its columns.
    """
    a = ctx.args
    with ctx.unlock() as session:
        mine = session.member_id if a.mine else None
        pages = queries.case_list_pages(
            session.db, text=a.search, status=a.status, concern=a.concern, tier=a.tier,
            overdue=a.overdue, assigned_to=mine, limit=a.limit, page=LIST_PAGE)
        out = sys.stdout
        if not ctx.as_json:
            cells = [_case_row(row) for rows in pages for row in rows]
            for line in table_lines(cells, CASE_HEADERS):
                out.write(safe_text(line) + "\n")
            return 0
        # One case per line: json's C encoder does not indent, and the Python one took
        # most of the time at 100,000 cases. Still one JSON array (and one line per case
        # for line tools).
        separator = "[\n"
        for rows in pages:
            for case in queries.cases_by_ids(session.db, [row.id for row in rows]):
                out.write(separator + json.dumps(case.to_json(), ensure_ascii=False,
                                                 sort_keys=True))
                separator = ",\n"
        out.write("[]\n" if separator == "[\n" else "\n]\n")
    return 0


def _case_details(session: Session, key: str) -> tuple[Case, dict[str, Any]]:
    store = session.store
    case = store.view_case(key)
    data = case.to_json()
    data["persons"] = [
        {"link_id": cp.link_id, "role": cp.role, **cp.person.to_json()}
        for cp in store.case_persons(case.id)]
    data["timeline"] = [e.to_json() for e in store.timeline(case.id)]
    data["tasks"] = [t.to_json() for t in store.tasks(case.id)]
    data["attachments"] = [
        {"id": x.id, "filename": x.filename, "size": x.size, "media_type": x.media_type}
        for x in store.attachments(case.id)]
    return case, data


def cmd_case_show(ctx: Context) -> int:
    """Show one case with its people, timeline, tasks and attachments (audited as a view)."""
    with ctx.unlock() as session:
        case, data = _case_details(session, ctx.args.case)
        lines = [
            f"Case {case.number}: {case.title}",
            f"  status {case.status} · concern {case.concern} · tier {case.tier}"
            f" · opened {case.opened_on} · next review {case.next_review or '-'}",
        ]
        if case.closed_on:
            lines.append(f"  closed {case.closed_on}: {case.closure_reason}")
        if case.assigned:
            lines.append(f"  assigned: {', '.join(case.assigned)}")
        if case.summary:
            lines.append(f"  {case.summary}")
        lines.append("People:")
        lines += [f"  {p['role']}: {p['family_name']}, {p['given_names']}"
                  + (f" (aka {', '.join(p['aliases'])})" if p["aliases"] else "")
                  for p in data["persons"]] or ["  (none)"]
        lines.append("Timeline:")
        for e in data["timeline"]:
            mark = " [superseded]" if e["superseded_by"] else ""
            mark += " [correction]" if e["supersedes"] else ""
            lines.append(f"  {e['occurred_at']}  {e['kind']}: {e['summary']}{mark}"
                         f"  — {e['author']}")
        if not data["timeline"]:
            lines.append("  (none)")
        lines.append("Tasks:")
        lines += [f"  [{'x' if t['done_at'] else ' '}] {t['due_on'] or '-'}  {t['title']}"
                  for t in data["tasks"]] or ["  (none)"]
        if data["attachments"]:
            lines.append("Attachments:")
            lines += [f"  {x['filename']} ({x['size']} bytes) id {x['id']}"
                      for x in data["attachments"]]
        ctx.emit(data, "\n".join(lines))
    return 0


def cmd_case_update(ctx: Context) -> int:
    """Change fields of a case (concern changes need --reason)."""
    a = ctx.args
    values = {field: getattr(a, field) for field in UPDATABLE if getattr(a, field) is not None}
    if not values:
        raise UsageError("nothing to change: give at least one --FIELD VALUE")
    with ctx.unlock() as session:
        changed = session.store.update_case(a.case, values, reason=a.reason)
        case = session.store.get_case(a.case)
        ctx.emit({"id": case.id, "number": case.number, "changed": changed},
                 f"Case {case.number}: " + (", ".join(changed) + " changed" if changed
                                            else "nothing changed"))
    return 0


def cmd_case_assign(ctx: Context) -> int:
    """Assign or unassign a team member."""
    with ctx.unlock() as session:
        if ctx.args.remove:
            session.store.unassign(ctx.args.case, ctx.args.member_name)
        else:
            session.store.assign(ctx.args.case, ctx.args.member_name)
        case = session.store.get_case(ctx.args.case)
        ctx.emit(case.to_json(), f"Case {case.number} assigned: {', '.join(case.assigned)}")
    return 0


def cmd_case_trash(ctx: Context) -> int:
    """Delete (to trash), restore, purge, or list the trash."""
    a = ctx.args
    with ctx.unlock() as session:
        store = session.store
        if a.case_action == "trash":
            cases = store.trash()
            ctx.emit([c.to_json() for c in cases], table(
                [[c.number, (c.deleted_at or "")[:10], c.title[:60]] for c in cases],
                ["NUMBER", "DELETED", "TITLE"]))
            return 0
        case = store.get_case(a.case)
        if a.case_action == "delete":
            store.delete_case(case.id)
            text = f"Case {case.number} moved to the trash (restorable for 30 days)."
        elif a.case_action == "restore":
            store.restore_case(case.id)
            text = f"Case {case.number} restored."
        else:
            # Refused before asking: a case not in the trash, a laptop that may not purge.
            if not case.deleted_at:
                raise InvalidInput(f"move case {case.number} to the trash before purging it")
            from btam_desktop.core.sync import team  # the roster decides, in a team

            reason = team.lead_refusal(session)
            if reason is not None:
                raise PermissionDenied(reason)
            print(f"Purge case {case.number} ({safe_text(case.title[:60])})? It is erased for"
                  " good with everything on it, here and on the team's laptops; only its id"
                  " remains.", file=sys.stderr if ctx.as_json else sys.stdout, flush=True)
            if not common.confirm(
                    ctx, "Purge this case?", without_terminal=(
                        "not purged: run again with --yes (or in a terminal, to be asked);"
                        " the case stays in the trash"),
                    declined=f"Not purged: case {case.number} stays in the trash."):
                return 1
            store.purge_case(case.id)
            text = f"Case {case.number} purged; only its id remains."
        ctx.emit({"id": case.id, "number": case.number, "action": a.case_action}, text)
    return 0


def cmd_case_history(ctx: Context) -> int:
    """Field history of a case: changed from X to Y by Z."""
    with ctx.unlock() as session:
        case = session.store.get_case(ctx.args.case)
        history = session.store.field_history(case.id, ctx.args.field)
        ctx.emit([{"field": h.field, "old": h.old, "new": h.new, "at": h.at,
                   "member": h.member_name, "reason": h.reason} for h in history],
                 "\n".join(h.describe() for h in history) or "(no changes since creation)")
    return 0


def cmd_note_add(ctx: Context) -> int:
    """Add a note to a case's timeline."""
    text = " ".join(ctx.args.text)
    if text == "-":
        text = sys.stdin.read()
    with ctx.unlock() as session:
        entry = session.store.add_note(ctx.args.case, text)
        ctx.emit(entry.to_json(), f"Note added ({entry.id}).")
    return 0


def cmd_entry_add(ctx: Context) -> int:
    """Add a timeline entry of any kind, or a correction of an earlier one."""
    a = ctx.args
    with ctx.unlock() as session:
        if a.entry_action == "correct":
            changes = {k: getattr(a, k) for k in (
                "summary", "occurred_at", "details", "context", "outcome", "referral_status")
                if getattr(a, k) is not None}
            entry = session.store.correct_entry(a.entry_id, **changes)
        else:
            entry = session.store.add_entry(
                a.case, a.kind, a.summary, occurred_at=a.occurred_at, details=a.details or "",
                context=a.context or "", outcome=a.outcome or "", partner_id=a.partner,
                referral_status=a.referral_status)
        ctx.emit(entry.to_json(), f"Entry {entry.id} added.")
    return 0


def cmd_person(ctx: Context) -> int:
    """Add, search or show persons."""
    a = ctx.args
    with ctx.unlock() as session:
        store = session.store
        if a.person_action == "add":
            person = store.add_person(
                a.family or "", a.given or "", aliases=a.alias or [], date_of_birth=a.dob,
                phone=a.phone or "", email=a.email or "", address=a.address or "")
            if a.case:
                store.link_person(a.case, person.id, a.role)
            ctx.emit(person.to_json(), f"Added {person.display_name} ({person.id}).")
        elif a.person_action == "list":
            persons = store.search_persons(a.search) if a.search else []
            ctx.emit([p.to_json() for p in persons], table(
                [[p.display_name, ", ".join(p.aliases), p.date_of_birth or "", p.id]
                 for p in persons], ["NAME", "ALIASES", "BORN", "ID"]))
        else:
            person = store.get_person(a.person_id)
            session.record_view("person", person.id)
            links = store.cases_of_person(person.id)
            data = person.to_json()
            data["cases"] = [{"number": c.number, "id": c.id, "role": r} for c, r in links]
            ctx.emit(data, f"{person.display_name}\n" + "\n".join(
                f"  {r} on {c.number}: {c.title}" for c, r in links))
    return 0


def cmd_task(ctx: Context) -> int:
    """Add, complete or list tasks and reviews."""
    a = ctx.args
    with ctx.unlock() as session:
        store = session.store
        if a.task_action == "add":
            task = store.add_task(a.case, a.title, due_on=a.due, kind=a.kind,
                                  assignee=a.assignee)
            ctx.emit(task.to_json(), f"Task added ({task.id}).")
        elif a.task_action == "done":
            store.complete_task(a.task_id)
            ctx.emit({"id": a.task_id, "done": True}, "Task done.")
        else:
            tasks = store.open_tasks(due_before=today() if a.overdue else None,
                                     assignee_id=session.member_id if a.mine else None)
            ctx.emit([t.to_json() for t in tasks], table(
                [[t.due_on or "-", t.kind, t.title[:50], t.id] for t in tasks],
                ["DUE", "KIND", "TITLE", "ID"]))
    return 0


# Options of `partner add/update` -> the store's partner fields (the app's Partners page edits
# the same fields, resource-map ones included).
PARTNER_OPTIONS = {
    "name": "name", "kind": "kind", "discipline": "discipline", "contact": "contact_name",
    "phone": "phone", "email": "email", "address": "address", "services": "services",
    "notes": "notes", "tiers": "tiers", "ages": "ages", "area_served": "area_served",
    "hours": "hours", "capacity": "capacity", "wait_days": "wait_days",
}
MAX_WAIT_DAYS = 3650  # the store's bound (core/store.py _wait_days)


def _words_option(vocabulary: tuple[str, ...], what: str) -> Any:
    """An argparse type: comma-separated words of ``vocabulary`` ("" clears the list), so a
    typo is refused naming the option before the vault is unlocked."""

    def parse(text: str) -> tuple[str, ...]:
        words = tuple(w.strip() for w in text.split(",") if w.strip())
        for word in words:
            if word not in vocabulary:
                raise argparse.ArgumentTypeError(
                    f"unknown {what} {word!r} (known: {', '.join(vocabulary)}; "
                    "several separated by commas, \"\" for none)")
        return words

    return parse


def _wait_days_option(text: str) -> int | str:
    """An argparse type: the usual wait in whole days, or "" (not known) to clear it."""
    if not text.strip():
        return ""
    try:
        days = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of days (\"\" when not known)") from None
    if not 0 <= days <= MAX_WAIT_DAYS:
        raise argparse.ArgumentTypeError(
            f"{days} days: the usual wait is between 0 and {MAX_WAIT_DAYS} days")
    return days


def _partner_values(a: argparse.Namespace) -> dict[str, Any]:
    """The partner fields given on the command line (an option left out is not changed)."""
    return {field: getattr(a, option) for option, field in PARTNER_OPTIONS.items()
            if getattr(a, option, None) is not None}


def _wait_text(days: int | None) -> str:
    return "" if days is None else f"{days} day{'s' if days != 1 else ''}"


def cmd_partner(ctx: Context) -> int:
    """Add, change or list partner agencies and community resources."""
    a = ctx.args
    values = _partner_values(a)
    if a.partner_action == "update" and not values:
        raise UsageError("nothing to change: give the fields to change, e.g. --tiers "
                         "selective,intensive --wait-days 42 (see btam partner update -h)")
    with ctx.unlock() as session:
        store = session.store
        if a.partner_action == "add":
            name, discipline = values.pop("name"), values.pop("discipline")
            partner = store.add_partner(name, discipline, **values)
            ctx.emit(partner.to_json(), f"Added {partner.name} ({partner.id}).")
        elif a.partner_action == "update":
            changed = store.update_partner(a.partner_id, values)
            partner = store.get_partner(a.partner_id)
            ctx.emit(partner.to_json(), f"Updated {partner.name} ({partner.id}): "
                     + (", ".join(changed) if changed else "nothing changed") + ".")
        else:
            partners = store.partners(text=a.search or "", discipline=a.discipline)
            ctx.emit([p.to_json() for p in partners], table(
                [[p.name, p.kind, p.discipline, ",".join(p.tiers), _wait_text(p.wait_days),
                  p.phone, p.id] for p in partners],
                ["NAME", "KIND", "DISCIPLINE", "TIERS", "WAIT", "PHONE", "ID"]))
    return 0


def cmd_attach(ctx: Context) -> int:
    """Add, list or export attachments (stored encrypted in the vault)."""
    a = ctx.args
    with ctx.unlock() as session:
        store = session.store
        if a.attach_action == "add":
            path = handed_file(a.file)
            content = read_attachment_file(path)  # size checked before reading
            att = store.add_attachment(a.case, path.name, content, description=a.description
                                       or "")
            ctx.emit({"id": att.id, "filename": att.filename, "size": att.size},
                     f"Attached {att.filename} ({att.size} bytes), id {att.id}.")
        elif a.attach_action == "list":
            items = store.attachments(a.case)
            ctx.emit([{"id": x.id, "filename": x.filename, "size": x.size,
                       "media_type": x.media_type, "sha256": x.sha256} for x in items],
                     table([[x.filename, str(x.size), x.id] for x in items],
                           ["FILE", "BYTES", "ID"]))
        else:
            out = output_file(a.out, force=a.force)
            release = Release.checked(a.recipient, a.purpose, a.legal_basis)
            record = store.export_attachment(a.attachment_id, out, release)
            assert record is not None
            ctx.emit({"written": str(out), "dissemination_id": record.id,
                      "sha256": record.sha256},
                     f"Written to {out} (readable by you only).\nSHA-256 {record.sha256}\n"
                     f"Recorded in the dissemination log as {record.id}")
    return 0


def cmd_demo(ctx: Context) -> int:
    """Fill the vault with fictional demo cases."""
    from btam_desktop.core import demo

    with ctx.unlock() as session:
        def progress(done: int, total: int) -> bool:
            if not ctx.as_json and sys.stderr.isatty():
                print(f"\r{done}/{total} cases", end="", file=sys.stderr, flush=True)
            return True

        summary = demo.generate(session, ctx.args.cases, seed=ctx.args.seed, progress=progress)
        if not ctx.as_json and sys.stderr.isatty():
            print(file=sys.stderr)
        data = dict(vars(summary))
        ctx.emit(data, "Demo data (fictional): " + ", ".join(
            f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in data.items()))
    return 0


def _partner_arguments(p: argparse.ArgumentParser) -> None:
    """The options `partner add` and `partner update` share: contact details and the
    resource-map fields (see docs/reports.md, the resource map)."""
    p.add_argument("--contact", help="contact person")
    p.add_argument("--phone")
    p.add_argument("--email")
    p.add_argument("--address")
    p.add_argument("--services", help="services offered (free text)")
    p.add_argument("--notes")
    p.add_argument("--tiers", type=_words_option(TIERS, "tier"), metavar="TIER,...",
                   help=f"prevention tiers served: {', '.join(TIERS)}")
    p.add_argument("--ages", type=_words_option(AGE_GROUPS, "age group"), metavar="AGE,...",
                   help=f"age groups served: {', '.join(AGE_GROUPS)}")
    p.add_argument("--area-served", metavar="TEXT", help="e.g. Lakeside County")
    p.add_argument("--hours", metavar="TEXT", help="e.g. Mon-Fri 8-18, crisis line 24/7")
    p.add_argument("--capacity", metavar="TEXT", help="capacity or waiting list, as text")
    p.add_argument("--wait-days", type=_wait_days_option, metavar="DAYS",
                   help=f"usual wait for a first appointment, 0-{MAX_WAIT_DAYS} days")


def register(sub: Any, json_parent: argparse.ArgumentParser) -> None:
    """Add this module's commands to the top-level subparsers."""
    cases = sub.add_parser("case", help="case files").add_subparsers(
        dest="case_action", required=True)
    p = cases.add_parser("add", parents=[json_parent], help="open a case")
    p.add_argument("--title", required=True)
    p.add_argument("--concern", default="low", choices=CONCERN_LEVELS)
    p.add_argument("--status", default="open", choices=[s for s in CASE_STATUSES
                                                         if s != "closed"])
    p.add_argument("--tier", default="universal", choices=TIERS)
    p.add_argument("--summary")
    p.add_argument("--next-review", metavar="YYYY-MM-DD")
    p.set_defaults(func=cmd_case_add)

    p = cases.add_parser("list", parents=[json_parent], help="list and search cases")
    p.add_argument("--search", help="full-text: names, aliases, titles, notes")
    p.add_argument("--status", choices=CASE_STATUSES)
    p.add_argument("--concern", choices=CONCERN_LEVELS)
    p.add_argument("--tier", choices=TIERS)
    p.add_argument("--overdue", action="store_true", help="review or task past due")
    p.add_argument("--mine", action="store_true", help="assigned to me")
    p.add_argument("--limit", type=int)
    p.set_defaults(func=cmd_case_list)

    p = cases.add_parser("show", parents=[json_parent], help="show one case")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.set_defaults(func=cmd_case_show)

    p = cases.add_parser("update", parents=[json_parent], help="change case fields")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.add_argument("--title")
    p.add_argument("--summary")
    p.add_argument("--status", choices=CASE_STATUSES)
    p.add_argument("--concern", choices=CONCERN_LEVELS)
    p.add_argument("--tier", choices=TIERS)
    p.add_argument("--next-review", metavar="YYYY-MM-DD")
    p.add_argument("--closure-reason")
    p.add_argument("--purge-review-on", metavar="YYYY-MM-DD")
    p.add_argument("--opened-on", metavar="YYYY-MM-DD")
    p.add_argument("--reason", help="why (required for a concern level change)")
    p.set_defaults(func=cmd_case_update)

    p = cases.add_parser("assign", parents=[json_parent], help="assign a member")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.add_argument("member_name", metavar="MEMBER")
    p.add_argument("--remove", action="store_true")
    p.set_defaults(func=cmd_case_assign)

    for action, text in (("delete", "move a case to the trash"),
                         ("restore", "restore a case from the trash"),
                         ("purge", "erase a trashed case for good (team lead)")):
        p = cases.add_parser(action, parents=[json_parent], help=text)
        p.add_argument("case", metavar="ID_OR_NUMBER")
        if action == "purge":
            p.add_argument("--yes", action="store_true", help="do not ask (scripts)")
        p.set_defaults(func=cmd_case_trash)
    cases.add_parser("trash", parents=[json_parent], help="list the trash").set_defaults(
        func=cmd_case_trash)

    p = cases.add_parser("history", parents=[json_parent], help="field history of a case")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.add_argument("--field")
    p.set_defaults(func=cmd_case_history)

    note = sub.add_parser("note", help="notes").add_subparsers(dest="note_action",
                                                                required=True)
    p = note.add_parser("add", parents=[json_parent], help="add a note ('-' reads stdin)")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.add_argument("text", nargs="+")
    p.set_defaults(func=cmd_note_add)

    entry = sub.add_parser("entry", help="timeline entries").add_subparsers(
        dest="entry_action", required=True)
    for action in ("add", "correct"):
        p = entry.add_parser(action, parents=[json_parent],
                             help="add an entry" if action == "add"
                             else "correct an entry (the original stays visible)")
        if action == "add":
            p.add_argument("case", metavar="ID_OR_NUMBER")
            p.add_argument("--kind", required=True,
                           choices=[k for k in ENTRY_KINDS if k != "concern_change"])
            p.add_argument("--summary", required=True)
            p.add_argument("--partner", help="partner id (referrals)")
        else:
            p.add_argument("entry_id")
            p.add_argument("--summary")
        p.add_argument("--occurred-at", metavar="YYYY-MM-DDTHH:MM")
        p.add_argument("--details")
        p.add_argument("--context", help="the situation in which the behaviour happened")
        p.add_argument("--outcome")
        p.add_argument("--referral-status", choices=REFERRAL_STATUSES)
        p.set_defaults(func=cmd_entry_add)

    person = sub.add_parser("person", help="persons").add_subparsers(
        dest="person_action", required=True)
    p = person.add_parser("add", parents=[json_parent], help="add a person")
    p.add_argument("--family")
    p.add_argument("--given")
    p.add_argument("--alias", action="append")
    p.add_argument("--dob", metavar="YYYY-MM-DD")
    p.add_argument("--phone")
    p.add_argument("--email")
    p.add_argument("--address")
    p.add_argument("--case", metavar="ID_OR_NUMBER", help="link to this case")
    p.add_argument("--role", default="person_of_concern", choices=PERSON_ROLES)
    p.set_defaults(func=cmd_person)
    p = person.add_parser("list", parents=[json_parent], help="search persons")
    p.add_argument("--search", required=True)
    p.set_defaults(func=cmd_person)
    p = person.add_parser("show", parents=[json_parent], help="one person and their cases")
    p.add_argument("person_id")
    p.set_defaults(func=cmd_person)

    task = sub.add_parser("task", help="tasks and reviews").add_subparsers(
        dest="task_action", required=True)
    p = task.add_parser("add", parents=[json_parent], help="add a task or review")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.add_argument("--title", required=True)
    p.add_argument("--due", metavar="YYYY-MM-DD")
    p.add_argument("--kind", default="task", choices=TASK_KINDS)
    p.add_argument("--assignee")
    p.set_defaults(func=cmd_task)
    p = task.add_parser("done", parents=[json_parent], help="mark a task done")
    p.add_argument("task_id")
    p.set_defaults(func=cmd_task)
    p = task.add_parser("list", parents=[json_parent], help="open tasks")
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--mine", action="store_true")
    p.set_defaults(func=cmd_task)

    partner = sub.add_parser("partner", help="partner agencies and resources").add_subparsers(
        dest="partner_action", required=True)
    p = partner.add_parser("add", parents=[json_parent], help="add a partner or resource")
    p.add_argument("name")
    p.add_argument("--discipline", required=True, choices=DISCIPLINES)
    p.add_argument("--kind", default="agency", choices=PARTNER_KINDS)
    _partner_arguments(p)
    p.set_defaults(func=cmd_partner)
    p = partner.add_parser(
        "update", parents=[json_parent], help="change a partner (only the options given)",
        description="Change a directory entry: only the fields given change; \"\" empties "
                    "a field (--tiers \"\" : no tier recorded).")
    p.add_argument("partner_id", metavar="PARTNER_ID", help="its id (btam partner list)")
    p.add_argument("--name")
    p.add_argument("--discipline", choices=DISCIPLINES)
    p.add_argument("--kind", choices=PARTNER_KINDS)
    _partner_arguments(p)
    p.set_defaults(func=cmd_partner)
    p = partner.add_parser("list", parents=[json_parent], help="the directory")
    p.add_argument("--search")
    p.add_argument("--discipline", choices=DISCIPLINES)
    p.set_defaults(func=cmd_partner)

    attach = sub.add_parser("attach", help="attachments").add_subparsers(
        dest="attach_action", required=True)
    p = attach.add_parser("add", parents=[json_parent], help="store a file in the vault")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.add_argument("file")
    p.add_argument("--description")
    p.set_defaults(func=cmd_attach)
    p = attach.add_parser("list", parents=[json_parent], help="a case's attachments")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.set_defaults(func=cmd_attach)
    p = attach.add_parser("export", parents=[json_parent], help="write an attachment out")
    p.add_argument("attachment_id")
    p.add_argument("-o", "--out", required=True, help="file to write (owner-only)")
    p.add_argument("--recipient", help="who receives the copy (person and agency)")
    p.add_argument("--purpose", help="why it is shared")
    p.add_argument("--legal-basis", dest="legal_basis", metavar="BASIS",
                   help="the law, court order or consent that allows sharing it")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_attach)

    p = sub.add_parser("demo", parents=[json_parent], help="add fictional demo cases")
    p.add_argument("--cases", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)
