"""File questions in the form view (issue 11): "Choose file…" stores the file as an encrypted
attachment of the case and answers with it; the file name is shown; a file over the
attachment limit is refused in words and nothing is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from btam_desktop.core import store as store_module
from btam_desktop.core.forms import FormDefinition
from btam_desktop.core.session import Session
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms.media import NO_FILE, MediaEditor, case_attachments

FORM = FormDefinition.from_dict({
    "format": "btam-form/1", "id": "with_photo", "version": 1, "title": "With photo",
    "sections": [{"id": "main", "title": "Main", "fields": [
        {"id": "photo", "type": "text", "text_format": "image", "label": "Photo of the note"},
        {"id": "recordings", "type": "repeat", "label": "Recordings", "fields": [
            {"id": "clip", "type": "text", "text_format": "audio", "label": "Clip"}]},
    ]}],
})


def _editor(view: FormView, path: str) -> MediaEditor:
    editor = view.editor(path)
    assert isinstance(editor, MediaEditor)
    return editor


def test_choosing_a_file_attaches_it_to_the_case(session: Session, show: Any, qtbot: QtBot,
                                                 tmp_path: Path) -> None:
    case = session.store.create_case("Media case", concern="low")
    view = show(FormView(FORM, {}))
    view.set_attachment_source(case_attachments(session, case.id))
    photo = _editor(view, "photo")
    assert photo.name_label.text() == NO_FILE and photo.choose_button.isVisible()
    picture = tmp_path / "note.jpg"
    picture.write_bytes(b"\xff\xd8\xff not really a jpeg")
    with qtbot.waitSignal(view.answersChanged, timeout=3000):
        assert photo.attach_file(picture)
    attached = session.store.attachments(case.id)
    assert [(a.filename, a.size) for a in attached] == [("note.jpg", picture.stat().st_size)]
    assert view.answers()["photo"] == attached[0].id
    assert photo.name_label.text() == "note.jpg"
    # In a repeat item too.
    view.repeat("recordings").add_item()
    clip = tmp_path / "call.m4a"
    clip.write_bytes(b"audio")
    assert _editor(view, "recordings[0].clip").attach_file(clip)
    assert len(session.store.attachments(case.id)) == 2
    # Read only: the name stays, the buttons go.
    view.set_read_only(True)
    assert photo.name_label.text() == "note.jpg"
    assert not photo.choose_button.isVisible() and not photo.remove_button.isVisible()


def test_a_file_over_the_limit_is_refused_in_words(session: Session, show: Any,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "MAX_ATTACHMENT_BYTES", 10)
    case = session.store.create_case("Media case", concern="low")
    view = show(FormView(FORM, {}))
    view.set_attachment_source(case_attachments(session, case.id))
    big = tmp_path / "big.jpg"
    big.write_bytes(b"x" * 11)
    photo = _editor(view, "photo")
    assert not photo.attach_file(big)
    assert "200 MB" in photo.error_label.text() and photo.error_label.isVisible()
    assert session.store.attachments(case.id) == [] and "photo" not in view.answers()


def test_an_answer_naming_no_attachment_of_the_case_is_pointed_out(
        session: Session, show: Any, qtbot: QtBot) -> None:
    case = session.store.create_case("Media case", concern="low")
    view = show(FormView(FORM, {"photo": "not-an-attachment"}))
    view.set_attachment_source(case_attachments(session, case.id))
    view.set_answers({"photo": "not-an-attachment"})
    row = view.row("photo")
    assert row is not None
    qtbot.waitUntil(lambda: "not an attachment of this case" in row.message_text())
    assert _editor(view, "photo").name_label.text() == "Attached file (not on this case)"
