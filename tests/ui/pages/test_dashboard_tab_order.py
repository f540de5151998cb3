"""The dashboard's Tab order follows the screen. Found in the keyboard walk under Xvfb at
1024x768: in "Needs attention now" Tab went to the list of cases first and to the links
above it (Imminent, High, Overdue) after; in "My caseload" the list came before its
"Assigned to me" link. The links above a list now come before it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from btam_desktop.core.session import Session
from btam_desktop.ui.pages.dashboard import DashboardPage
from tests.ui.pages.conftest import Host


def chain(start: QWidget, count: int) -> list[QWidget]:
    """``start`` and the next ``count`` widgets Tab reaches from it."""
    order = [start]
    for _ in range(count):
        widget = order[-1].nextInFocusChain()
        while widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isEnabled():
            widget = widget.nextInFocusChain()
        order.append(widget)
    return order


def test_the_links_above_a_list_come_before_it(host: Callable[..., Host],
                                               lead: Session) -> None:
    lead.store.create_case("Threatening posts about the high school", concern="high")
    window = host(lead)
    page = DashboardPage(lead, window.events)
    window.put(page)
    page.refresh()
    links = [page.attention_links[key] for key in page.attention_links]
    assert chain(links[0], 5) == [*links, page.attention_list, page.my_cases_link,
                                  page.my_cases_list]
