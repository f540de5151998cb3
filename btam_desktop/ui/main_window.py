"""The main window: navigation on the left, one page per section, who is signed in, Lock.

Everything that shows case data is a child of this window, so deleting the window on lock
deletes all of it. The window does not lock by itself: it asks (``lock_requested``) and the
:class:`~btam_desktop.ui.controller.AppController` does it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.queries import CaseFilter
from btam_desktop.core.session import Session
from btam_desktop.ui import keys
from btam_desktop.ui.about import AboutDialog
from btam_desktop.ui.dialog import AppDialog
from btam_desktop.ui.icons import app_icon, icon
from btam_desktop.ui.labels import signed_in
from btam_desktop.ui.pages import DashboardPage, Page, PlaceholderPage
from btam_desktop.ui.pages.audit import AuditPage
from btam_desktop.ui.pages.cases import CasesPage
from btam_desktop.ui.pages.partners import PartnersPage
from btam_desktop.ui.pages.people import PeoplePage
from btam_desktop.ui.pages.reports import ReportsPage
from btam_desktop.ui.pages.settings import SettingsPage
from btam_desktop.ui.pages.sync import SyncPage
from btam_desktop.ui.referrals.page import ReferralsPage
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.theme import ThemeManager


@dataclass(frozen=True)
class Section:
    """A navigation entry: key, label, icon name (resources/icons) and a short description."""

    key: str
    title: str
    icon: str
    description: str


SECTIONS: tuple[Section, ...] = (
    Section("dashboard", "Dashboard", "dashboard", "Your agency and the cases needing work."),
    Section("cases", "Cases", "cases",
            "Case files: concerning behaviour, assessments, management plans, timelines."),
    Section("people", "People", "people",
            "Persons of concern, reporting parties, potential targets and contacts."),
    Section("partners", "Partners & resources", "partners",
            "Schools, mental health and other partners, and local resources."),
    Section("sync", "Sync", "sync",
            "Exchange encrypted bundles with the team by USB stick, mail or a shared folder."),
    Section("referrals", "Referrals", "referrals",
            "Contact cards of other teams, and referrals sent to and received from them."),
    Section("reports", "Reports", "reports",
            "Resource map, gap analysis and post-evaluation of closed cases."),
    Section("audit", "Audit", "audit", "Who viewed, changed or exported what, and when."),
    Section("settings", "Settings", "settings",
            "Team members, passphrases, idle lock, theme, backups and integrity checks."),
)


def icon_colours(theme: ThemeManager | None) -> tuple[str, str]:
    """The navigation icons' colours: (normal, selected) in ``theme``."""
    if theme is None:
        return "#1b1d21", "#ffffff"
    return theme.color("window-text").name(), theme.color("highlighted-text").name()


def preload_icons(theme: ThemeManager | None) -> None:
    """Render the window's icons in ``theme``'s colours ahead of time (``icon`` keeps them):
    some 150 SVG renderings that would otherwise come between the unlock and the first
    paint. The controller calls this while the member types the passphrase."""
    for colour in icon_colours(theme):
        for section in SECTIONS:
            icon(section.icon, colour)
    icon("lock", icon_colours(theme)[0])


NAV_WIDTH = 240
NAV_NARROW = 56  # icons only (Ctrl+B): more room for the page on a 1024-pixel screen


class MainWindow(QMainWindow):
    """The application window of an unlocked vault."""

    lock_requested = Signal()
    close_requested = Signal()

    def __init__(
        self,
        session: Session,
        *,
        theme: ThemeManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._theme = theme
        self.setWindowTitle("BTAM Desktop")
        self.setWindowIcon(app_icon())
        self.resize(1100, 720)
        self.setMinimumSize(820, 560)
        self.events = SessionEvents(session, self)

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Sections")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.stack.setAccessibleName("Section content")
        self._pages: dict[str, Page] = {}
        self._sections: dict[str, Section] = {}

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_status_bar()
        for section in SECTIONS:
            self.add_page(section, self._make_page(section))
        self.nav.currentRowChanged.connect(self._on_row_changed)
        self.nav.setCurrentRow(0)
        self._tint_icons()
        if theme is not None:
            theme.changed.connect(self._tint_icons)
        QWidget.setTabOrder(self.nav, self.stack)

    # -- construction -------------------------------------------------------------------------
    def _make_page(self, section: Section) -> Page:
        if section.key == "dashboard":
            return DashboardPage(self._session, self.events)
        if section.key == "cases":
            return CasesPage(self._session, self.events)
        if section.key == "people":
            return PeoplePage(self._session, self.events)
        if section.key == "partners":
            return PartnersPage(self._session, self.events)
        if section.key == "sync":
            return SyncPage(self._session, self.events)
        if section.key == "referrals":
            return ReferralsPage(self._session, self.events)
        if section.key == "reports":
            return ReportsPage(self._session, self.events)
        if section.key == "audit":
            return AuditPage(self._session, self.events)
        if section.key == "settings":
            return SettingsPage(self._session, self.events, theme=self._theme)
        return PlaceholderPage(section.title, section.description)

    def _build_actions(self) -> None:
        self.lock_action = keys.action(self, keys.LOCK, "&Lock")
        self.lock_action.setStatusTip(keys.LOCK.hint("Lock the vault now"))
        self.lock_action.triggered.connect(self.lock_requested)
        self.quit_action = keys.action(self, keys.QUIT, "&Quit")
        self.quit_action.triggered.connect(self.close)
        # Application-wide: they work wherever the focus is in this window.
        self.new_case_action = keys.action(self, keys.NEW_CASE, "&New case\u2026")
        self.new_case_action.triggered.connect(self.new_case)
        self.search_action = keys.action(self, keys.SEARCH, "&Search cases")
        self.search_action.triggered.connect(self.search_cases)
        self.sidebar_action = keys.action(self, keys.SIDEBAR, "Section &names in the sidebar")
        self.sidebar_action.setCheckable(True)
        self.sidebar_action.setChecked(True)
        self.sidebar_action.toggled.connect(self.set_sidebar_wide)
        self.shortcuts_action = keys.action(self, keys.HELP_KEYS, "&Keyboard shortcuts")
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        vault_menu = self.menuBar().addMenu("&Vault")
        vault_menu.addAction(self.new_case_action)
        vault_menu.addAction(self.search_action)
        vault_menu.addSeparator()
        vault_menu.addAction(self.lock_action)
        vault_menu.addSeparator()
        vault_menu.addAction(self.quit_action)
        self.go_menu = self.menuBar().addMenu("&Go")
        self.go_menu.addAction(self.sidebar_action)
        self.go_menu.addSeparator()
        self.help_menu = self.menuBar().addMenu("&Help")
        self.help_menu.addAction(self.shortcuts_action)
        self.about_action = QAction("&About BTAM Desktop", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(self.about_action)
        self.shortcuts_dialog: ShortcutsDialog | None = None
        # Actions live on the window too, so their shortcuts work while the menu is closed.
        for action in (self.lock_action, self.quit_action, self.new_case_action,
                       self.search_action, self.sidebar_action, self.shortcuts_action):
            self.addAction(action)

    def _build_status_bar(self) -> None:
        self.who = QLabel()
        self._show_who()
        # A bundle may bring a roster that makes this laptop a lead laptop (or a member one).
        self.events.changed.connect(self._show_who)
        self.lock_button = QPushButton(" Lock")  # the space keeps the text off the icon
        self.lock_button.setAccessibleName("Lock the vault")
        self.lock_button.setToolTip(keys.LOCK.hint("Lock the vault now"))
        self.lock_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.lock_button.clicked.connect(self.lock_action.trigger)
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        # Permanent widgets: a passing notice (showMessage) must not hide who is signed in.
        bar.addPermanentWidget(self.who)
        bar.addPermanentWidget(self.lock_button)

    def _show_who(self, _summary: object = None) -> None:
        """Who is signed in, with the role the team gives this laptop (labels.signed_in)."""
        text = signed_in(self._session) if self._session.is_open else self.who.text()
        self.who.setText(text)
        self.who.setAccessibleName(f"Signed in: {text}")

    def add_page(self, section: Section, page: Page) -> None:
        """Add a navigation entry and its page (the full application adds real pages here)."""
        if section.key in self._pages:
            raise ValueError(f"a page {section.key!r} already exists")
        page.setObjectName(f"page-{section.key}")
        self._pages[section.key] = page
        self._sections[section.key] = section
        self.stack.addWidget(page)
        item = QListWidgetItem(section.title)
        item.setData(Qt.ItemDataRole.UserRole, section.key)
        item.setToolTip(section.description)
        item.setSizeHint(QSize(0, 44))
        self.nav.addItem(item)
        number = len(self._pages)
        # Every section is in the Go menu (Audit and Settings fell off the end when
        # Referrals and Reports came in); the first nine have Ctrl+1 ... Ctrl+9.
        # "&&": a single "&" would underline the next letter ("Partners _resources").
        action = QAction(section.title.replace("&", "&&"), self)
        if number <= len(keys.SECTION.sequences):
            action.setShortcut(keys.SECTION.sequences_qt()[number - 1])
            action.setProperty(keys.KEYS_PROPERTY, keys.SECTION.name)
        action.triggered.connect(lambda _checked=False, key=section.key: self.show_page(key))
        self.go_menu.addAction(action)
        self.addAction(action)

    # -- navigation ---------------------------------------------------------------------------
    def page(self, key: str) -> Page:
        """The page of section ``key``."""
        return self._pages[key]

    def page_keys(self) -> list[str]:
        """Section keys in navigation order."""
        return list(self._pages)

    def current_key(self) -> str:
        """The section shown."""
        item = self.nav.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def show_page(self, key: str) -> None:
        """Show section ``key``."""
        self.nav.setCurrentRow(list(self._pages).index(key))

    def open_case(self, case_id: str) -> None:
        """Show a case in the Cases section (used by the dashboard, people and audit pages)."""
        self.show_page("cases")
        opener = getattr(self._pages["cases"], "open_case", None)
        if opener is not None:
            opener(case_id)

    def show_cases(self, flt: CaseFilter) -> None:
        """The Cases section's list filtered as ``flt`` says (the dashboard's tiles)."""
        page = self._pages.get("cases")
        if isinstance(page, CasesPage):
            self.show_page("cases")
            page.show_filtered(flt)

    def new_case(self) -> None:
        """Ctrl+N from any section: the Cases section and its new-case dialog."""
        page = self._pages.get("cases")
        if isinstance(page, CasesPage):
            self.show_page("cases")
            page.new_case()

    def search_cases(self) -> None:
        """Ctrl+F from any section: the case list with the cursor in its search box."""
        page = self._pages.get("cases")
        if isinstance(page, CasesPage):
            self.show_page("cases")
            page.focus_search()

    def set_sidebar_wide(self, wide: bool) -> None:
        """Section names beside the icons, or icons only (Ctrl+B; tooltips name them)."""
        self.nav.setFixedWidth(NAV_WIDTH if wide else NAV_NARROW)
        for row, key in enumerate(self._pages):
            item = self.nav.item(row)
            item.setText(self._sections[key].title if wide else "")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, self._sections[key].title)
        if self.sidebar_action.isChecked() != wide:
            self.sidebar_action.setChecked(wide)

    def sidebar_wide(self) -> bool:
        return self.sidebar_action.isChecked()

    def show_shortcuts(self) -> ShortcutsDialog:
        """Help › Keyboard shortcuts (Ctrl+/): every shortcut, from the table they are bound
        from (:mod:`btam_desktop.ui.keys`)."""
        if self.shortcuts_dialog is None:
            self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.show()
        return self.shortcuts_dialog

    def show_about(self) -> AboutDialog:
        """Help › About: the version and the licences of the bundled libraries and fonts."""
        dialog = AboutDialog(self)  # deleted when closed (a new one each time)
        dialog.show()
        return dialog

    def show_conflicts(self) -> None:
        """Show the Sync page's conflict queue (the dashboard's "N conflicts to resolve")."""
        self.show_page("sync")
        page = self._pages["sync"]
        if isinstance(page, SyncPage):
            page.show_conflicts()

    def _on_row_changed(self, row: int) -> None:
        if row < 0:
            return
        page = self._pages[list(self._pages)[row]]
        self.stack.setCurrentWidget(page)
        page.refresh()

    def _tint_icons(self, _theme: str = "") -> None:
        normal, selected = icon_colours(self._theme)
        for row, key in enumerate(self._pages):
            name = self._sections[key].icon
            combined = QIcon(icon(name, normal))
            for size in (16, 22, 24, 32, 44):
                combined.addPixmap(
                    icon(name, selected).pixmap(size, size), QIcon.Mode.Selected
                )
            self.nav.item(row).setIcon(combined)
        self.lock_button.setIcon(icon("lock", normal))

    # -- where the member was (the controller keeps it across a lock) ---------------------------
    def place(self) -> dict[str, object]:
        """The section shown and what each page has open (ids; the case list's search text,
        held in memory only)."""
        pages: dict[str, object] = {}
        for key, page in self._pages.items():
            saver = getattr(page, "place", None)  # pages that can reopen what they showed
            if callable(saver):
                pages[key] = saver()
        return {"section": self.current_key(), "pages": pages}

    def restore_place(self, place: dict[str, object]) -> None:
        """Show the section and reopen what :meth:`place` recorded."""
        pages = place.get("pages")
        if isinstance(pages, dict):
            for key, state in pages.items():
                restorer = getattr(self._pages.get(key), "restore_place", None)
                if callable(restorer):
                    restorer(state)
        section = place.get("section")
        if isinstance(section, str) and section in self._pages:
            self.show_page(section)

    # -- status and lifetime --------------------------------------------------------------------
    def show_notice(self, text: str, timeout_ms: int = 15_000) -> None:
        """A passing message in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def teardown(self) -> None:
        """Detach from the session before the window is deleted on lock."""
        self.events.detach()
        for page in self._pages.values():
            page.teardown()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The user closed the window (or chose Quit): the application locks and ends."""
        super().closeEvent(event)
        self.close_requested.emit()


class ShortcutsDialog(AppDialog):
    """Help › Keyboard shortcuts: the table of :mod:`btam_desktop.ui.keys`, by area
    (non-modal: it may stay open beside the work)."""

    def __init__(self, parent: QWidget) -> None:
        # Not deleted on close: the main window keeps this one (shortcuts_dialog) and shows
        # it again on the next Ctrl+/.
        super().__init__("Keyboard shortcuts", parent, delete_on_close=False)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Keyboard shortcuts")
        self.browser.setHtml(shortcuts_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(620, 560)

    def text(self) -> str:
        """What the dialog lists, as plain text."""
        return self.browser.toPlainText()


def shortcuts_html() -> str:
    """The shortcut table as HTML: a heading per area, keys and what they do."""
    from html import escape

    parts = []
    for area, entries in keys.by_area():
        if not entries:
            continue
        parts.append(f"<h3>{escape(area)}</h3><table cellpadding='3'>")
        for entry in entries:
            parts.append(f"<tr><td><b>{escape(entry.label())}</b></td>"
                         f"<td>{escape(entry.text)}</td></tr>")
        parts.append("</table>")
    parts.append("<p>Alt with an underlined letter moves to that field or presses that "
                 "button. In a list, Enter opens the selected entry.</p>")
    return "".join(parts)
