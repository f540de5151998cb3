"""Short, plain-text summaries of form answers (the plan summary on the Plan & tasks tab)."""

from __future__ import annotations

from typing import Any

from btam_desktop.core.forms import Field, FormDefinition, relevant_answers

MAX_TEXT = 200


def answer_text(field: Field, value: Any, persons: dict[str, str] | None = None) -> str:
    """One answer as words: choice labels, "Yes"/"No", "3 items", names for person ids."""
    if value in (None, "", [], {}):
        return ""
    if field.is_repeat:
        count = len(value) if isinstance(value, list) else 0
        return f"{count} item{'s' if count != 1 else ''}"
    labels = {c.name: c.label for c in field.choices}
    if field.type == "yes_no_unknown":
        labels = {"yes": "Yes", "no": "No", "unknown": "Unknown"}
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if field.type == "person" and persons:
        return persons.get(str(value), "(person no longer on the case)")
    text = labels.get(str(value), str(value)) if labels else str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "\u2026"


def summarise(form: FormDefinition, answers: dict[str, Any], *, limit: int = 10,
              persons: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(question, answer) for the first ``limit`` answered top-level questions, in form
    order; computed values (no longer stored) are calculated by the engine."""
    if any(f.is_computed for f in form.iter_fields(members=False)):
        answers = {**answers, **{
            k: v for k, v in relevant_answers(form, answers).items()
            if form.fields_by_id.get(k) is not None and form.field(k).is_computed}}
    lines: list[tuple[str, str]] = []
    for section in form.sections:
        for field in section.fields:
            if field.type == "note" or field.hidden:
                continue
            text = answer_text(field, answers.get(field.id), persons)
            if text:
                lines.append((field.label, text))
                if len(lines) >= limit:
                    return lines
    return lines
