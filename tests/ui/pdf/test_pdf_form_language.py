"""The app's filled-form export prints the form in the language the form view shows
(issue 11): an officer who switched the form to Spanish gets the Spanish PDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition
from btam_desktop.ui.case.forms_tab import FormsTab
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms import view as view_module
from btam_desktop.ui.pdf.release import ReleaseDialog
from tests.core.pdf.test_filled_language import BILINGUAL
from tests.ui.pdf.conftest import CasesApp
from tests.ui.pdf.test_pdf_dialogs import (
    TIMEOUT,
    fill_release,
    open_case,
    pdf_text,
    run_dialog,
    session_of,
)


@pytest.fixture(autouse=True)
def _forget_languages() -> Iterator[None]:
    view_module.remembered_languages.clear()
    yield
    view_module.remembered_languages.clear()


def test_export_uses_the_language_the_form_view_shows(qtbot: QtBot, cases_app: CasesApp,
                                                      tmp_path: Path) -> None:
    app = cases_app
    session = session_of(app)
    form = FormDefinition.from_dict(BILINGUAL)
    session.forms.ensure_stored(form, source="imported")
    session.submissions.create(app.seeded.school, form.id,
                               {"name": "Alex", "mood": "calm"}, strict=False)
    shown = FormView(form, {})
    qtbot.addWidget(shown)
    shown.set_language("Español (es)")  # the officer reads the form in Spanish

    view = open_case(app, app.seeded.school)
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    qtbot.waitUntil(lambda: tab.model.rowCount() >= 1, timeout=TIMEOUT)
    tab.table.selectRow(0)
    dialog = tab.export_selected()
    assert isinstance(dialog, ReleaseDialog)
    target = tmp_path / "intake.pdf"
    fill_release(qtbot, dialog, target)
    run_dialog(qtbot, dialog)
    text = pdf_text(target)
    assert "Ánimo de Alex" in text and "Tranquilo" in text and "Calm" not in text
