"""Runs the real ``btam-desktop`` main() with a form draft and a note being typed, then waits.

Used by ``test_ui_shutdown.py`` in a subprocess: ``python -m tests.ui.sigterm_driver VAULT
CASE_ID PASSPHRASE``. Prints ``READY`` once the draft has unsaved answers (the autosave delay
is made long, so only the shutdown can save it) and a note's text is typed in Add entry ›
Note…; the test then sends SIGTERM or SIGINT.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest

from btam_desktop.ui import app as app_module
from btam_desktop.ui.forms import autosave

LOCATION = "Loading dock of Quillfeather-Marsh depot"
NOTE = "Half-typed note about Zebrawood-Lantern"


def drive(controller: app_module.AppController, case_id: str, passphrase: str) -> None:
    """Unlock, open the case, start a contact log and type; open a note and type."""
    from btam_desktop.ui.case.entry_dialog import EntryDialog
    from btam_desktop.ui.case.forms_tab import FormsTab
    from btam_desktop.ui.case.timeline_tab import TimelineTab
    from btam_desktop.ui.pages.cases import CasesPage

    window = controller.unlock_window
    assert window is not None
    window.passphrase.setText(passphrase)
    window.submit()
    main = controller.main_window
    assert main is not None
    cases = main.page("cases")
    assert isinstance(cases, CasesPage)
    view = cases.open_case(case_id)
    assert view is not None
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    timeline.add_entry("note")
    note = next(d for d in main.findChildren(EntryDialog) if d.isVisible())
    QTest.keyClicks(note.summary, NOTE)
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    dialog = tab.start_form("contact_log")
    editor = dialog.view.editor("contact_location")
    assert editor is not None
    QTest.keyClicks(editor.focus_target(), LOCATION)
    assert dialog.controller is not None and dialog.controller.has_unsaved_changes()
    print("READY", flush=True)


def run(vault: Path, case_id: str, passphrase: str) -> int:
    """main() of the app, driven once the first window is up."""
    autosave.SAVE_DELAY_MS = 3_600_000  # only the shutdown may save the draft
    real_launch = app_module.launch

    def launch(*args: object, **kwargs: object) -> app_module.AppController:
        controller = real_launch(*args, **kwargs)  # type: ignore[arg-type]
        QTimer.singleShot(0, lambda: drive(controller, case_id, passphrase))
        return controller

    app_module.launch = launch  # type: ignore[assignment]
    return app_module.main(["--vault", str(vault), "-platform", "offscreen"])


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
