"""Screenshots of the app at 1024x768, the smallest screen it is laid out for (a script, not a
test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/screenshots_1024.py [OUT_DIR]

Made by hand in an Xvfb walk until now; this script makes the same set from a demo vault so it
can be made again whenever the look changes. In a temporary folder: the lead's vault ("Dana
Reyes", 300 fictional cases from ``core.demo``) leads the team "Harlow County TAT", and a
second laptop (Sam Ortiz's, a member) is enrolled through the invitation round; a case edited
on both laptops makes one conflict. Writes ``1024-*.png`` to ``docs/screenshots/``: every page
and case tab, the main dialogs drawn over the window that opened them, a form, the lock screen
naming a held dialog, the unlock window with the Caps Lock warning, the dashboard with the
recovery key unconfirmed, and the Sync page's conflicts on the lead's and the member's laptop.
Referrals and reports at 1024 come from tests/ui/referrals/screenshots.py.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
from PySide6.QtCore import QPoint, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QPainter, QPalette, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QWidget  # noqa: E402

from btam_desktop.core import demo, dissemination, vault  # noqa: E402
from btam_desktop.core.session import Session  # noqa: E402
from btam_desktop.core.sync import exchange, team  # noqa: E402
from btam_desktop.ui.app import create_application  # noqa: E402
from btam_desktop.ui.case.attachments_tab import AttachmentsTab  # noqa: E402
from btam_desktop.ui.case.entry_dialog import EntryDialog  # noqa: E402
from btam_desktop.ui.case.forms_tab import FormsTab  # noqa: E402
from btam_desktop.ui.case.history_tab import HistoryTab  # noqa: E402
from btam_desktop.ui.case.people_tab import PeopleTab  # noqa: E402
from btam_desktop.ui.case.person_dialogs import AddPersonDialog  # noqa: E402
from btam_desktop.ui.case.plan_tab import PlanTab  # noqa: E402
from btam_desktop.ui.case.referrals_tab import ReferralsTab  # noqa: E402
from btam_desktop.ui.case.timeline_tab import TimelineTab  # noqa: E402
from btam_desktop.ui.controller import AppController  # noqa: E402
from btam_desktop.ui.main_window import MainWindow  # noqa: E402
from btam_desktop.ui.pages.case_view import CaseView  # noqa: E402
from btam_desktop.ui.pages.cases import CasesPage  # noqa: E402
from btam_desktop.ui.pages.sync import SyncPage  # noqa: E402
from btam_desktop.ui.recovery_key import NewRecoveryKeyDialog  # noqa: E402
from btam_desktop.ui.theme import ThemeManager, ThemeMode  # noqa: E402
from tests.ui.cases.screenshots import rich_case  # noqa: E402
from tests.ui.screenshots import DemoKeyring, save, settle  # noqa: E402

LEAD, LEAD_PASS = "Dana Reyes", "Correct-Lantern-42"
MEMBER, MEMBER_PASS = "Sam Ortiz", "Purple-Harbor-Gate-7"
INVITE_PASS = "Harbor-Window-Seven-3"
SIZE = (1024, 768)
NOTE = "Mother says he sold the air rifle last week"  # typed, then held across a lock


def send(src: Session, dst: Session, folder: Path, *, full: bool = False) -> None:
    """A bundle from ``src`` imported by ``dst`` (through the core, as the Sync page does)."""
    out = folder / f"{src.device_code}-{src.db.meta('sync:out_seq') or 0}.btambundle"
    exchange.export_bundle(src, out, full=full)
    exchange.import_file(dst, out)


def build(folder: Path) -> tuple[Path, Path, str, Path]:
    """The lead's vault, the member laptop's vault, the case to show and the member's bundle
    that makes a conflict on the lead's laptop (imported last, so the other screens show no
    conflict)."""
    lead_path, member_path = folder / "harlow.btam", folder / "ortiz.btam"
    a, _ = vault.create_vault(lead_path, member_name=LEAD, new_passphrase=LEAD_PASS,
                              agency="Harlow County Sheriff's Office", badge="4471")
    a.add_member(MEMBER, "officer", MEMBER_PASS, badge="5120")
    demo.generate(a, 300, seed=3)
    case_id = rich_case(a)
    b, _ = vault.create_vault(member_path, member_name=MEMBER, new_passphrase=MEMBER_PASS,
                              agency="Harlow County Sheriff's Office", badge="5120")
    team.create_team(a, "Harlow County TAT", device_name="Reyes laptop")
    team.invite(a, folder / "ortiz.btaminvite", INVITE_PASS)
    team.join(b, folder / "ortiz.btaminvite", INVITE_PASS, folder / "ortiz.btamjoin",
              device_name="Ortiz laptop")
    team.approve(a, str(folder / "ortiz.btamjoin"), role="member")
    send(a, b, folder, full=True)
    # One field changed differently on the two laptops: a conflict on each once the other's
    # bundle is in. The member laptop gets the lead's now, the lead the member's at the end.
    was = a.store.get_case(case_id).concern
    on_a, on_b = [level for level in ("imminent", "high", "moderate", "low") if level != was][:2]
    a.store.update_case(case_id, {"concern": on_a}, reason="Leakage to two colleagues")
    b.store.update_case(case_id, {"concern": on_b}, reason="Counsellor saw him calmer")
    from_member = folder / "from-ortiz.btambundle"
    exchange.export_bundle(b, from_member)
    send(a, b, folder)
    # A copy released to a partner: the History & audit tab's dissemination log has a row.
    dissemination.write_export(
        a, folder / "case-report.pdf", b"%PDF-1.4 demo", what="case_report", case_id=case_id,
        release=dissemination.Release(
            "Detective Sgt. M. Alvarez, Harlow County Sheriff's Office threat unit",
            "Joint risk assessment ahead of the disciplinary hearing",
            "State Code 19.2-389 (criminal justice agency)"),
        redaction_profile="school_partner")
    a.set_recovery_key_confirmed(False)  # the dashboard's warning, shot first
    a.lock()
    b.lock()
    return lead_path, member_path, case_id, from_member


def over(app: QApplication, window: QWidget, dialog: QWidget, out: Path, name: str) -> None:
    """``dialog`` drawn centred over ``window`` (offscreen there is no window manager to
    place it), with a thin frame so it reads as a window of its own."""
    settle(app)
    picture = window.grab()
    top = dialog.grab()
    where = QPoint((picture.width() - top.width()) // 2,
                   max(0, (picture.height() - top.height()) // 2))
    painter = QPainter(picture)
    painter.drawPixmap(where, top)
    painter.setPen(window.palette().color(QPalette.ColorRole.Mid))
    painter.drawRect(where.x() - 1, where.y() - 1, top.width() + 1, top.height() + 1)
    painter.end()
    path = out / f"{name}.png"
    if not QPixmap(picture).save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path)


def newest_dialog(window: QWidget, kind: type[QDialog]) -> QDialog:
    """The visible dialog of ``kind`` the window opened last."""
    found = [d for d in window.findChildren(kind) if d.isVisible()]
    if not found:
        raise SystemExit(f"no {kind.__name__} open")
    return found[-1]


def unlock(app: QApplication, controller: AppController, member: str, passphrase: str
           ) -> MainWindow:
    """Type the passphrase into the unlock window; the main window at 1024x768."""
    window = controller.unlock_window
    assert window is not None
    window.member.setCurrentIndex(window.member.findText(member))
    window.passphrase.setText(passphrase)
    window.submit()
    main = controller.main_window
    assert main is not None
    main.resize(*SIZE)
    settle(app)
    return main


def open_case(app: QApplication, main: MainWindow, case_id: str) -> tuple[CasesPage, CaseView]:
    """The Cases page with its whole list read, and the case opened."""
    main.show_page("cases")
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    deadline = time.monotonic() + 60
    while not page.list.model.loaded and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    view = page.open_case(case_id)
    assert view is not None
    return page, view


def case_list(app: QApplication, main: MainWindow, out: Path, name: str) -> None:
    """The case list (the table's own tab), second row selected."""
    main.show_page("cases")
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    page.tabs.setCurrentIndex(0)
    page.list.table.setFocus()
    page.list.table.selectRow(1)
    save(app, main, out, f"1024-cases-{name}")


def timeline(app: QApplication, view: CaseView) -> TimelineTab:
    """The case's timeline, an entry near the end selected (its text in the reading pane)."""
    tab = view.show_tab(TimelineTab)
    assert isinstance(tab, TimelineTab)
    tab.table.selectRow(max(0, tab.model.rowCount() - 3))
    tab.table.setFocus()
    settle(app)
    return tab


def lead_shots(app: QApplication, path: Path, case_id: str, out: Path, mode: ThemeMode
               ) -> None:
    """Every screen of the lead's laptop in one theme (the light theme has them all)."""
    name = mode.value
    light = mode is ThemeMode.LIGHT
    theme = ThemeManager(app, mode)
    theme.apply()
    controller = AppController(path, theme=theme)
    controller.start()
    main = unlock(app, controller, LEAD, LEAD_PASS)
    session = controller.session
    assert session is not None
    main.show_page("dashboard")
    warning = controller.recovery_warning
    if warning is not None:
        if light:
            over(app, main, warning, out, "1024-recovery-key-unconfirmed-light")
        warning.reject()
    session.set_recovery_key_confirmed(True)
    save(app, main, out, f"1024-dashboard-{name}")

    page, view = open_case(app, main, case_id)
    case_list(app, main, out, name)
    page.tabs.setCurrentWidget(view)
    tab = timeline(app, view)
    save(app, main, out, f"1024-case-timeline-{name}")
    if light:
        tabs: list[tuple[type, str]] = [
            (PeopleTab, "people"), (PlanTab, "plan"), (FormsTab, "forms"),
            (AttachmentsTab, "attachments"), (ReferralsTab, "referrals"),
            (HistoryTab, "history")]
        for kind, label in tabs:
            shown = view.show_tab(kind)
            table = getattr(shown, "table", None)
            if table is not None and table.model() is not None and table.model().rowCount():
                table.selectRow(0)
            save(app, main, out, f"1024-case-{label}-light")
        timeline(app, view)
        tab.add_actions["concerning_behaviour"].trigger()
        entry = newest_dialog(main, EntryDialog)
        over(app, main, entry, out, "1024-dialog-entry-concerning_behaviour-light")
        entry.reject()
        settle(app)
        people = view.show_tab(PeopleTab)
        assert isinstance(people, PeopleTab)
        people.add_person()
        person = newest_dialog(main, AddPersonDialog)
        over(app, main, person, out, "1024-dialog-add-person-light")
        person.reject()
        concern = view.header.change_concern()
        assert concern is not None
        over(app, main, concern, out, "1024-dialog-concern-light")
        concern.reject()
    forms = view.show_tab(FormsTab)
    assert isinstance(forms, FormsTab)
    form = forms.start_form("intake_referral")
    form.resize(*SIZE)
    save(app, form, out, f"1024-form-{name}")
    form.reject()
    settle(app)
    if light:
        new_case = page.new_case()
        assert new_case is not None
        over(app, main, new_case, out, "1024-dialog-new-case-light")
        new_case.reject()
        shortcuts = main.show_shortcuts()
        over(app, main, shortcuts, out, "1024-dialog-shortcuts-light")
        shortcuts.reject()
        for key in ("people", "partners", "audit"):
            main.show_page(key)
            shown_page = main.page(key)
            table = getattr(shown_page, "table", None)
            if table is not None and table.model() is not None and table.model().rowCount():
                table.selectRow(0)
            save(app, main, out, f"1024-{key}-light")
    main.show_page("settings")
    save(app, main, out, f"1024-settings-{name}")
    if light:
        dialog = NewRecoveryKeyDialog(session, session.reissue_recovery_key(), main)
        dialog.show()
        over(app, main, dialog, out, "1024-dialog-new-recovery-key-light")
        dialog.reject()
        session.set_recovery_key_confirmed(True)
    sync_shots(app, main, out, name)

    if light:
        # A note half typed when the laptop locks: the lock screen names the dialog (its title
        # only), then the unlock window with a wrong passphrase and the Caps Lock warning.
        _page, view = open_case(app, main, case_id)
        tab = timeline(app, view)
        tab.add_actions["note"].trigger()
        note = newest_dialog(main, EntryDialog)
        assert isinstance(note, EntryDialog)
        note.summary.setText(NOTE)
        controller.lock()
        settle(app)
        window = controller.unlock_window
        assert window is not None
        window.resize(*SIZE)
        window.member.setCurrentIndex(window.member.findText(LEAD))
        save(app, window, out, "1024-unlock-light")
        window.passphrase.setText("correct-lantern-42")
        window.submit()
        window.caps_warning.setVisible(True)
        save(app, window, out, "1024-unlock-caps-light")
        window.passphrase.setText(LEAD_PASS)
        window.submit()
    controller.shutdown()
    controller.deleteLater()
    theme.deleteLater()
    settle(app)


def sync_shots(app: QApplication, main: MainWindow, out: Path, name: str) -> None:
    """Sync › Send and receive, sending to the laptops picked in the tick list."""
    main.show_page("sync")
    sync = main.page("sync")
    assert isinstance(sync, SyncPage)
    sync.refresh()
    sync.tabs.setCurrentIndex(0)
    sync.exchange.to_picked.setChecked(True)
    if sync.exchange.recipients.count():
        sync.exchange.recipients.item(0).setCheckState(Qt.CheckState.Checked)
    save(app, main, out, f"1024-sync-{name}")


def conflict_shots(app: QApplication, path: Path, bundle: Path, out: Path) -> None:
    """The lead's laptop imports the member's bundle: the dashboard's conflict button and
    Sync › Conflicts, where the lead resolves."""
    theme = ThemeManager(app, ThemeMode.LIGHT)
    theme.apply()
    controller = AppController(path, theme=theme)
    controller.start()
    main = unlock(app, controller, LEAD, LEAD_PASS)
    main.show_page("sync")
    sync = main.page("sync")
    assert isinstance(sync, SyncPage)
    job = sync.import_paths([bundle])
    deadline = time.monotonic() + 120
    while job is not None and job.running and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    settle(app)
    save(app, main, out, "1024-sync-import-conflict-light")
    sync.show_conflicts()
    if sync.queue.model.rowCount():
        sync.queue.table.selectRow(0)
    save(app, main, out, "1024-sync-conflicts-lead-light")
    controller.shutdown()
    controller.deleteLater()
    theme.deleteLater()
    settle(app)


def member_shots(app: QApplication, path: Path, out: Path) -> None:
    """The member laptop's Sync › Conflicts: it reads the conflict, the lead settles it."""
    theme = ThemeManager(app, ThemeMode.LIGHT)
    theme.apply()
    controller = AppController(path, theme=theme)
    controller.start()
    main = unlock(app, controller, MEMBER, MEMBER_PASS)
    main.show_page("sync")
    sync = main.page("sync")
    assert isinstance(sync, SyncPage)
    sync.refresh()
    sync.show_conflicts()
    save(app, main, out, "1024-sync-conflicts-member-light")
    controller.shutdown()
    controller.deleteLater()
    theme.deleteLater()
    settle(app)


def main(argv: list[str]) -> int:
    """Write the screenshots; returns 0."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    keyring.set_keyring(DemoKeyring())
    with tempfile.TemporaryDirectory(prefix="btam-demo-") as tmp:
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(Path(tmp) / "settings"))
        lead_path, member_path, case_id, bundle = build(Path(tmp))
        steps: list[Callable[[], None]] = [
            lambda: lead_shots(app, lead_path, case_id, out, ThemeMode.LIGHT),
            lambda: lead_shots(app, lead_path, case_id, out, ThemeMode.DARK),
            lambda: member_shots(app, member_path, out),
            lambda: conflict_shots(app, lead_path, bundle, out)]
        for step in steps:
            step()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
