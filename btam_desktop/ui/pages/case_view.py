"""One open case: the header and the tabs People, Timeline, Forms, Plan & tasks, Referrals,
Attachments, History & audit.

Opening a case records a view in the audit trail (``CaseStore.view_case``). The view reads
through the core only and is refreshed by the Cases page when a committed change concerns its
case; tabs not on screen are marked stale and re-read when shown. Esc or Alt+Left goes back to
the case list, Ctrl+W closes the case.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.model import Case
from btam_desktop.core.session import Session
from btam_desktop.ui import keys, messages
from btam_desktop.ui.case.attachments_tab import AttachmentsTab
from btam_desktop.ui.case.forms_tab import FormsTab
from btam_desktop.ui.case.header import CaseHeader
from btam_desktop.ui.case.history_tab import HistoryTab
from btam_desktop.ui.case.people_tab import PeopleTab
from btam_desktop.ui.case.plan_tab import PlanTab
from btam_desktop.ui.case.referrals_tab import ReferralsTab
from btam_desktop.ui.case.tab_base import CaseTab
from btam_desktop.ui.case.timeline_tab import TimelineTab
from btam_desktop.ui.pdf.exports import export_case_report_dialog
from btam_desktop.ui.pdf.release import ReleaseDialog
from btam_desktop.ui.widgets import MessageLabel

TAB_CLASSES: tuple[type[CaseTab], ...] = (
    PeopleTab, TimelineTab, FormsTab, PlanTab, ReferralsTab, AttachmentsTab, HistoryTab,
)
FIRST_TAB = TimelineTab  # the case's story is what an officer reads first
# Tables whose change can alter what a tab shows even when no row of this case changed.
SHARED_TABLES = frozenset({"partners", "members", "persons", "form_definitions"})


def tab_text(case: Case) -> str:
    """The text of a case's tab in the Cases page: number and the start of the title."""
    title = case.title if len(case.title) <= 28 else case.title[:27] + "\u2026"
    return f"{case.number} \u00b7 {title}".replace("&", "&&")


def _click(name: str) -> Callable[[CaseTab], None]:
    """Press the tab's button ``name`` (only when it is enabled: officers cannot write)."""
    def act(tab: CaseTab) -> None:
        button = getattr(tab, name)
        if button.isEnabled():
            button.click()
    return act


def _menu(name: str) -> Callable[[CaseTab], None]:
    """Open the menu of the tab's button ``name`` (when enabled)."""
    def act(tab: CaseTab) -> None:
        button = getattr(tab, name)
        if button.isEnabled():
            button.showMenu()
    return act


def _call(name: str) -> Callable[[CaseTab], None]:
    """Call the tab's method ``name``."""
    def act(tab: CaseTab) -> None:
        getattr(tab, name)()
    return act


class CaseView(QWidget):
    """Header and tabs of one case (see the module docstring)."""

    case_changed = Signal(object)  # Case, after the header was re-read

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        case = session.store.view_case(case_id)  # audited: who looked at which case
        self.case_id = case.id
        self.setAccessibleName(f"Case {case.number}")
        self.header = CaseHeader(session)
        self.message = MessageLabel()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case sections")
        self.tabs.setDocumentMode(True)
        self.case_tabs: dict[type[CaseTab], CaseTab] = {}
        for tab_class in TAB_CLASSES:
            tab = tab_class(session, case.id)
            self.case_tabs[tab_class] = tab
            self.tabs.addTab(tab, tab_class.title)
        self.tabs.setCurrentWidget(self.case_tabs[FIRST_TAB])
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.header.export_requested.connect(self.export_case_report)
        self.export_dialog: ReleaseDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self._add_shortcuts()
        self.header.show_case(case)
        self._current_tab().refresh()

    def _add_shortcuts(self) -> None:
        # Esc/Alt+Left and Ctrl+W are the Cases page's (wherever the focus is); Ctrl+P is the
        # case's own: one action (two nested ones would be an ambiguous shortcut) exporting
        # what the officer is looking at.
        self.export_action = keys.bind(self, keys.EXPORT_PDF, self.export_pdf,
                                       text="Export PDF")
        # A tab's own keys work from anywhere in the case (Qt ignores the shortcuts of a
        # hidden tab): bring the tab to the front, then act there.
        self.tab_actions: dict[str, QAction] = {}
        table: tuple[tuple[keys.Keys, type[CaseTab], Callable[[CaseTab], None]], ...] = (
            (keys.ADD_PERSON, PeopleTab, _click("add_button")),
            (keys.ADD_ENTRY, TimelineTab, _menu("add_button")),
            (keys.START_FORM, FormsTab, _menu("start_button")),
            (keys.IMPORT_PDF, FormsTab, _call("import_pdf")),
        )
        for entry, tab_class, act in table:
            self.tab_actions[entry.name] = keys.bind(self, entry, self._in_tab(tab_class, act))

    def _in_tab(self, tab_class: type[CaseTab], act: Callable[[CaseTab], None]
                ) -> Callable[[], None]:
        return lambda: act(self.show_tab(tab_class))

    # -- reading ----------------------------------------------------------------------------------
    @property
    def case(self) -> Case | None:
        """The case as last read."""
        return self.header.case

    def tab(self, tab_class: type[CaseTab]) -> CaseTab:
        """The tab of ``tab_class``."""
        return self.case_tabs[tab_class]

    def show_tab(self, tab_class: type[CaseTab]) -> CaseTab:
        """Bring a tab to the front (refreshing it if stale)."""
        tab = self.case_tabs[tab_class]
        self.tabs.setCurrentWidget(tab)
        return tab

    def _current_tab(self) -> CaseTab:
        widget = self.tabs.currentWidget()
        assert isinstance(widget, CaseTab)
        return widget

    def _on_tab_changed(self, _index: int) -> None:
        tab = self._current_tab()
        if tab.stale:
            tab.refresh()

    def reload(self, tables: frozenset[str] = frozenset()) -> None:
        """Re-read the header and the tab on screen; the others when next shown."""
        try:
            case = self._session.store.get_case(self.case_id)
        except BtamError as error:
            self.message.show_error(messages.describe(error))
            return
        # An earlier reading error is over; the outcome of an export (whose record is the
        # change that brought us here) stays until the officer has read it.
        if self.message.kind == "error":
            self.message.clear_message()
        self.header.show_case(case)
        self.case_changed.emit(case)
        for tab in self.case_tabs.values():
            tab.stale = True
        self._current_tab().refresh()

    # -- PDF --------------------------------------------------------------------------------------
    def export_pdf(self) -> ReleaseDialog | None:
        """Ctrl+P: the selected form on the Forms tab, otherwise the case report."""
        tab = self._current_tab()
        if isinstance(tab, FormsTab) and tab.selected(tab.table) is not None:
            return tab.export_selected()
        return self.export_case_report()

    def export_case_report(self) -> ReleaseDialog | None:
        """Export the case report through the Release dialog."""
        case = self.case
        if case is None:
            return None
        self.export_dialog = export_case_report_dialog(self, self._session, case,
                                                       self.message.show_message)
        return self.export_dialog

    def teardown(self) -> None:
        """Save open drafts and empty every model (the vault is about to lock)."""
        for tab in self.case_tabs.values():
            tab.teardown()
