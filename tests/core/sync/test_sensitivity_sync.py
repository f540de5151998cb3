"""Sensitivity tags of timeline entries and plan items travel between laptops like every
other field (issue 9), so a partner copy made on either laptop leaves out the same."""

from __future__ import annotations

from collections.abc import Callable

from btam_desktop.core.session import Session

from .conftest import relay

Laptops = Callable[[str], Session]


def test_tags_arrive_on_the_other_laptop(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Tagged on one laptop", concern="low")
    entry = a.store.add_entry(case.id, "contact", "Crisis team evaluation",
                              sensitivity=["mental_health"])
    task = a.store.add_task(case.id, "Check probation terms",
                            sensitivity=["criminal_history"])
    relay(a, b)
    assert b.store.get_entry(entry.id).sensitivity == ("mental_health",)
    assert b.store.get_task(task.id).sensitivity == ("criminal_history",)
