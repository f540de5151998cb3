"""Settings › Forms: import an XLSForm (or a YAML/JSON form) with a preview of the form and
every notice and problem before it is stored, and export a stored form to XLSForm."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from btam_desktop.core.formlib import FormLibrary, FormProblems
from btam_desktop.core.forms import load_xlsform
from btam_desktop.core.session import Session
from btam_desktop.ui.forms_import import FormsImportDialog
from btam_desktop.ui.pages.settings import SettingsPage
from tests.core.forms.xlsform_corpus import field_form, write
from tests.ui.pages.conftest import Host


@pytest.fixture
def page(qtbot: QtBot, session: Session) -> Iterator[SettingsPage]:
    window = Host(session)
    qtbot.addWidget(window)
    settings = SettingsPage(session, window.events)
    window.put(settings)
    qtbot.waitExposed(window)
    yield settings
    window.close()


def _open(qtbot: QtBot, page: SettingsPage) -> FormsImportDialog:
    qtbot.mouseClick(page.forms_import_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, FormsImportDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_an_xlsform_is_previewed_with_every_notice_then_imported(
    qtbot: QtBot, page: SettingsPage, session: Session, tmp_path: Path
) -> None:
    path = field_form(tmp_path / "field_form.xlsx")
    expected = FormLibrary(session)
    expected.load_file(path)
    assert expected.notices  # the corpus form is accepted with notices
    dialog = _open(qtbot, page)
    assert not dialog.ok_button.isEnabled()  # nothing chosen yet
    dialog.load(path)
    qtbot.waitUntil(lambda: "Field form" in dialog.preview_text(), timeout=10000)
    text = dialog.preview_text()
    assert "field_form" in text and "version 2" in text
    assert "Contacts: 2 questions" in text
    for notice in expected.notices:
        assert notice in text
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not isValid(dialog) or not dialog.isVisible(), timeout=10000)
    stored = {(i.form_id, i.version, i.source) for i in session.forms.available()}
    assert ("field_form", 2, "imported") in stored
    assert "Field form" in page.forms_message.text()


def test_problems_are_listed_and_block_the_import(
    qtbot: QtBot, page: SettingsPage, session: Session, tmp_path: Path
) -> None:
    path = write(tmp_path / "broken.xlsx", {
        "survey": [["type", "name", "label"], ["select_one missing", "q", "Q"],
                   ["text", "r", "About ${nowhere}"]],
        "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"]],
        "settings": [["form_id", "form_title", "version"], ["broken_form", "Broken", 1]]})
    dialog = _open(qtbot, page)
    dialog.load(path)
    qtbot.waitUntil(lambda: "problem" in dialog.preview_text().lower(), timeout=10000)
    with pytest.raises(FormProblems) as refused:
        FormLibrary(session).load_file(path)
    for problem in refused.value.problems:
        assert problem in dialog.preview_text()
    assert "missing" in dialog.preview_text()
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # Ctrl+Enter would do the same: still nothing stored
    assert dialog.isVisible()
    assert all(i.form_id != "broken_form" for i in session.forms.available())


def test_a_stored_form_exports_to_xlsform(
    qtbot: QtBot, page: SettingsPage, tmp_path: Path
) -> None:
    dialog = _open(qtbot, page)
    index = dialog.export_combo.findData("threat_inquiry")
    assert index >= 0
    dialog.export_combo.setCurrentIndex(index)
    target = tmp_path / "threat.xlsx"
    dialog.export_to(target)
    qtbot.waitUntil(target.exists, timeout=10000)
    qtbot.waitUntil(lambda: "threat.xlsx" in dialog.message.text(), timeout=10000)
    assert load_xlsform(target).id == "threat_inquiry"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="a character device")
def test_a_device_named_like_a_form_is_refused_unread(
    qtbot: QtBot, page: SettingsPage, session: Session, tmp_path: Path
) -> None:
    """Found in the hostile-file walk: a form.yaml that is a link to /dev/zero (a share can
    hold one) was read until memory ran out: the size limit is checked with stat(), which
    says 0 for a device or a pipe (a pipe blocks the reading thread for ever)."""
    form = tmp_path / "form.yaml"
    form.symlink_to("/dev/zero")
    dialog = _open(qtbot, page)
    dialog.load(form)
    qtbot.waitUntil(lambda: "problem" in dialog.preview_text().lower(), timeout=20000)
    assert "not a regular file" in dialog.preview_text()
    assert not dialog.ok_button.isEnabled()
