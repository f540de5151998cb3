"""Sections built after the first paint (issue 12): a long form shows its first screen at
once and builds the rest by itself; until then anything that needs a question not built yet
builds it first. Tab, "go to question" (the completion summary, a form put back after a
lock), inline messages, skip logic, answers and accessible names are the same as when every
section is built at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms import view as view_module
from btam_desktop.ui.forms.nav import SECTION_ROLE
from btam_desktop.ui.forms.prefill import mark_prefilled, prefill_words
from tests.ui.forms.test_form_view import _focus_order, make

#: Realistic answers spread over the whole threat inquiry, with a key from another version.
SPREAD = {
    "case_lead": "Det. Reyes",
    "grievance_present": "yes",
    "targets": [{"target_aware": "no"}],
    "weapons_access": "yes",
    "weapons": [{}],
    "weapons_listed": 2,
    "stressors_present": ["job_loss"],
    "stressor_upcoming": "yes",
    "stressor_upcoming_date": "2024-05-01",
    "others_worried": "unknown",
    "concern_rationale": "Posts name the yard and a date; access to a rifle at home.",
    "recommended_next_steps": "Interview the reporting party again.",
    "old_question": "kept as it is",
}


def _built_at_once(form: FormDefinition, answers: dict[str, Any]) -> FormView:
    view = make(form, answers)
    list(view.rows())  # every section, before anything is shown
    assert view.all_built()
    return view


def _last_question_widget(view: FormView) -> QWidget:
    """The last widget of the questions built so far that Tab stops at."""
    widget = view.guidance.browser.previousInFocusChain()
    while not (view.content.isAncestorOf(widget)
               and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
        widget = widget.previousInFocusChain()
    return widget


def _on_screen(view: FormView, widget: QWidget) -> bool:
    viewport = view.scroll_area.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    return QRect(top_left, widget.size()).intersects(viewport.rect())


def test_a_long_form_builds_its_first_screen_then_the_rest_by_itself(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = make(threat, SPREAD)
    assert not view.all_built()
    # Every section is listed from the start.
    listed = [view.sections_list.item(i).data(SECTION_ROLE)
              for i in range(view.sections_list.count())]
    assert listed == [s.id for s in threat.sections]
    show(view)
    qtbot.waitUntil(view.all_built, timeout=10_000)
    # Tab goes from the last question to the guidance text, as before.
    last = _last_question_widget(view)
    last.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(last, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.guidance.browser
    at_once = show(_built_at_once(threat, SPREAD))
    assert view.answers() == at_once.answers()
    assert _focus_order(view) == _focus_order(at_once)
    for built, whole in zip(view.rows(), at_once.rows(), strict=True):
        assert (built.path, built.accessibleName(), built.isHidden()) == (
            whole.path, whole.accessibleName(), whole.isHidden())
        if built.editor is not None:
            assert built.editor.value() == whole.editor.value()  # type: ignore[union-attr]
    for section in threat.sections:
        assert view.section_box(section.id).accessibleName() == section.title


def test_answers_of_sections_not_built_yet_are_kept_as_given(
        threat: FormDefinition, qtbot: QtBot) -> None:
    view = make(threat, SPREAD)
    qtbot.addWidget(view)
    assert not view.all_built()
    at_once = _built_at_once(threat, SPREAD)
    qtbot.addWidget(at_once)
    assert view.answers() == at_once.answers()
    assert view.answers()["old_question"] == "kept as it is"
    changed = {**SPREAD, "recommended_next_steps": "Close the inquiry."}
    del changed["weapons_listed"]
    view.set_answers(changed)  # as after a lock: answers put back before anything is built
    assert not view.all_built()
    at_once.set_answers(changed)
    assert view.answers() == at_once.answers()
    list(view.rows())
    assert view.answers() == at_once.answers()


def test_tab_from_the_last_question_built_goes_on_to_the_next_one(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = make(threat)
    view.build_in_background = False
    show(view)
    assert not view.all_built()
    # Tab between questions already built builds nothing more.
    case_lead = view.editor("case_lead")
    assert case_lead is not None
    case_lead.focus_target().setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(case_lead.focus_target(), Qt.Key.Key_Tab)
    assert view._row_of(QApplication.focusWidget()).path == "poc"  # type: ignore[union-attr]
    assert not view.all_built()
    last = _last_question_widget(view)
    last.setFocus(Qt.FocusReason.TabFocusReason)
    last_row = view._row_of(last)
    assert last_row is not None
    order = [f.id for s in threat.sections for f in s.fields if not f.hidden or f.is_repeat]
    qtbot.keyClick(last, Qt.Key.Key_Tab)
    assert view.all_built()
    # The next question shown, in form order (a note or a question skip logic hides has no
    # stop).
    following = next(
        fid for fid in order[order.index(last_row.field.id) + 1:]
        if (row := view.row(fid)) is not None and row.editor is not None
        and row.isVisibleTo(view))
    focused = view._row_of(QApplication.focusWidget())
    assert focused is not None
    assert focused.path == following
    qtbot.waitUntil(lambda: _on_screen(view, focused), timeout=3000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is last


def test_shift_tab_from_the_guidance_goes_back_to_the_last_question_of_the_form(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = make(threat)
    view.build_in_background = False
    show(view)
    assert not view.all_built()
    browser = view.guidance.browser
    browser.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(browser, Qt.Key.Key_Backtab)
    assert view.all_built()
    focused = view._row_of(QApplication.focusWidget())
    assert focused is not None and focused.path == "recommended_next_steps"


def test_going_to_a_question_not_built_yet_builds_shows_and_focuses_it(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    # A form put back after a lock: its answers, then the question that had the focus.
    view = make(threat)
    view.build_in_background = False
    show(view)
    assert not view.all_built()
    view.set_answers({"recommended_next_steps": "Call the school counsellor"})
    assert view.focus_field("recommended_next_steps")
    focus = QApplication.focusWidget()
    assert isinstance(focus, QPlainTextEdit)
    assert focus.toPlainText() == "Call the school counsellor"
    row = view.row("recommended_next_steps")
    assert row is not None and row.isAncestorOf(focus)
    qtbot.waitUntil(lambda: _on_screen(view, focus), timeout=3000)
    assert view.sections_list.currentItem().data(SECTION_ROLE) == "judgement"


def test_the_section_list_goes_to_a_section_not_built_yet(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = make(threat)
    view.build_in_background = False
    show(view)
    assert not view.all_built()
    items = {view.sections_list.item(i).data(SECTION_ROLE): view.sections_list.item(i)
             for i in range(view.sections_list.count())}
    view.sections_list.itemActivated.emit(items["protective"])
    focused = view._row_of(QApplication.focusWidget())
    assert focused is not None and focused.path == "trusted_relationship"
    qtbot.waitUntil(lambda: _on_screen(view, focused), timeout=3000)


def test_problems_in_sections_not_built_yet_are_listed_shown_and_reached(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    answers = {"weapons_listed": "several", "concern_rationale": "Too short."}
    view = make(threat, answers)
    view.build_in_background = False
    show(view)
    assert not view.all_built()
    assert not view.request_complete()
    at_once = _built_at_once(threat, answers)
    qtbot.addWidget(at_once)
    at_once.request_complete()
    listed = [view.summary.list.item(i).text() for i in range(view.summary.list.count())]
    assert listed == [at_once.summary.list.item(i).text()
                      for i in range(at_once.summary.list.count())]
    assert any(text.startswith("Team judgement \u203a ") for text in listed)
    for path in ("weapons_listed", "concern_rationale"):
        row = view.row(path)
        assert row is not None and row.problem is not None, path
    index = view.summary.paths().index("concern_rationale")
    view.summary.problemActivated.emit(view.summary.paths()[index])
    row = view.row("concern_rationale")
    assert row is not None and row.isAncestorOf(QApplication.focusWidget())


def _many_sections(count: int) -> FormDefinition:
    """A long form in two languages whose last section appears only after an answer in the
    first."""
    sections: list[dict[str, Any]] = [{"id": "start", "title": "Start", "fields": [
        {"id": "more", "type": "yes_no_unknown", "label": "More to tell?"}]}]
    for n in range(count):
        sections.append({
            "id": f"part{n}", "title": f"Part {n}",
            "translations": {"Español": {"title": f"Parte {n}"}},
            "fields": [{"id": f"p{n}_{k}", "type": "long_text",
                        "label": f"Part {n}, question {k}",
                        "translations": {"Español": {"label": f"Parte {n}, pregunta {k}"}}}
                       for k in range(4)]})
    sections.append({"id": "more_details", "title": "More details",
                     "relevant": "${more} = 'yes'", "fields": [
                         {"id": "details", "type": "text", "label": "Details",
                          "constraint": "string-length(.) <= 5",
                          "constraint_message": "Five letters at most."}]})
    return FormDefinition.from_dict({"format": "btam-form/1", "id": "long", "version": 1,
                                     "title": "Long", "languages": ["English", "Español"],
                                     "default_language": "English", "sections": sections})


def test_skip_logic_reaches_sections_not_built_yet(show: Any, qtbot: QtBot) -> None:
    form = _many_sections(12)
    view = FormView(form, {})
    view.build_in_background = False
    show(view)
    assert not view.all_built()
    item = view.sections_list.item(view.sections_list.count() - 1)
    assert item.data(SECTION_ROLE) == "more_details" and item.isHidden()
    editor = view.editor("more")
    assert editor is not None
    with qtbot.waitSignal(view.answersChanged):
        editor.button_for("yes").click()  # type: ignore[attr-defined]
    assert not item.isHidden()
    assert not view.all_built()  # answering does not build what is not needed yet
    view.set_answers({"more": "yes", "details": "far too long"})
    row = view.row("details")
    assert row is not None and not row.isHidden()
    problem = row.problem
    assert problem is not None and problem[0] == "constraint"


def test_a_language_chosen_before_a_section_is_built_is_the_one_it_shows(
        show: Any, qtbot: QtBot) -> None:
    form = _many_sections(12)
    view = FormView(form, {"p11_3": "Respuesta"})
    view.build_in_background = False
    show(view)
    assert not view.all_built()
    try:
        view.set_language("Español")
        row = view.row("p11_3")  # in the last part: built now, in Spanish
        assert row is not None and row.label_text == "Parte 11, pregunta 3"
        assert row.accessibleName() == "Parte 11, pregunta 3"
        assert view.section_box("part11").title.text() == "Parte 11"
        assert row.editor is not None and row.editor.value() == "Respuesta"
    finally:
        view_module.remembered_languages.pop(form.id, None)


def test_a_read_only_form_is_read_only_in_sections_built_later(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = make(threat, SPREAD, read_only=True)
    assert not view.all_built()
    show(view)
    qtbot.waitUntil(view.all_built, timeout=10_000)
    editors = [row.editor for row in view.rows() if row.editor is not None]
    assert editors and all(editor.is_read_only() for editor in editors)
    at_once = _built_at_once(threat, SPREAD)
    qtbot.addWidget(at_once)
    assert view.answers() == at_once.answers()


def test_a_filtered_answer_in_a_section_not_built_yet_is_cleared_with_its_note(
        show: Any, qtbot: QtBot) -> None:
    sections: list[dict[str, Any]] = [{"id": "where", "title": "Where", "fields": [
        {"id": "district", "type": "choice", "label": "District", "choices": [
            {"name": "north", "label": "North"}, {"name": "south", "label": "South"}]}]}]
    for n in range(12):
        sections.append({"id": f"part{n}", "title": f"Part {n}", "fields": [
            {"id": f"p{n}_{k}", "type": "long_text", "label": f"Part {n}, question {k}"}
            for k in range(4)]})
    sections.append({"id": "school_part", "title": "School", "fields": [
        {"id": "school", "type": "choice", "label": "School",
         "choice_filter": "choice('district') = ${district}", "choices": [
             {"name": "lincoln", "label": "Lincoln High", "data": {"district": "north"}},
             {"name": "washington", "label": "Washington High",
              "data": {"district": "south"}}]}]})
    form = FormDefinition.from_dict({"format": "btam-form/1", "id": "filtered", "version": 1,
                                     "title": "Filtered", "sections": sections})
    view = FormView(form, {"district": "north", "school": "lincoln"})
    view.build_in_background = False
    show(view)
    assert not view.all_built()
    assert view.answers()["school"] == "lincoln"
    district = view.editor("district")
    assert district is not None
    with qtbot.waitSignal(view.answersChanged):
        district.button_for("south").click()  # type: ignore[attr-defined]
    assert "school" not in view.answers()
    row = view.row("school")
    assert row is not None
    assert "Lincoln High" in row.notice_text() and "cleared" in row.notice_text()


def test_a_prefilled_answer_in_a_section_not_built_yet_is_marked_once_built(
        show: Any, qtbot: QtBot) -> None:
    # Pre-filling a new form from the case does not build the sections it reaches.
    form = _many_sections(12)
    view = FormView(form, {"p11_3": "From the case", "p10_0": "Also from the case"})
    view.build_in_background = False
    show(view)
    marked = mark_prefilled(view, {"p11_3": "the summary", "p10_0": "the notes",
                                   "no_such_field": "anything"})
    assert marked == ["p11_3", "p10_0"]
    assert "p10_0" not in view._rows and "p11_3" not in view._rows  # not built for that
    # Answers put back by code before the section is built: a replaced answer loses its mark.
    view.set_answers({"p11_3": "From the case", "p10_0": "Typed over"})
    kept, replaced = view.row("p11_3"), view.row("p10_0")
    assert kept is not None and replaced is not None
    assert kept.prefilled == prefill_words("the summary")
    assert replaced.prefilled is None


def test_scrolling_down_builds_what_comes_next_and_the_end_is_the_end(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = make(threat)
    view.build_in_background = False
    show(view, 1280, 700)
    view.set_read_only(True)  # read with the wheel: the focus stays out of the questions
    bar = view.scroll_area.verticalScrollBar()
    built = len(list(view._built_rows()))
    bar.setValue(max(0, bar.maximum() - 10))  # near the end of what is built: a little more
    assert built < len(list(view._built_rows()))
    assert not view.all_built()
    bar.setValue(bar.maximum())  # the end: the end of the form
    assert view.all_built()
    assert bar.value() == bar.maximum()
    qtbot.waitUntil(lambda: view.sections_list.currentItem() is not None
                    and view.sections_list.currentItem().data(SECTION_ROLE)
                    == threat.sections[-1].id, timeout=3000)
