"""Screenshots of the shell in both themes, for review and for the docs (a script, not a test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/screenshots.py [OUT_DIR] [CASES]

Creates a demo vault in a temporary folder (a team lead, an officer and ``CASES`` fictional
cases from ``core.demo``, default 300: a team's caseload) and writes, for the light and the
dark theme, PNGs of the wizard's passphrase and recovery-key pages, the unlock window (with a
wrong-passphrase message, the member picker showing), the recovery-key dialog, the restore
dialog with a backup chosen and the main
window on the dashboard (``main-*.png``) to ``docs/screenshots/``. The data come from a
fixed seed and end today, so due dates read the same relative to the day the shots are made.
Settings the app saves (the last member on the unlock screen) go to the temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
import keyring.backend  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from btam_desktop.core import demo, vault  # noqa: E402
from btam_desktop.ui.app import create_application  # noqa: E402
from btam_desktop.ui.controller import AppController  # noqa: E402
from btam_desktop.ui.theme import ThemeManager, ThemeMode  # noqa: E402
from btam_desktop.ui.wizard import CreateVaultWizard  # noqa: E402

LEAD = "Dana Reyes"
LEAD_PASS = "Correct-Lantern-42"
AGENCY = "Lakeside Police Department"
DEMO_CASES = 300
DEMO_SEED = 3
MAIN_SIZE = (1280, 800)  # a common laptop screen, the window maximised


class DemoKeyring(keyring.backend.KeyringBackend):
    """In memory, so "Remember on this device" shows as on a laptop with an OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def settle(app: QApplication) -> None:
    """Let layouts, polish and deferred deletes finish before grabbing."""
    for _ in range(5):
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def save(app: QApplication, widget: QWidget, out: Path, name: str) -> Path:
    """Grab ``widget`` into ``out/name.png``."""
    settle(app)
    path = out / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path)
    return path


BACKUP_NAME = "lakeside-2026-03-31.btambak"


def demo_vault(folder: Path, cases: int = DEMO_CASES) -> Path:
    """A vault with the lead, an officer and ``cases`` fictional case files (demo data)."""
    path = folder / "demo.btam"
    session, _recovery = vault.create_vault(
        path, member_name=LEAD, new_passphrase=LEAD_PASS, agency=AGENCY, badge="4471"
    )
    session.add_member("Sam Ortiz", "officer", "Purple-Harbor-Gate-7", badge="5120")
    demo.generate(session, cases, seed=DEMO_SEED)
    session.backup(folder / BACKUP_NAME)  # for the restore dialog's picture
    session.lock()
    return path


def wizard_shots(app: QApplication, folder: Path, out: Path, theme: str) -> None:
    """The passphrase page half-filled (rules partly met) and the recovery-key page."""
    wizard = CreateVaultWizard(folder / f"new-{theme}.btam")
    wizard.resize(760, 600)
    wizard.show()
    wizard.agency_page.agency.setText(AGENCY)
    wizard.next()
    wizard.member_page.name.setText(LEAD)
    wizard.member_page.badge.setText("4471")
    wizard.next()
    page = wizard.passphrase_page
    page.passphrase.setText("Correct-Lantern")
    page.confirm.setText("Correct-Lan")
    save(app, wizard, out, f"wizard-passphrase-{theme}")
    page.passphrase.setText(LEAD_PASS)
    page.confirm.setText(LEAD_PASS)
    wizard.next()
    save(app, wizard, out, f"wizard-recovery-{theme}")
    session = wizard.take_session()
    if session is not None:
        session.lock()
    wizard.hide()
    wizard.deleteLater()


def app_shots(app: QApplication, path: Path, out: Path, theme: ThemeManager) -> None:
    """The unlock window after a wrong passphrase, then the dashboard."""
    name = theme.theme.value
    controller = AppController(path, theme=theme)
    controller.start()
    window = controller.unlock_window
    assert window is not None
    window.resize(640, 600)
    window.member.setCurrentIndex(window.member.findText(LEAD))
    window.passphrase.setText("not my passphrase")
    window.submit()
    save(app, window, out, f"unlock-{name}")
    dialog = window.open_recovery()
    dialog.key.setText("408373-059940-100072")
    dialog.accept()  # too few digits: shows the message, stays open
    save(app, dialog, out, f"recovery-dialog-{name}")
    dialog.reject()
    # "Restore from a backup…" with a backup chosen: who can open it, and the wrong
    # passphrase's words (nothing is restored over the vault).
    restore = window.open_restore()
    restore.load_backup(path.with_name(BACKUP_NAME))
    restore.who.setCurrentText(LEAD)
    restore.message.show_message(
        "Wrong passphrase for this backup: it opens with the passphrase that was valid when it"
        " was written.", "error")
    save(app, restore, out, f"restore-dialog-{name}")
    restore.reject()
    window.passphrase.setText(LEAD_PASS)
    window.submit()
    main = controller.main_window
    assert main is not None
    main.resize(*MAIN_SIZE)
    main.show_page("dashboard")
    save(app, main, out, f"main-{name}")
    controller.shutdown()
    controller.deleteLater()
    settle(app)


def main(argv: list[str]) -> int:
    """Write every screenshot; returns 0."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    cases = int(argv[2]) if len(argv) > 2 else DEMO_CASES
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    keyring.set_keyring(DemoKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder / "settings"))
        path = demo_vault(folder, cases)
        for mode in (ThemeMode.LIGHT, ThemeMode.DARK):
            theme = ThemeManager(app, mode)
            theme.apply()
            wizard_shots(app, folder, out, mode.value)
            app_shots(app, path, out, theme)
            theme.deleteLater()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
