"""Screenshot of the Release dialog in the night theme (a script, not a test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/pdf/screenshots.py [OUT_DIR] [STATE]

Builds a small demo vault in a temporary folder, opens a case, opens "Export case report…"
over the main window (1280x800) and writes ``release-dialog-dark.png`` to
``docs/screenshots/``. STATE ``partial`` (default) leaves the legal basis empty, so the live
check shows what is still missing; ``complete`` fills everything in.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from btam_desktop.core import demo, vault  # noqa: E402
from btam_desktop.ui.app import create_application  # noqa: E402
from btam_desktop.ui.controller import AppController  # noqa: E402
from btam_desktop.ui.pages.cases import CasesPage  # noqa: E402
from btam_desktop.ui.theme import ThemeManager, ThemeMode  # noqa: E402
from tests.ui.cases.screenshots import LEAD, LEAD_PASS, SIZE, rich_case, settle  # noqa: E402
from tests.ui.screenshots import DemoKeyring  # noqa: E402


def build(folder: Path) -> tuple[Path, str]:
    """A demo vault with a few dozen cases and the id of a well-filled one."""
    path = folder / "demo.btam"
    session, _recovery = vault.create_vault(
        path, member_name=LEAD, new_passphrase=LEAD_PASS, agency="Harlow County Sheriff",
        badge="4471")
    demo.generate(session, 40, seed=7)
    case_id = rich_case(session)
    session.lock()
    return path, case_id


def shoot(app: QApplication, path: Path, case_id: str, out: Path, state: str) -> Path:
    """Open the case, then the Release dialog; grab the dialog."""
    theme = ThemeManager(app, ThemeMode.DARK)
    theme.apply()
    controller = AppController(path, theme=theme)
    controller.start()
    window = controller.unlock_window
    assert window is not None
    window.passphrase.setText(LEAD_PASS)
    window.submit()
    main = controller.main_window
    assert main is not None
    main.resize(*SIZE)
    main.show_page("cases")
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    view = page.open_case(case_id)
    assert view is not None
    dialog = view.export_case_report()
    assert dialog is not None
    dialog.recipient.setText("J. Okafor, Northgate High counsellor")
    dialog.purpose.setText("Safety plan at school")
    if state == "complete":
        dialog.legal_basis.setText("Written consent of parent, signed 2026-03-02")
    dialog.set_profile("school_partner")
    dialog.recipient.setFocus()
    settle(app)
    target = out / "release-dialog-dark.png"
    if not dialog.grab().save(str(target)):
        raise SystemExit(f"could not write {target}")
    dialog.reject()
    controller.shutdown()
    controller.deleteLater()
    settle(app)
    return target


def main(argv: list[str]) -> int:
    """Write the screenshot; returns 0."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    state = argv[2] if len(argv) > 2 else "partial"
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    keyring.set_keyring(DemoKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        path, case_id = build(Path(tmp))
        print(shoot(app, path, case_id, out, state))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
