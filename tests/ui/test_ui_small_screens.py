"""Every screen usable on a small laptop (issue 9, "Small screens").

The main window is laid out at 1024x768 and 1366x768 with the sidebar showing section names,
every section shown, four cases open (the Cases tab bar), every tab of a case, a form open,
and the main dialogs at their default size. Checked on each: no button text cut off (a button
narrower than its size hint), no button out of reach (outside the window or clipped by a
parent, unless a scroll area can bring it into view), the "All cases" tab in view, the
timeline's reading pane tall enough to read an entry.

``BTAM_SHOTS=/tmp/shots1024`` also saves what each check saw as PNGs, for looking at
(``BTAM_SHOTS_THEME=dark`` in the night theme).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QTableView, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core import demo, queries, vault
from btam_desktop.ui.app import MIN_POINT_SIZE
from btam_desktop.ui.case.case_dialogs import (
    AssignDialog,
    ConcernDialog,
    NewCaseDialog,
    ReviewDateDialog,
    StatusDialog,
    TierDialog,
)
from btam_desktop.ui.case.entry_dialog import ADDABLE_KINDS, EntryDialog
from btam_desktop.ui.case.forms_tab import FormsTab
from btam_desktop.ui.case.person_dialogs import AddPersonDialog
from btam_desktop.ui.case.task_dialog import TaskDialog
from btam_desktop.ui.case.timeline_tab import COLUMNS as TIMELINE_COLUMNS
from btam_desktop.ui.case.timeline_tab import SUMMARY_LEAST, TimelineTab
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.pages.case_view import TAB_CLASSES, CaseView
from btam_desktop.ui.pages.cases import CasesPage
from btam_desktop.ui.pages.dashboard import CASE_ROLE, DashboardPage, Section, TwoLineDelegate
from btam_desktop.ui.pages.dashboard import CaseList as DashboardList
from btam_desktop.ui.pages.partners import PartnerDialog
from btam_desktop.ui.pages.settings import AddMemberDialog, DemoDataDialog
from btam_desktop.ui.referrals.page import ReferralsPage
from btam_desktop.ui.theme import ThemeManager, ThemeMode
from tests.ui.conftest import AGENCY, LEAD, LEAD_PASS, OFFICER, OFFICER_PASS
from tests.ui.helpers import process_deletions, type_and_submit, unlock, unlock_window
from tests.ui.small_screens import (
    button_problems,
    column_problems,
    save_shot,
    settle,
    tab_problems,
)

SIZES = [(1024, 768), (1366, 768)]
TITLE_BAR = 32  # a window manager's title bar above a dialog (Windows: 31 px at 100 %)
READING_LINES = 8  # the timeline's reading pane shows at least this many lines of an entry
SHOTS = os.environ.get("BTAM_SHOTS", "")
SHOTS_THEME = os.environ.get("BTAM_SHOTS_THEME", "light")  # "dark": the night theme


@dataclass
class Small:
    controller: AppController
    main: MainWindow
    cases: CasesPage
    case_ids: list[str]
    tag: str


@pytest.fixture
def demo_vault(vault_path: Path) -> tuple[Path, list[str]]:
    """40 demo cases; the ids of four open ones with many entries and long titles first
    (the widest tabs and headers)."""
    session, _recovery = vault.create_vault(vault_path, member_name=LEAD,
                                            new_passphrase=LEAD_PASS, agency=AGENCY,
                                            badge="4471")
    session.add_member(OFFICER, "officer", OFFICER_PASS, badge="5120")
    demo.generate(session, 40, seed=3)
    rows = [r for r in queries.case_rows(session.db) if r.status != "closed"]
    rows.sort(key=lambda r: (-len(session.store.timeline(r.id)), -len(r.title)))
    session.lock()
    return vault_path, [r.id for r in rows[:4]]


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[ThemeManager]:
    """The app as it starts: the light theme's style sheet and at least its minimum font
    (padding and font decide what fits); put back afterwards."""
    palette, sheet, font = qapp.palette(), qapp.styleSheet(), qapp.font()
    bigger = QFont(font)
    if bigger.pointSizeF() < MIN_POINT_SIZE:
        bigger.setPointSizeF(MIN_POINT_SIZE)
        qapp.setFont(bigger)
    manager = ThemeManager(qapp, ThemeMode.DARK if SHOTS_THEME == "dark" else ThemeMode.LIGHT)
    manager.apply()
    yield manager
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)
    qapp.styleHints().unsetColorScheme()


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def small(request: pytest.FixtureRequest, qtbot: QtBot, themed: ThemeManager,
          demo_vault: tuple[Path, list[str]]) -> Iterator[Small]:
    width, height = request.param
    path, case_ids = demo_vault
    controller = AppController(path, idle_ms=60_000, theme=themed)
    controller.start()
    main = unlock(qtbot, controller, LEAD_PASS)
    main.resize(width, height)
    settle()
    assert (main.width(), main.height()) == (width, height), "the window cannot be this small"
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    yield Small(controller, main, page, case_ids, f"{width}x{height}")
    controller.shutdown()
    controller.deleteLater()
    process_deletions()


def shot(widget: QWidget, name: str, tag: str) -> None:
    if SHOTS and tag.startswith("1024"):
        save_shot(widget, SHOTS, name)


def test_every_section_fits(small: Small) -> None:
    problems: list[str] = []
    for key in small.main.page_keys():
        small.main.show_page(key)
        settle()
        problems += button_problems(small.main, f"{small.tag} {key}")
        shot(small.main, key, small.tag)
    assert problems == []


MIN_FIRST_LINE = 28  # characters of an entry's first line shown: a readable start of a title


def test_the_dashboard_text_fits(small: Small) -> None:
    """Found in the issue 9 walk at 1024x768: the dashboard's lists cut case titles to three
    letters ("2024-0010-8FR  Let...") and "Nothing new on your cases." short. Every panel
    title shows whole, every placeholder whole, every entry a readable start of its first
    line (the whole text is in its tooltip)."""
    small.main.show_page("dashboard")
    page = small.main.page("dashboard")
    assert isinstance(page, DashboardPage)
    # As on a later sign-in with nothing new (this vault's first sign-in says otherwise).
    page.since_list.empty_text = "Nothing new on your cases."
    page.since_list.set_entries([])
    settle()
    shot(small.main, "dashboard-since", small.tag)
    problems: list[str] = []
    for section in page.findChildren(Section):
        heading = section.heading
        if heading.isVisible() and heading.height() < heading.heightForWidth(heading.width()):
            problems.append(f"{small.tag}: panel title {heading.text()!r} cut")
    for entries in page.findChildren(DashboardList):
        if not entries.isVisible():
            continue
        delegate = entries.itemDelegate()
        assert isinstance(delegate, TwoLineDelegate)
        for row in range(entries.count()):
            item = entries.item(row)
            full = item.text().split("\n")
            shown = delegate.shown_lines(entries, entries.indexFromItem(item))
            if not item.data(CASE_ROLE):  # a placeholder: every word of it
                if " ".join(shown).split() != " ".join(full).split():
                    problems.append(f"{small.tag}: {full[0]!r} shown as {shown}")
                continue
            # A case's title ("Fixation on former partner...") or a task's deadline and
            # title ("4 days overdue \u00b7 Collect..."): a readable start of it.
            if len(shown[0].removesuffix("\u2026")) < min(MIN_FIRST_LINE, len(full[0])):
                problems.append(f"{small.tag} {entries.accessibleName()}: {full[0]!r} "
                                f"shown as {shown[0]!r}")
    assert problems == [], "\n".join(problems)


def test_an_open_case_fits_in_every_tab(small: Small) -> None:
    page = small.cases
    small.main.show_page("cases")
    views = [page.open_case(case_id) for case_id in small.case_ids]
    assert all(isinstance(v, CaseView) for v in views)
    view = views[0]
    assert view is not None
    page.tabs.setCurrentWidget(view)
    problems: list[str] = []
    for tab_class in TAB_CLASSES:
        view.show_tab(tab_class)
        settle()
        problems += button_problems(small.main, f"{small.tag} case {tab_class.__name__}")
        problems += tab_problems(view.tabs.tabBar(), f"{small.tag} case sections")
        shot(small.main, f"case-{tab_class.__name__.removesuffix('Tab').lower()}", small.tag)
    # "All cases" stays in view (and reachable by a click) with four cases open.
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        settle()
        bar = page.tabs.tabBar()
        if not bar.rect().contains(bar.tabRect(0)):
            problems.append(f"{small.tag}: 'All cases' out of view with tab {index} shown")
    assert problems == []


def test_the_timeline_reading_pane_is_tall_enough(small: Small) -> None:
    small.main.show_page("cases")
    view = small.cases.open_case(small.case_ids[0])
    assert view is not None
    tab = view.show_tab(TimelineTab)
    assert isinstance(tab, TimelineTab)
    settle()
    lines = tab.details.viewport().height() // tab.details.fontMetrics().lineSpacing()
    assert lines >= READING_LINES, f"{small.tag}: reading pane {lines} lines"
    assert tab.table.viewport().height() >= 4 * tab.table.verticalHeader().defaultSectionSize()


def test_a_form_fits(small: Small, qtbot: QtBot) -> None:
    small.main.show_page("cases")
    view = small.cases.open_case(small.case_ids[0])
    assert view is not None
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    dialog = tab.start_form("intake_referral")
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    settle()
    assert dialog.frameGeometry().width() <= small.main.width() + 1
    assert dialog.height() <= small.main.height()
    shot(dialog, "form", small.tag)
    # A form's answer drop-downs hold long choices (a case person's name and role): each
    # must show its chosen text whole, as every other drop-down does ("Reporting party").
    problems = button_problems(dialog, f"{small.tag} form")
    dialog.reject()
    assert problems == []


def dialogs(small: Small) -> list[tuple[str, QDialog]]:
    """The main dialogs, made as the app makes them (not yet shown)."""
    session = small.controller.session
    assert session is not None
    main = small.main
    case = session.store.get_case(small.case_ids[0])
    made: list[tuple[str, QDialog]] = [
        ("new-case", NewCaseDialog(session, main)),
        ("concern", ConcernDialog(session, case, main)),
        ("status", StatusDialog(session, case, main)),
        ("tier", TierDialog(session, case, main)),
        ("review-date", ReviewDateDialog(session, case, main)),
        ("assign", AssignDialog(session, case, main)),
        ("add-person", AddPersonDialog(session, case.id, main)),
        ("task", TaskDialog(session, case.id, main)),
        ("partner", PartnerDialog(session, None, main)),
        ("add-member", AddMemberDialog(session, main)),
        ("demo-data", DemoDataDialog(40, main)),
        ("shortcuts", main.show_shortcuts()),
    ]
    made += [(f"entry-{kind}", EntryDialog(session, case.id, kind, main))
             for kind in ADDABLE_KINDS]
    return made


def test_the_main_dialogs_fit(small: Small) -> None:
    problems: list[str] = []
    for name, dialog in dialogs(small):
        dialog.show()
        settle()
        problems += button_problems(dialog, f"{small.tag} {name}")
        if dialog.height() > small.main.height():
            problems.append(f"{small.tag} {name}: {dialog.height()} px tall")
        shot(dialog, f"dialog-{name}", small.tag)
        dialog.hide()
        dialog.deleteLater()
    assert problems == []


LONG_TITLE = "Grievance against HR escalating to veiled threats in e-mails"


def test_the_case_header_fits_when_the_title_wraps(small: Small) -> None:
    """Found in the 1024 screenshots: with a title that takes two lines, an overdue review
    and two members assigned, the header was wider than the case view and "Export case
    report…" read "port case report", the review "⚠ ove". Every header button shows its
    whole text inside the window, and no value is cut (title elided or wrapped, whole)."""
    session = small.controller.session
    assert session is not None
    store = session.store
    case = store.create_case(LONG_TITLE, concern="imminent", status="active",
                             tier="intensive", next_review="2026-01-05")
    store.assign(case.id, LEAD)
    store.assign(case.id, OFFICER)
    small.main.show_page("cases")
    view = small.cases.open_case(case.id)
    assert isinstance(view, CaseView)
    settle()
    header = view.header
    problems = button_problems(small.main, f"{small.tag} case header")
    for button in header.findChildren(QAbstractButton):
        if not button.isVisible():
            continue
        right = button.mapTo(small.main, QPoint(button.width(), 0)).x()
        if right > small.main.width() or button.width() + 2 < button.sizeHint().width():
            problems.append(f"{small.tag}: {button.text()!r} {button.width()} of "
                            f"{button.sizeHint().width()} px, right edge {right}")
    # The header is not wider than the case view that holds it (a wider one is clipped).
    if header.width() > view.width():
        problems.append(f"{small.tag}: header {header.width()} px in a {view.width()} px view")
    # Each value is shown whole: the text it shows (on one line or two) fits its size.
    for label in (header.review, header.status, header.tier, header.opened, header.assigned):
        text = label.text()
        needed = label.fontMetrics().size(0, text) if not label.wordWrap() else \
            QSize(label.minimumSizeHint().width(), label.heightForWidth(label.width()))
        right = label.mapTo(small.main, QPoint(label.width(), 0)).x()
        if (label.width() + 2 < needed.width() or label.height() + 2 < needed.height()
                or right > small.main.width()):
            problems.append(f"{small.tag}: {label.accessibleName()} {text!r} cut "
                            f"({label.width()}x{label.height()} of {needed.width()}x"
                            f"{needed.height()} px, right edge {right})")
    assert " ".join(header.review.text().split()) == "2026-01-05 \u26a0 overdue"
    assert " ".join(header.status.text().split()) == "Active management"
    # The title shows whole on its lines, or ends in "…" with the whole title in its tooltip.
    title = header.title
    shown_title = title.text()
    if shown_title != LONG_TITLE:
        assert shown_title.endswith("\u2026") and title.toolTip() == LONG_TITLE
    title_right = title.mapTo(small.main, QPoint(title.width(), 0)).x()
    if title_right > small.main.width():
        problems.append(f"{small.tag}: title right edge {title_right}")
    shot(small.main, "case-header-long-title", small.tag)
    assert problems == [], "\n".join(problems)


def test_the_tables_columns_suit_the_window(small: Small) -> None:
    """Found in the keyboard walk at 1366x768 and 1024x768: the Plan & tasks, Forms,
    Attachments and Timeline tabs and the Referrals page gave their columns fixed widths
    (Task 380 px, cut, while State took 300 px for "Open"; "Saved / completed" 150 px at any
    width). Every table of every case tab and of the Referrals page: no heading cut, no
    sideways scrolling, no column kept much wider than its texts while another is cut."""
    small.main.show_page("cases")
    view = small.cases.open_case(small.case_ids[0])
    assert isinstance(view, CaseView)
    problems: list[str] = []
    for tab_class in TAB_CLASSES:
        tab = view.show_tab(tab_class)
        settle()
        for table in tab.findChildren(QTableView):
            if table.isVisible():
                problems += column_problems(table, f"{small.tag} {tab_class.__name__} "
                                                   f"{table.accessibleName()}")
    small.main.show_page("referrals")
    page = small.main.page("referrals")
    assert isinstance(page, ReferralsPage)
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        settle()
        for table in page.findChildren(QTableView):
            if table.isVisible():
                problems += column_problems(table, f"{small.tag} referrals "
                                                   f"{table.accessibleName()}")
    assert problems == [], "\n".join(problems)


def test_a_dialog_held_across_a_lock_fits_the_screen(small: Small, qtbot: QtBot) -> None:
    """Found in the keyboard walk at 1366x768 (and 1024x768): Add entry › Concerning
    behaviour…, something typed, Ctrl+L, unlock: the dialog came back with "What you typed
    was kept…" above its buttons, taller than the screen, Add and Cancel below its bottom
    edge. A dialog is never taller or wider than its screen; what does not fit scrolls, and
    its buttons stay in view."""
    small.main.show_page("cases")
    view = small.cases.open_case(small.case_ids[0])
    assert isinstance(view, CaseView)
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    timeline.add_entry("concerning_behaviour")
    dialog = next(d for d in small.main.findChildren(EntryDialog) if d.isVisible())
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClicks(dialog.summary, "Posted a photo of a rifle near the school")
    with qtbot.waitSignal(small.controller.locked, timeout=5000):
        qtbot.keyClick(dialog.summary, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(small.controller.session_started, timeout=5000):
        type_and_submit(qtbot, unlock_window(small.controller), LEAD_PASS)
    main = small.controller.main_window
    assert main is not None
    again = next(d for d in main.findChildren(EntryDialog) if d.isVisible())
    settle()
    assert "kept while the vault was locked" in again.message.text()
    screen = again.screen().availableGeometry()
    frame = again.frameGeometry()
    assert screen.contains(frame), f"{small.tag}: dialog {frame.getRect()} on {screen.getRect()}"
    assert button_problems(again, f"{small.tag} held dialog") == []
    # On the laptop's 768-pixel screen too (this one is 800), with a title bar above it: the
    # dialog can be that short, and its buttons are still in view.
    short = 768 - TITLE_BAR
    assert again.minimumSizeHint().height() <= short, f"{small.tag}: at least " \
        f"{again.minimumSizeHint().height()} px tall"
    again.resize(again.width(), short)
    assert again.height() == short
    assert button_problems(again, f"{small.tag} held dialog, {short} px") == []
    # The message saying so stays in view (it does not scroll away with the fields).
    message = again.message
    top_left = message.mapTo(again, QPoint(0, 0))
    assert again.rect().contains(QRect(top_left, message.size()))
    assert message.visibleRegion().boundingRect().height() >= message.height() - 2
    assert again.summary.text() == "Posted a photo of a rifle near the school"


def test_the_audit_table_does_not_scroll_sideways(small: Small) -> None:
    """Found in the keyboard walk under Xvfb at 1024x768: the Audit page sized its columns
    to their contents, wider than the table: Details was off the right edge, reached only by
    the sideways scroll bar. The columns fit the table; long texts end in "…" (tooltip
    whole)."""
    small.main.show_page("audit")
    page = small.main.page("audit")
    settle()
    table = page.findChild(QTableView)
    assert table is not None and table.model().rowCount() > 0
    assert column_problems(table, f"{small.tag} audit") == []
    assert table.horizontalScrollBar().maximum() == 0


@pytest.mark.parametrize("section", ["people", "partners"])
def test_the_directory_tables_do_not_scroll_sideways(small: Small, section: str) -> None:
    """Found in the keyboard walk under Xvfb at 1024x768: People and Partners & resources
    gave their columns fixed widths (People's table scrolled sideways with "Possible
    duplicate" cut; Partners' 1,240 pixels of columns showed Wait half, in a 710-pixel
    table). The columns fit the table."""
    small.main.show_page(section)
    page = small.main.page(section)
    settle()
    table = page.findChild(QTableView)
    assert table is not None and table.isVisible()
    assert column_problems(table, f"{small.tag} {section}") == []


def test_the_timeline_summary_is_readable(small: Small) -> None:
    """Seen in the refreshed 1024x768 screenshot: the Type column took the width of its
    longest kind ("Concern level change", in bold) before the summary got any, which was
    left about 130 pixels ("Phone check-in…"). The summary shows at least a readable start
    (SUMMARY_LEAST) whenever its texts are that long."""
    small.main.show_page("cases")
    view = small.cases.open_case(small.case_ids[0])
    assert isinstance(view, CaseView)
    tab = view.show_tab(TimelineTab)
    assert isinstance(tab, TimelineTab)
    settle()
    table = tab.table
    summary = [c.title for c in TIMELINE_COLUMNS].index("Summary")
    least = table.fontMetrics().horizontalAdvance(SUMMARY_LEAST) + 16
    assert table.columnWidth(summary) >= least, (small.tag, table.columnWidth(summary), least)
    assert column_problems(table, f"{small.tag} timeline") == []
