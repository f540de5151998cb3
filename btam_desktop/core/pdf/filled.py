"""Filled form PDF: one submission laid out like the paper form officers know.

Page one has the form title, the case, the submission's status (draft, complete, reviewed,
amended and why), who it is released to and what was redacted. Then every section the
answers make relevant, in order: numbered questions with their answers in a label/answer
grid, long answers full width, repeat groups as tables, notes as guidance boxes and
signature blocks with a line to sign on. Questions hidden by skip logic are left out;
relevant questions nobody answered print as "— not answered".

Question numbers follow the form definition (section.question), not what is shown, so "5.3"
means the same question on the blank form, on this copy and on a redacted copy. They never
jump silently: where questions were left out, a line says which numbers and why ("5.2–5.4
not asked: not applicable given the answers above", or "not shown on this copy" for a
redaction), and page one says how the numbering works. Hidden fields (calculations without
a label, metadata) are not questions: neither printed nor numbered.

The PDF is in the language chosen (``language``: the form view's language in the app,
``--language`` in the CLI; the form's default language otherwise): section titles, labels,
hints, choice labels and item names as the form view shows them, with ``${field}``
references filled in from the answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from btam_desktop.core.dissemination import Release
from btam_desktop.core.forms import Field, FormDefinition, FormState, evaluate, relevant_answers
from btam_desktop.core.forms.answers import ItemState, available_choices, shown_text
from btam_desktop.core.forms.fieldtypes import MEDIA_FORMATS, is_empty, not_calculated
from btam_desktop.core.forms.text import fill_text
from btam_desktop.core.forms.values import from_answer, to_string
from btam_desktop.core.model import Case, CasePerson
from btam_desktop.core.pdf.answers import format_answer, withheld
from btam_desktop.core.pdf.blocks import (
    BLANK,
    Row,
    data_table,
    kv_grid,
    muted,
    note_box,
    para,
    release_box,
    section_bar,
)
from btam_desktop.core.pdf.fieldnames import question_numbers
from btam_desktop.core.pdf.fonts import REGULAR
from btam_desktop.core.pdf.markup import esc
from btam_desktop.core.pdf.page import Bookmark, DocumentSpec, Masthead, RenderedPdf, build_pdf
from btam_desktop.core.pdf.redaction import FormRedaction, RedactionProfile, Redactor
from btam_desktop.core.pdf.styles import GRID, LABEL_BG, PAGE, styles
from btam_desktop.core.submissions import Submission

__all__ = ["NUMBERING_NOTE", "SubmissionDoc", "form_story", "render_submission"]

STATUS_LABELS = {"draft": "Draft (not complete)", "complete": "Complete", "reviewed": "Reviewed"}
# Repeat groups with more visible columns than this print as one small grid per item.
MAX_TABLE_COLUMNS = 5
_WIDE_TYPES = frozenset({"long_text"})
_COLUMN_SHARE = {"long_text": 2.4, "text": 1.5, "person": 1.5, "choice": 1.4,
                 "multi_choice": 1.6, "date": 1.0, "time": 0.8, "datetime": 1.2,
                 "yes_no_unknown": 0.9, "integer": 0.8, "decimal": 0.8, "rating": 1.0,
                 "signature": 1.6}
# Why numbers are missing: skip logic, or a redaction profile that leaves questions out.
NOT_ASKED = "not asked: not applicable given the answers above"
NOT_SHOWN = "not shown on this copy (redaction)"
NUMBERING_NOTE = (
    "Numbers are the form's own (as on the blank form), so a number means the same question "
    "on every copy. Where questions were not asked because of earlier answers, a line says "
    "which numbers and why.")


@dataclass(frozen=True)
class SubmissionDoc:
    """Everything a filled form needs, read from the vault beforehand (no session here)."""

    form: FormDefinition
    submission: Submission
    case: Case
    persons: Sequence[CasePerson] = ()
    # member id -> name, for "completed by" lines
    members: Mapping[str, str] = field(default_factory=dict)
    # The language to print (one of form.languages); None: the form's default language.
    language: str | None = None
    # attachment id -> file name, for media answers (the files themselves stay in the vault)
    attachments: Mapping[str, str] = field(default_factory=dict)


class _FormWriter:
    """Turns one form + answers into flowables (also used for the case report's plan)."""

    def __init__(self, form: FormDefinition, answers: Mapping[str, Any], redactor: Redactor,
                 *, numbered: bool = True, bookmarks: bool = True, nested: bool = False,
                 language: str | None = None,
                 attachments: Mapping[str, str] | None = None) -> None:
        self.form = form
        self.attachments = attachments or {}
        # The same form with its texts in the chosen language (same ids, rules and order).
        self.shown = form.in_language(language)
        self.answers = answers
        self.nested = nested
        self.redactor = redactor
        self.numbered = numbered
        self.bookmarks = bookmarks
        self.state: FormState = evaluate(form, answers)
        self.values = relevant_answers(form, answers)
        self.redaction = FormRedaction.build(form, redactor.profile)
        self.numbers = question_numbers(form)

    # -- whole form ------------------------------------------------------------------
    def text(self, text: str, field_id: str | None = None, item: int | None = None) -> str:
        """A shown text with its ``${field}`` references filled in, as the view shows it."""
        if "${" not in text:
            return text
        return shown_text(self.shown, text, self.answers, field_id=field_id, item=item)

    def story(self, only: frozenset[str] | None = None) -> list[Flowable]:
        flow: list[Flowable] = []
        for s_index, (section, shown) in enumerate(
                zip(self.form.sections, self.shown.sections, strict=True), start=1):
            number = str(s_index) if self.numbered else ""
            title = self.text(shown.title)
            left_out = (section.id in self.redaction.sections
                        or not self.state.sections.get(section.id, False))
            if left_out:
                if self.numbered and only is None and any(
                        f.id in self.numbers for f in section.fields):
                    why = NOT_SHOWN if section.id in self.redaction.sections else NOT_ASKED
                    flow.append(para(muted(f"Part {esc(number)} ({esc(title)}) {why}", 8)))
                    flow.append(Spacer(1, 8))
                continue
            body = self.section_body(section.fields, only, shown.fields)
            if not body:
                continue
            if self.bookmarks:
                flow.append(Bookmark(f"s-{section.id}", f"{number} {title}".strip()))
            if self.nested:
                # Inside another document's section: a plain sub-heading, not a dark bar.
                heading = Paragraph(f"Part {esc(number)} — {esc(title)}",
                                    styles().subsection)
                heading.keepWithNext = True
                flow.append(heading)
            else:
                flow.append(section_bar(number, title))
                flow.append(Spacer(1, 3))
            flow.extend(body)
            flow.append(Spacer(1, 10))
        return flow

    def section_body(self, fields: Sequence[Field], only: frozenset[str] | None,
                     shown_fields: Sequence[Field] | None = None) -> list[Flowable]:
        flow: list[Flowable] = []
        rows: list[Row] = []
        # Numbers of questions left out since the last printed one, with why.
        gaps: list[tuple[str, str]] = []

        def flush_gaps() -> None:
            if not gaps or not self.numbered:
                gaps.clear()
                return
            runs: list[tuple[str, str, str]] = []  # first, last, why
            for number, why in gaps:
                if runs and runs[-1][2] == why:
                    runs[-1] = (runs[-1][0], number, why)
                else:
                    runs.append((number, number, why))
            for first, last, why in runs:
                span = first if first == last else f"{first}–{last}"
                rows.append(Row(muted(esc(span)), muted(why)))
            gaps.clear()

        def flush() -> None:
            flush_gaps()
            if rows:
                flow.append(kv_grid(list(rows)))
                rows.clear()

        for item in shown_fields or fields:
            if only is not None and item.id not in only:
                continue
            if item.hidden and not item.is_repeat:
                continue  # a calculation or metadata: kept in the answers, not a question
            if not self.redaction.shows(item):
                if item.id in self.numbers:
                    gaps.append((self.numbers[item.id], NOT_SHOWN))
                continue
            if not self.state.fields.get(item.id, False):
                if item.id in self.numbers:
                    gaps.append((self.numbers[item.id], NOT_ASKED))
                continue
            item = self.localised(item)
            if item.type != "note":
                flush_gaps()
            label = self.label(item, self.numbers.get(item.id, ""))
            if item.type == "note":
                flush()
                flow.append(Spacer(1, 3))
                flow.append(note_box(esc(self.redactor.text(item.label))))
                flow.append(Spacer(1, 3))
            elif item.type == "repeat":
                flush()
                flow.extend(self.repeat(item, label))
            elif item.type == "signature":
                flush()
                flow.append(self.signature(item, label))
            elif self.redaction.withholds(item):
                rows.append(Row(label, withheld()))
            else:
                value = self.values.get(item.id)
                answer = self.media(item, value) or format_answer(
                    item, value, self.redactor, computed=item.is_computed)
                wide = item.type in _WIDE_TYPES or (
                    item.type == "text" and isinstance(value, str) and len(value) > 160)
                rows.append(Row(label, answer, wide=wide))
        flush()
        return flow

    def localised(self, item: Field, index: int | None = None) -> Field:
        """``item`` (already in the chosen language) as the view shows it: ``${field}``
        filled in its label, hint and choice labels; only the choices its filter offers."""
        changes: dict[str, Any] = {}
        if "${" in item.label:
            changes["label"] = self.text(item.label, item.id, index)
        if item.hint and "${" in item.hint:
            changes["hint"] = self.text(item.hint, item.id, index)
        choices = item.choices
        if item.choice_filter is not None:
            offered = {c.name for c in available_choices(self.form, item.id, self.answers,
                                                         item=index)}
            choices = tuple(c for c in choices if c.name in offered)
        if any("${" in c.label for c in choices):
            choices = tuple(replace(c, label=self.text(c.label, item.id, index))
                            for c in choices)
        if choices != item.choices:
            changes["choices"] = choices
        return replace(item, **changes) if changes else item

    def label(self, item: Field, number: str) -> str:
        text = esc(item.label)
        if self.numbered and number:
            text = f"{esc(number)}&nbsp;&nbsp;{text}"
        if item.hint and item.type != "note":  # in the regular face, under the question
            hint = muted(esc(self.redactor.text(item.hint)), 7.5)
            text += f'<br/><font name="{REGULAR}">{hint}</font>'
        return text

    # -- repeats ---------------------------------------------------------------------
    def repeat(self, item: Field, label: str) -> list[Flowable]:
        if self.redaction.withholds(item):
            return [kv_grid([Row(label, withheld())]), Spacer(1, 4)]
        items = self.values.get(item.id) or []
        states = self.state.items.get(item.id, ())
        return self.repeat_items(item, label, items, states)

    def repeat_items(self, item: Field, label: str, items: Sequence[Any],
                     states: Sequence[ItemState]) -> list[Flowable]:
        """A repeat's items: a table, or one small grid per item when the items have many
        columns or a repeat of their own (printed under its item, the same way)."""
        members = [self.localised(m) for m in item.fields
                   if m.type != "note" and not m.hidden and self.redaction.shows(m)]
        # Columns relevant to no item are left out (e.g. "describe other" when none is other).
        members = [m for m in members
                   if any(s.relevant.get(m.id, False) for s in states)] or members[:1]
        count = len(items)
        noun = item.item_label or "Item"
        plural = noun[:1].lower() + noun[1:] + ("" if count == 1 else "s")
        summary = muted(f"{count} {esc(plural)} recorded", 8)
        head = para(f"{label}&nbsp;&nbsp;{summary}", "label")
        if not items:
            return [kv_grid([Row(label, muted("—&nbsp;&nbsp;none recorded"))])]
        inner = any(m.type == "repeat" for m in members)
        if len(members) <= MAX_TABLE_COLUMNS and not inner:
            header = ["#", *(esc(m.label) for m in members)]
            rows = []
            for index, entry in enumerate(items):
                relevant = states[index].relevant if index < len(states) else {}
                rows.append([str(index + 1), *(
                    self.cell(m, entry, relevant) for m in members)])
            shares = [0.35, *(_COLUMN_SHARE.get(m.type, 1.2) for m in members)]
            return [self._boxed(head), data_table(header, rows, shares), Spacer(1, 6)]
        flow: list[Flowable] = [self._boxed(head)]
        for index, entry in enumerate(items):
            state = states[index] if index < len(states) else None
            relevant = state.relevant if state is not None else {}
            grid_rows = [Row(f"{esc(noun)} {index + 1}", heading=True)]
            for m in members:
                if not relevant.get(m.id, False):
                    continue
                if m.type != "repeat":
                    grid_rows.append(Row(esc(m.label), self.cell(m, entry, relevant),
                                         wide=m.type in _WIDE_TYPES))
                    continue
                # A repeat inside this item: its own list, under the item's answers so far.
                as_written = next(f for f in item.fields if f.id == m.id)  # before filling
                sub_label = esc(self.item_text(as_written.label, entry))
                if self.redaction.withholds(m):
                    grid_rows.append(Row(sub_label, withheld()))
                    continue
                flow.append(kv_grid(grid_rows))
                grid_rows = []
                inner_states = state.items.get(m.id, ()) if state is not None else ()
                flow.extend(self.repeat_items(m, sub_label, entry.get(m.id) or [],
                                              inner_states))
            if grid_rows:
                flow.append(kv_grid(grid_rows))
        flow.append(Spacer(1, 6))
        return flow

    def item_text(self, text: str, entry: Mapping[str, Any]) -> str:
        """A repeat member's text with ``${field}`` filled from its item, then the form."""
        if "${" not in text:
            return text

        def value(name: str) -> str:
            found = entry.get(name)
            if found is None:
                found = self.values.get(name, "")
            return to_string(from_answer(found))

        return fill_text(text, value)

    def cell(self, member: Field, entry: Mapping[str, Any], relevant: Mapping[str, bool]
             ) -> str:
        if not relevant.get(member.id, False):
            return muted("n/a")
        if self.redaction.withholds(member):
            return withheld()
        value = entry.get(member.id)
        if member.is_computed and not_calculated(value):
            return muted("—")
        if is_empty(value):
            return muted("—")
        return self.media(member, value) or format_answer(
            member, value, self.redactor, computed=member.is_computed)

    def media(self, item: Field, value: Any) -> str | None:
        """A media answer as the attached file's name (None for other answers)."""
        if item.text_format not in MEDIA_FORMATS or is_empty(value):
            return None
        name = self.attachments.get(str(value))
        if name is None:
            return muted("attachment no longer on the case")
        return (f"{esc(self.redactor.text(name))}&nbsp;&nbsp;"
                + muted("(attached file, kept in the case file)", 7.5))

    @staticmethod
    def _boxed(head: Paragraph) -> Table:
        table = Table([[head]], colWidths=[PAGE.frame_width])
        table.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), LABEL_BG),
            ("BOX", (0, 0), (-1, -1), 0.4, GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))
        table.keepWithNext = True
        return table

    # -- signatures ------------------------------------------------------------------
    def signature(self, item: Field, label: str) -> Flowable:
        value = self.values.get(item.id)
        withheld_answer = self.redaction.withholds(item)
        parts = value if isinstance(value, dict) and not withheld_answer else {}

        def part(name: str) -> str:
            if withheld_answer:
                return withheld()
            text = parts.get(name)
            return esc(self.redactor.text(text)) if text else ""

        width = PAGE.frame_width
        data = [
            [para(label, "label"), "", "", ""],
            [para(muted("Name", 7.5) + "<br/>" + part("name")),
             para(muted("Badge / ID", 7.5) + "<br/>" + part("badge")),
             para(muted("Date", 7.5) + "<br/>" + part("date")),
             para(muted("Signature", 7.5) + "<br/><br/>")],
        ]
        table = Table(data, colWidths=[width * 0.34, width * 0.16, width * 0.16, width * 0.34])
        table.setStyle(TableStyle([
            ("SPAN", (0, 0), (-1, 0)),
            ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 1), (-1, 1), 4),
            ("BOTTOMPADDING", (0, 1), (-1, 1), 14),
        ]))
        return KeepTogether([table, Spacer(1, 6)])


def form_story(form: FormDefinition, answers: Mapping[str, Any], redactor: Redactor,
               *, only: frozenset[str] | None = None, numbered: bool = True,
               bookmarks: bool = True, nested: bool = False, language: str | None = None,
               attachments: Mapping[str, str] | None = None) -> list[Flowable]:
    """The sections of a filled form as flowables (``only``: restrict to these top-level
    field ids, used for the case report's plan summary; ``nested``: sub-headings instead
    of section bars; ``language``: one of the form's languages, default its default)."""
    return _FormWriter(form, answers, redactor, numbered=numbered, bookmarks=bookmarks,
                       nested=nested, language=language, attachments=attachments).story(only)


def _status_rows(doc: SubmissionDoc, redactor: Redactor) -> list[Row]:
    sub = doc.submission

    def who(member_id: str | None) -> str:
        if member_id is None or member_id not in doc.members:
            return ""
        return f" by {esc(doc.members[member_id])}"

    status = STATUS_LABELS.get(sub.status, sub.status)
    if sub.status in ("complete", "reviewed") and sub.completed_at:
        status += f" — completed {esc(sub.completed_at[:16].replace('T', ' '))} UTC"
    if sub.reviewed_at:
        status += f"; reviewed {esc(sub.reviewed_at[:16].replace('T', ' '))} UTC"
    rows = [
        Row("Case", f"{esc(doc.case.number)} — {esc(redactor.text(doc.case.title))}"),
        Row("Form", f"{esc(doc.form.title)} ({esc(doc.form.id)}, version {doc.form.version})"),
        Row("Status", f"<b>{status}</b>"),
        *([Row("Language", esc(doc.language or doc.form.default_language or ""))]
          if len(doc.form.languages) > 1 else []),
        Row("Started", esc(sub.created_at[:16].replace("T", " ")) + " UTC"
            + who(sub.created_by)),
        Row("Submission id", f'<font name="BTAMMono" size="7.5">{esc(sub.id)}</font>'),
    ]
    if sub.amends:
        reason = esc(redactor.text(sub.amendment_reason)) or BLANK
        rows.append(Row("Amendment", f"This version replaces an earlier one.<br/>Reason: {reason}"))
    if sub.superseded_by:
        rows.append(Row("Superseded", "<b>A later amendment replaces this version.</b>"))
    return rows


def render_submission(doc: SubmissionDoc, masthead: Masthead,
                      profile: RedactionProfile, release: Release | None = None
                      ) -> RenderedPdf:
    """The filled form as a PDF."""
    redactor = Redactor(profile, doc.persons)
    sub = doc.submission
    st = styles()
    story: list[Flowable] = [
        Paragraph(esc(doc.form.title), st.title),
        Paragraph(f"Filled form · version {doc.form.version} · case {esc(doc.case.number)}",
                  st.subtitle),
        Spacer(1, 8),
        kv_grid(_status_rows(doc, redactor), label_share=0.24),
        Spacer(1, 8),
    ]
    story += release_box(release, profile.summary(report=False),
                         profile.title if profile.removes_anything else None)
    if doc.form.description:
        story += [Paragraph(esc(doc.form.description), st.muted), Spacer(1, 10)]
    story += [Paragraph(muted(esc(NUMBERING_NOTE), 7.5), st.small), Spacer(1, 6)]
    story += form_story(doc.form, sub.answers, redactor, language=doc.language,
                        attachments=doc.attachments)
    story += [Spacer(1, 6), Paragraph(muted("— End of form —"), st.small)]
    watermark = "DRAFT" if sub.status == "draft" else (
        "SUPERSEDED" if sub.superseded_by else None)
    spec = DocumentSpec(
        title=f"{doc.form.title} (version {doc.form.version})",
        case_number=doc.case.number,
        subject=f"Filled form {doc.form.id} version {doc.form.version}",
        watermark=watermark,
        metadata={
            "BTAM-Form": f"{doc.form.id}@{doc.form.version}",
            "BTAM-Document": "submission",
            "BTAM-Redaction": profile.id,
            **({"BTAM-Language": doc.language} if doc.language else {}),
        },
    )
    return build_pdf(story, masthead, spec)
