"""Blank fillable PDF (AcroForm) of a form, for partners who do not have the app.

Text boxes for text (several lines for long answers), check boxes for multi-choice, radio
buttons for short choice lists, yes/no/unknown and ratings, drop-down lists for long choice
lists, and an editable drop-down for people (type a name; the team's software matches it to
the case's people on import). Repeat groups get a fixed number of rows. A question's
guidance is its tooltip; its hint and skip logic ("only if question 5.1 is Yes") are printed
under it, since a PDF has no scripts to hide questions.

Field names and widget kinds come from :func:`~btam_desktop.core.pdf.fieldnames.pdf_fields`
(the import reads the same list). The form id and version travel in the document
information (``BTAM-Form: id@version``, plus the definition's SHA-256) and in a hidden
read-only field, so a filled copy can be matched to the exact form version it came from.

reportlab writes flat field names; a small pypdf pass (``fieldnames.nest_field_names``) turns
"weapons.2.weapon_type" into a real field tree: the PDF standard allows no dot in one name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from btam_desktop.core.forms import Field, FormDefinition
from btam_desktop.core.forms.fieldtypes import MEDIA_FORMATS
from btam_desktop.core.pdf.blocks import FlowTable, muted, note_box, para, section_bar
from btam_desktop.core.pdf.conditions import condition_text, describe
from btam_desktop.core.pdf.fieldnames import (
    FORM_KEY_FIELD,
    PdfField,
    choice_options,
    is_tabular,
    nest_field_names,
    pdf_fields,
    question_numbers,
    repeat_rows,
)
from btam_desktop.core.pdf.fonts import REGULAR
from btam_desktop.core.pdf.markup import clean, esc
from btam_desktop.core.pdf.page import DocumentSpec, Masthead, RenderedPdf, build_pdf
from btam_desktop.core.pdf.styles import GRID, INK, LABEL_BG, PAGE, SUBHEAD_BG, styles

__all__ = ["render_blank_form"]

FIELD_BG = colors.HexColor("#EEF3FA")
LINE = 15.0  # single-line field height
MULTILINE = 58.0
MAX_TOOLTIP = 1500
_PLACEHOLDER = "-"  # combo "nothing chosen": never a valid choice name ([a-z0-9_]+)
_TEXT_HINTS = {
    "integer": "a whole number", "decimal": "a number", "date": "date as YYYY-MM-DD",
    "time": "time as HH:MM (24-hour)", "datetime": "date and time as YYYY-MM-DD HH:MM",
    "person": "type the person's full name",
}


def _latin(text: str) -> str:
    """Drop-down labels are drawn by reportlab with a standard PDF font, which only has
    Latin-1 characters: fold dashes and quotes, strip accents, replace the rest."""
    table = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                           "…": "..."})
    folded = unicodedata.normalize("NFKD", clean(text).translate(table))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded.encode("latin-1", "replace").decode("latin-1")


def _tooltip(item: Field) -> str:
    text = " ".join((item.guidance or item.hint or item.label).split())
    return clean(text)[:MAX_TOOLTIP]


# -- widgets ---------------------------------------------------------------------------


class _Widget(Flowable):  # type: ignore[misc]
    """One text box or drop-down, as wide as the space it is given."""

    def __init__(self, spec: PdfField, height: float = LINE) -> None:
        super().__init__()
        self.spec = spec
        self.height = height
        self.width = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        spec = self.spec
        form = self.canv.acroForm
        common: dict[str, Any] = {
            "name": spec.name, "tooltip": _tooltip(spec.field), "relative": True,
            "x": 0, "y": 0, "width": self.width, "height": self.height,
            "borderWidth": 0.6, "borderColor": GRID, "fillColor": FIELD_BG,
            "textColor": INK, "fontSize": 9, "fontName": "Helvetica",
        }
        if spec.kind in ("text", "multiline"):
            flags = "multiline" if spec.kind == "multiline" else ""
            form.textfield(value="", maxlen=None, fieldFlags=flags, **common)
        elif spec.kind == "person":
            form.choice(options=[("", _PLACEHOLDER)], value=_PLACEHOLDER,
                        fieldFlags="combo edit", **common)
        else:  # combo
            options = [("- choose -", _PLACEHOLDER)]
            options += [(_latin(label), name) for name, label in choice_options(spec.field)]
            form.choice(options=options, value=_PLACEHOLDER, fieldFlags="combo", **common)


class _Button(Flowable):  # type: ignore[misc]
    """One radio button or check box."""

    SIZE = 10.0

    def __init__(self, spec: PdfField, value: str | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.value = value
        self.width = self.height = self.SIZE

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.SIZE, self.SIZE

    def draw(self) -> None:
        form = self.canv.acroForm
        size = self.SIZE
        if self.value is not None:
            # The ring is page content, not the widget's own appearance: some viewers draw a
            # radio button's ring at half size, and a printed blank form must look right.
            self.canv.saveState()
            self.canv.setStrokeColor(INK)
            self.canv.setFillColor(FIELD_BG)
            self.canv.setLineWidth(0.6)
            self.canv.circle(size / 2, size / 2, size / 2 - 0.3, stroke=1, fill=1)
            self.canv.restoreState()
        common: dict[str, Any] = {
            "name": self.spec.name, "tooltip": _tooltip(self.spec.field), "relative": True,
            "x": 0, "y": 0, "size": size, "textColor": INK,
        }
        if self.value is None:
            form.checkbox(checked=False, buttonStyle="check", fieldFlags="", borderWidth=0.6,
                          borderColor=INK, fillColor=FIELD_BG, **common)
        else:
            form.radio(value=self.value, selected=False, buttonStyle="circle",
                       shape="circle", fieldFlags="radio", borderWidth=0, borderColor=None,
                       fillColor=None, **common)


class _HiddenKey(Flowable):  # type: ignore[misc]
    """Zero-size, hidden, read-only field holding "form_id@version"."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.acroForm.textfield(
            name=FORM_KEY_FIELD, value=self.key, relative=True, x=0, y=0, width=1, height=1,
            borderWidth=0, fillColor=None, borderColor=None, maxlen=None,
            fieldFlags="readOnly", annotationFlags="hidden", fontName="Helvetica",
            fontSize=6)


def _choice_grid(buttons: Sequence[tuple[Flowable, str]], columns: int) -> Table:
    """Buttons with their labels, in ``columns`` columns."""
    cells: list[list[object]] = []
    row: list[object] = []
    for button, label in buttons:
        row += [button, para(label, "cell")]
        if len(row) == 2 * columns:
            cells.append(row)
            row = []
    if row:
        row += [""] * (2 * columns - len(row))
        cells.append(row)
    available = PAGE.frame_width * 0.62
    widths = [14.0, available / columns - 14.0] * columns
    table = Table(cells, colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


# -- layout -------------------------------------------------------------------------------


class _Writer:
    def __init__(self, form: FormDefinition) -> None:
        self.form = form
        self.numbers = question_numbers(form)
        self.specs: dict[tuple[str, int | None], list[PdfField]] = {}
        for spec in pdf_fields(form):
            self.specs.setdefault((spec.field.id, spec.row), []).append(spec)

    def label(self, item: Field, *, numbered: bool = True) -> Paragraph:
        number = self.numbers.get(item.id, "")
        text = f"{esc(number)}&nbsp;&nbsp;" if numbered and number else ""
        text += esc(item.label)
        if item.required is True:
            text += " <font color='#8B1A1A'>*</font>"
        extra = [esc(item.hint)] if item.hint else []
        condition = condition_text(item, self.form, self.numbers)
        if condition:
            extra.append(esc(condition))
        if extra:  # hint and condition in the regular face, under the bold question
            text += f'<br/><font name="{REGULAR}">' + muted("<br/>".join(extra), 7.5) + "</font>"
        return para(text, "label")

    def answer(self, item: Field, row: int | None = None, *, in_table: bool = False
               ) -> Flowable:
        """The widget(s) answering one question (one repeat row's copy for members;
        ``in_table``: the column header already says what to type)."""
        specs = self.specs.get((item.id, row), [])
        if item.is_computed:
            return para(muted("Worked out by the team's software; leave blank."))
        if item.text_format in MEDIA_FORMATS:
            return para(muted("A file (photo, recording or document): send it with this "
                              "form; the team attaches it to the case."))
        if item.type == "repeat":  # a list inside a list item: not on paper
            return para(muted("A list of its own: the team records it in their software."))
        if item.type == "multi_choice":
            buttons = [(_Button(s), esc(c.label)) for s, c in zip(specs, item.choices,
                                                                    strict=True)]
            short = all(len(c.label) <= 34 for c in item.choices) and len(item.choices) > 4
            return _choice_grid(buttons, 2 if short else 1)
        if item.type == "signature":
            return self.signature(specs)
        spec = specs[0]
        if spec.kind == "radio":
            options = choice_options(item)
            buttons = [(_Button(spec, name), esc(label)) for name, label in options]
            columns = 3 if item.type == "yes_no_unknown" else (
                2 if all(len(label) <= 30 for _, label in options) and len(options) > 3
                else 1)
            return _choice_grid(buttons, columns)
        height = MULTILINE if spec.kind == "multiline" else LINE
        hint = None if in_table else _TEXT_HINTS.get(item.type)
        widget = _Widget(spec, height)
        if hint:
            return _stack([widget, para(muted(esc(hint), 7), "cell")])
        return widget

    def signature(self, specs: Sequence[PdfField]) -> Table:
        parts = {s.part: s for s in specs}
        width = PAGE.frame_width * 0.62
        cells = [[para(muted("Name", 7)), para(muted("Badge / ID", 7)),
                  para(muted("Date (YYYY-MM-DD)", 7))],
                 [_Widget(parts["name"]), _Widget(parts["badge"]), _Widget(parts["date"])],
                 [para(muted("Signature (sign on paper if printed)", 7)), "", ""],
                 [Spacer(1, 16), "", ""]]
        table = Table(cells, colWidths=[width * 0.46, width * 0.24, width * 0.30])
        table.setStyle(TableStyle([
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ("SPAN", (0, 2), (-1, 2)), ("SPAN", (0, 3), (-1, 3)),
            ("LINEBELOW", (0, 3), (-1, 3), 0.6, INK),
        ]))
        return table

    def section(self, index: int, fields: Sequence[Field]) -> list[Flowable]:
        flow: list[Flowable] = []
        rows: list[tuple[Flowable, Flowable, bool]] = []

        def flush() -> None:
            if rows:
                flow.append(_grid(list(rows)))
                rows.clear()

        for item in fields:
            if item.type == "note":
                flush()
                flow += [Spacer(1, 3), note_box(esc(item.label)), Spacer(1, 3)]
            elif item.type == "repeat":
                flush()
                flow += self.repeat(item)
            elif item.type == "long_text":
                rows.append((self.label(item), self.answer(item), True))
            else:
                rows.append((self.label(item), self.answer(item), False))
        flush()
        return flow

    def repeat(self, item: Field) -> list[Flowable]:
        count = repeat_rows(item)
        noun = item.item_label or "Item"
        head = self.label(item)
        members = [m for m in item.fields if m.type != "note"]
        intro = para(muted(f"Up to {count} {esc(noun.lower())} rows; leave unused rows empty."
                           + (f" At least {item.min_items} needed." if item.min_items else ""),
                           7.5), "cell")
        if is_tabular(item):
            header: list[object] = [para("#", "header_cell")]
            header += [para(esc(m.label) + ("" if not _TEXT_HINTS.get(m.type) else "<br/>"
                       + muted(esc(_TEXT_HINTS[m.type]), 6.5)), "header_cell")
                       for m in members]
            body: list[list[object]] = [header]
            for row in range(1, count + 1):
                body.append([para(str(row), "cell"),
                             *(self.answer(m, row, in_table=True) if not m.is_computed else ""
                               for m in members)])
            share = (PAGE.frame_width - 18) / len(members)
            table = Table(body, colWidths=[18, *([share] * len(members))], repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]))
            return [KeepTogether([_boxed([head, intro]), table]), Spacer(1, 6)]
        flow: list[Flowable] = [_boxed([head, intro])]
        for row in range(1, count + 1):
            rows: list[tuple[Flowable, Flowable, bool]] = [
                (para(f"{esc(noun)} {row}", "label"), Spacer(1, 1), False)]
            for member in members:
                rows.append((self.label(member, numbered=False), self.answer(member, row),
                             member.type == "long_text"))
            flow.append(_grid(rows, heading_first=True))
        flow.append(Spacer(1, 6))
        return flow


def _stack(parts: Sequence[Flowable]) -> Table:
    table = Table([[p] for p in parts], hAlign="LEFT")
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _boxed(parts: Sequence[Flowable]) -> Table:
    table = Table([[list(parts)]], colWidths=[PAGE.frame_width])
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), LABEL_BG), ("BOX", (0, 0), (-1, -1), 0.4, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), 5), ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    table.keepWithNext = True
    return table


def _grid(rows: Sequence[tuple[Flowable, Flowable, bool]], *, heading_first: bool = False
          ) -> Table:
    """Question grid: label left, widgets right; wide rows put the widget under the label."""
    width = PAGE.frame_width
    data: list[list[object]] = []
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
    for index, (label, answer, wide) in enumerate(rows):
        at = len(data)
        if heading_first and index == 0:
            data.append([label, ""])
            commands += [("SPAN", (0, at), (1, at)), ("BACKGROUND", (0, at), (1, at), SUBHEAD_BG)]
        elif wide:
            data += [[label, ""], [answer, ""]]
            commands += [("SPAN", (0, at), (1, at)), ("SPAN", (0, at + 1), (1, at + 1)),
                         ("BACKGROUND", (0, at), (1, at), LABEL_BG)]
        else:
            data.append([label, answer])
            commands.append(("BACKGROUND", (0, at), (0, at), LABEL_BG))
    table = FlowTable(data, colWidths=[width * 0.36, width * 0.64])
    table.setStyle(TableStyle(commands))
    return table


_INSTRUCTIONS = (
    "<b>How to fill in this form.</b> Open it in a PDF reader that fills forms (Adobe Acrobat "
    "Reader, Foxit, Microsoft Edge, Firefox or Preview) and type into the boxes; point at a "
    "box to see guidance. Write dates as YYYY-MM-DD. A question marked “Only if …” applies "
    "only in that case; otherwise leave it empty. Questions marked <font color='#8B1A1A'>*"
    "</font> are needed before the team can complete the form. Save the file and return it "
    "to the team by the secure route you agreed with them. Please do not print and scan it: "
    "the team's software reads the typed answers back."
)


def render_blank_form(form: FormDefinition, masthead: Masthead) -> RenderedPdf:
    """The blank fillable PDF of ``form``."""
    writer = _Writer(form)
    st = styles()
    key = f"{form.id}@{form.version}"
    story: list[Flowable] = [
        Paragraph(esc(form.title), st.title),
        Paragraph(f"Blank form · version {form.version} · form id {esc(form.id)}", st.subtitle),
        Spacer(1, 6), _HiddenKey(key), note_box(_INSTRUCTIONS), Spacer(1, 6),
    ]
    if form.description:
        story += [Paragraph(esc(form.description), st.muted), Spacer(1, 8)]
    for index, section in enumerate(form.sections, start=1):
        story += [section_bar(str(index), section.title), Spacer(1, 3)]
        if section.relevant is not None:
            text = describe(section.relevant.ast, form, writer.numbers)
            story.append(para(muted(esc(f"This section applies only if {text}." if text else
                                        "This section applies only in some cases."), 8)))
        story += writer.section(index, section.fields)
        story.append(Spacer(1, 10))
    story.append(Paragraph(muted("— End of form —"), st.small))
    spec = DocumentSpec(
        title=f"{form.title} (version {form.version}) — blank form",
        subject=f"Blank form {form.id} version {form.version}",
        metadata={"BTAM-Form": key, "BTAM-Form-SHA256": form.fingerprint(),
                  "BTAM-Document": "blank_form"},
    )
    rendered = build_pdf(story, masthead, spec)
    return RenderedPdf(nest_field_names(rendered.data), rendered.pages)
