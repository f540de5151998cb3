"""Screenshots of the Cases page and a case view in both themes (a script, not a test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/cases/screenshots.py [OUT_DIR] [CASES]

Builds a vault with CASES (default 10,000) fictional demo cases in a temporary folder and
writes ``cases-light.png``, ``cases-dark.png`` (the case list), ``case-view-light.png`` and
``case-view-dark.png`` (a case with a long timeline and several people) to
``docs/screenshots/`` at 1280x800.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from btam_desktop.core import demo, vault  # noqa: E402
from btam_desktop.core.session import Session  # noqa: E402
from btam_desktop.ui.app import create_application  # noqa: E402
from btam_desktop.ui.case.timeline_tab import TimelineTab  # noqa: E402
from btam_desktop.ui.controller import AppController  # noqa: E402
from btam_desktop.ui.pages.cases import CasesPage  # noqa: E402
from btam_desktop.ui.theme import ThemeManager, ThemeMode  # noqa: E402
from tests.ui.screenshots import DemoKeyring, save, settle  # noqa: E402

LEAD = "Dana Reyes"
LEAD_PASS = "Correct-Lantern-42"
SIZE = (1280, 800)


def rich_case(session: Session) -> str:
    """An open, high-concern demo case with many timeline entries and several people."""
    best, score = "", -1
    for case in session.store.list_cases(status="active", limit=300):
        entries = len(session.store.timeline(case.id))
        people = len(session.store.case_persons(case.id))
        value = entries + 5 * min(people, 4) + (10 if case.concern == "high" else 0)
        if value > score:
            best, score = case.id, value
    return best


def build(folder: Path, cases: int) -> tuple[Path, str]:
    """The demo vault and the id of the case to show."""
    path = folder / "demo.btam"
    session, _recovery = vault.create_vault(
        path, member_name=LEAD, new_passphrase=LEAD_PASS, agency="Harlow County Sheriff",
        badge="4471")
    session.add_member("Sam Ortiz", "officer", "Purple-Harbor-Gate-7", badge="5120")
    demo.generate(session, cases, seed=7)
    case_id = rich_case(session)
    session.lock()
    return path, case_id


def shots(app: QApplication, path: Path, case_id: str, out: Path, theme: ThemeManager) -> None:
    """The list (sorted by next review, first row selected) and the case's timeline."""
    name = theme.theme.value
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
    # The whole list, as an officer sees it a moment later (not "loading the rest").
    deadline = time.monotonic() + 60
    while not page.list.model.loaded and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    page.list.table.setFocus()
    page.list.table.selectRow(1)
    save(app, main, out, f"cases-{name}")
    view = page.open_case(case_id)
    assert view is not None
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    timeline.table.selectRow(max(0, timeline.model.rowCount() - 3))
    timeline.table.setFocus()
    save(app, main, out, f"case-view-{name}")
    controller.shutdown()
    controller.deleteLater()
    settle(app)


def main(argv: list[str]) -> int:
    """Write the screenshots; returns 0."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    cases = int(argv[2]) if len(argv) > 2 else 10_000
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    keyring.set_keyring(DemoKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        path, case_id = build(Path(tmp), cases)
        for mode in (ThemeMode.LIGHT, ThemeMode.DARK):
            theme = ThemeManager(app, mode)
            theme.apply()
            shots(app, path, case_id, out, theme)
            theme.deleteLater()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
