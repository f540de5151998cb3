"""Screenshots of the dashboard (light and night), settings and people (a script, not a test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/pages/screenshots.py [OUT_DIR] [CASES]

Fills a temporary vault with fictional demo cases (``core.demo``, default 2,000), unlocks it
through the real controller and window at 1280x800 and writes ``dashboard-light.png``,
``dashboard-dark.png``, ``settings-dark.png`` and ``people-dark.png`` to ``docs/screenshots``.
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
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from btam_desktop.core import demo, vault  # noqa: E402
from btam_desktop.ui.app import create_application  # noqa: E402
from btam_desktop.ui.controller import AppController  # noqa: E402
from btam_desktop.ui.pages.people import PeoplePage  # noqa: E402
from btam_desktop.ui.theme import ThemeManager, ThemeMode  # noqa: E402
from tests.ui.screenshots import DemoKeyring, save, settle  # noqa: E402

LEAD = "Dana Reyes"
LEAD_PASS = "Correct-Lantern-42"
AGENCY = "Harlow County Sheriff's Office"
SIZE = (1280, 800)


def demo_vault(folder: Path, cases: int) -> Path:
    """The lead, two officers, an analyst, and ``cases`` fictional case files."""
    path = folder / "demo.btam"
    session, _recovery = vault.create_vault(
        path, member_name=LEAD, new_passphrase=LEAD_PASS, agency=AGENCY, badge="4471")
    session.add_member("Sam Ortiz", "officer", "Purple-Harbor-Gate-7", badge="5120")
    session.add_member("Riley Chen", "officer", "Quiet-Lantern-Harbor-58", badge="5188")
    session.add_member("Ana Lystra", "analyst", "Orchard-Velvet-Granite-9")
    demo.generate(session, cases, seed=3)
    # Two records of one person, as happens when two officers take reports separately.
    first = session.store.add_person("Nguyễn", "Văn An", date_of_birth="2007-09-12",
                                     aliases=["Andy N."], phone="(555) 555-0188")
    second = session.store.add_person("Van An", "Nguyen", date_of_birth="2007-09-12")
    cases_found = session.store.list_cases(limit=2)
    session.store.link_person(cases_found[0].id, first.id, "person_of_concern")
    session.store.link_person(cases_found[1].id, second.id, "witness")
    session.lock()
    return path


def shots(app: QApplication, path: Path, out: Path, mode: ThemeMode) -> None:
    """Unlock, then grab the pages for one theme."""
    theme = ThemeManager(app, mode)
    theme.apply()
    controller = AppController(path, theme=theme)
    controller.start()
    window = controller.unlock_window
    assert window is not None
    window.member.setCurrentIndex(window.member.findText(LEAD))
    window.passphrase.setText(LEAD_PASS)
    window.submit()
    main = controller.main_window
    assert main is not None
    main.resize(*SIZE)
    name = "dark" if mode is ThemeMode.DARK else "light"
    main.show_page("dashboard")
    save(app, main, out, f"dashboard-{name}")
    if mode is ThemeMode.DARK:
        main.show_page("settings")
        save(app, main, out, f"settings-{name}")
        main.show_page("people")
        people = main.page("people")
        assert isinstance(people, PeoplePage)
        people.search.setText("Van An")
        people.run_search()
        save(app, main, out, f"people-{name}")
    controller.shutdown()
    controller.deleteLater()
    theme.deleteLater()
    settle(app)


def main(argv: list[str]) -> int:
    """Write the screenshots; returns 0."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    cases = int(argv[2]) if len(argv) > 2 else 2_000
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    keyring.set_keyring(DemoKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        # What the app saves (the last member on the unlock screen) stays in the temp folder.
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(Path(tmp) / "settings"))
        path = demo_vault(Path(tmp), cases)
        for mode in (ThemeMode.LIGHT, ThemeMode.DARK):
            shots(app, path, out, mode)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
