"""Helpers shared by the forms engine tests: building small form documents."""

from __future__ import annotations

import copy
from typing import Any


def field(fid: str, ftype: str = "text", **props: Any) -> dict[str, Any]:
    """A field spec with a default label."""
    spec: dict[str, Any] = {"id": fid, "type": ftype, "label": f"Label of {fid}"}
    spec.update(props)
    return spec


def form(
    *fields: dict[str, Any], sections: list[dict[str, Any]] | None = None, **props: Any
) -> dict[str, Any]:
    """A form document; ``fields`` go into one section ``main`` unless ``sections`` given."""
    doc: dict[str, Any] = {
        "format": "btam-form/1",
        "id": "test_form",
        "version": 1,
        "title": "Test form",
    }
    doc.update(props)
    doc["sections"] = (
        sections
        if sections is not None
        else [{"id": "main", "title": "Main", "fields": list(fields)}]
    )
    return copy.deepcopy(doc)


def sample_value(item: Any) -> Any:
    """A valid answer for a :class:`~btam_desktop.core.forms.Field` (repeats excluded)."""
    samples: dict[str, Any] = {
        "text": "some text",
        "long_text": "a longer\nanswer",
        "integer": 3,
        "decimal": 2.5,
        "date": "2024-01-15",
        "time": "09:30",
        "datetime": "2024-01-15T09:30",
        "yes_no_unknown": "yes",
        "person": "person-1",
        "signature": {"name": "A. Officer", "badge": "1234", "date": "2024-01-15"},
    }
    if item.type == "choice":
        return item.choices[0].name
    if item.type == "multi_choice":
        return [c.name for c in item.choices[:2]]
    if item.type == "rating":
        return item.scale.min
    return samples.get(item.type)


def sample_answers(definition: Any, items: int = 2) -> dict[str, Any]:
    """Answers giving every input field of ``definition`` a valid value."""
    answers: dict[str, Any] = {}
    for item in definition.iter_fields(members=False):
        if item.calculation is not None or item.type == "note":
            continue
        if item.type == "repeat":
            answers[item.id] = [
                {
                    m.id: sample_value(m)
                    for m in item.fields
                    if m.calculation is None and m.type != "note"
                }
                for _ in range(items)
            ]
        else:
            answers[item.id] = sample_value(item)
    return answers
