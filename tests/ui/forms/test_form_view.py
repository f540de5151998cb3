"""FormView driven as an officer would: typing, clicking, the keyboard; live skip logic,
inline messages, repeats, exact answer shapes, the completion summary, every shipped form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition, FormPack, validate_answers
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms.choices import ComboEditor, MultiChoiceEditor, RadioEditor, RatingEditor
from btam_desktop.ui.forms.computed import ComputedEditor
from btam_desktop.ui.forms.inputs import FieldEditor, LineEditor, LongTextEditor
from btam_desktop.ui.forms.row import FieldRow
from btam_desktop.ui.forms.signature import SignatureEditor
from btam_desktop.ui.forms.style import FORM_STYLE

PERSONS = [("p-evan", "Marsh, Evan (Person of concern)"), ("p-lena", "Okafor, Lena (Target)")]

SIX = [{"name": n, "label": n.capitalize()} for n in
       ("foxtrot", "golf", "hotel", "india", "juliet", "kilo")]
ALL_TYPES = FormDefinition.from_dict({
    "format": "btam-form/1", "id": "all_types", "version": 3, "title": "Every field type",
    "sections": [{"id": "main", "title": "Main", "fields": [
        {"id": "t_text", "type": "text", "label": "Text"},
        {"id": "t_long", "type": "long_text", "label": "Long text"},
        {"id": "t_int", "type": "integer", "label": "Whole number",
         "constraint": ". >= 0", "constraint_message": "Must not be negative."},
        {"id": "t_dec", "type": "decimal", "label": "Decimal"},
        {"id": "t_date", "type": "date", "label": "Date"},
        {"id": "t_time", "type": "time", "label": "Time"},
        {"id": "t_dt", "type": "datetime", "label": "Date and time"},
        {"id": "t_radio", "type": "choice", "label": "Short choice",
         "choices": [{"name": "alpha", "label": "Alpha"}, {"name": "bravo", "label": "Bravo"}]},
        {"id": "t_combo", "type": "choice", "label": "Long choice", "choices": SIX},
        {"id": "t_multi", "type": "multi_choice", "label": "Several",
         "choices": [{"name": "x", "label": "Ex"}, {"name": "y", "label": "Why"},
                     {"name": "z", "label": "Zed"}]},
        {"id": "t_ynu", "type": "yes_no_unknown", "label": "Yes or no", "required": True},
        {"id": "t_when", "type": "text", "label": "Needed when yes",
         "required": "${t_ynu} = 'yes'"},
        {"id": "t_rating", "type": "rating", "label": "Rating",
         "scale": {"min": 1, "max": 5, "labels": {1: "Low", 5: "High"}}},
        {"id": "t_person", "type": "person", "label": "Person"},
        {"id": "t_note", "type": "note", "label": "A **note** for the officer."},
        {"id": "t_sig", "type": "signature", "label": "Signed by"},
        {"id": "t_count", "type": "integer", "label": "Things listed",
         "calculation": "count(${t_rep})"},
        {"id": "t_rep", "type": "repeat", "label": "Things", "item_label": "Thing",
         "min_items": 1, "max_items": 2, "fields": [
             {"id": "r_name", "type": "text", "label": "Name", "required": True},
             {"id": "r_kind", "type": "yes_no_unknown", "label": "Kind"},
             {"id": "r_detail", "type": "text", "label": "Detail",
              "relevant": "${r_kind} = 'yes'"}]},
    ]}],
})
SAMPLE: dict[str, Any] = {
    "t_text": "Seen near the gate",
    "t_long": "Line one\nLine two",
    "t_int": 42,
    "t_dec": 2.5,
    "t_date": "2024-03-04",
    "t_time": "09:05",
    "t_dt": "2024-03-04T14:05",
    "t_radio": "bravo",
    "t_combo": "india",
    "t_multi": ["x", "z"],
    "t_ynu": "yes",
    "t_when": "Now",
    "t_rating": 3,
    "t_person": "p-lena",
    "t_sig": {"name": "Dana Reyes", "badge": "4471", "date": "2024-03-05"},
    "t_rep": [{"r_name": "Bag", "r_kind": "yes", "r_detail": "Black"}, {"r_name": "Note"}],
}


def make(form: FormDefinition, answers: dict[str, Any] | None = None, **kwargs: Any) -> FormView:
    return FormView(form, answers or {}, persons=kwargs.pop("persons", PERSONS), **kwargs)


def line(view: FormView, path: str) -> QLineEdit:
    editor = view.editor(path)
    assert editor is not None
    target = editor.focus_target()
    assert isinstance(target, QLineEdit)
    return target


def radio(view: FormView, path: str, value: str) -> QWidget:
    editor = view.editor(path)
    assert isinstance(editor, RadioEditor)
    return editor.button_for(value)


def row(view: FormView, path: str) -> FieldRow:
    found = view.row(path)
    assert found is not None, path
    return found


def click(qtbot: QtBot, widget: QWidget) -> None:
    """Click the middle of ``widget`` once the layout has given it a size (a widget added to
    a visible window is laid out from the event loop)."""
    qtbot.waitUntil(lambda: widget.width() > 0 and widget.height() > 0, timeout=2000)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


# -- typing and answers ---------------------------------------------------------------------


def test_typing_into_a_text_field_emits_answers_changed(
    threat: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    view = show(make(threat))
    with qtbot.waitSignal(
        view.answersChanged, check_params_cb=lambda a: a.get("case_lead") == "Det. Reyes"
    ):
        qtbot.keyClicks(line(view, "case_lead"), "Det. Reyes")
    assert view.answers() == {"case_lead": "Det. Reyes"}


def test_set_answers_does_not_emit(threat: FormDefinition, qtbot: QtBot) -> None:
    view = make(threat)
    qtbot.addWidget(view)
    with qtbot.assertNotEmitted(view.answersChanged):
        view.set_answers({"case_lead": "X"})
    assert view.answers() == {"case_lead": "X"}


def test_every_type_round_trips_exactly(qtbot: QtBot) -> None:
    assert validate_answers(ALL_TYPES, SAMPLE, True, person_ids=["p-evan", "p-lena"]) == []
    view = make(ALL_TYPES, SAMPLE)
    qtbot.addWidget(view)
    assert view.answers() == SAMPLE
    view.set_answers({})
    assert view.answers() == {}


def test_inputs_produce_answers_json_shapes(show: Any, qtbot: QtBot) -> None:
    view = show(make(ALL_TYPES))
    qtbot.keyClicks(line(view, "t_text"), "Gate")
    long_editor = view.editor("t_long")
    assert isinstance(long_editor, LongTextEditor)
    qtbot.keyClicks(long_editor.text, "Two")
    qtbot.keyClick(long_editor.text, Qt.Key.Key_Return)
    qtbot.keyClicks(long_editor.text, "lines")
    qtbot.keyClicks(line(view, "t_int"), "42")
    qtbot.keyClicks(line(view, "t_dec"), "2,5")
    qtbot.keyClicks(line(view, "t_date"), "20240304")
    qtbot.keyClick(line(view, "t_date"), Qt.Key.Key_Return)
    qtbot.keyClicks(line(view, "t_time"), "905")
    qtbot.keyClick(line(view, "t_time"), Qt.Key.Key_Return)
    qtbot.keyClicks(line(view, "t_dt"), "2024-03-04 14:05")
    click(qtbot, radio(view, "t_radio", "bravo"))
    combo = view.editor("t_combo")
    assert isinstance(combo, ComboEditor)
    combo.combo.setFocus()
    qtbot.keyClick(combo.combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo.combo, Qt.Key.Key_Down)
    multi = view.editor("t_multi")
    assert isinstance(multi, MultiChoiceEditor)
    click(qtbot, multi.box_for("z"))  # clicked out of order: the answer keeps form order
    click(qtbot, multi.box_for("x"))
    click(qtbot, radio(view, "t_ynu", "unknown"))
    rating = view.editor("t_rating")
    assert isinstance(rating, RatingEditor)
    click(qtbot, rating.button_for(3))
    person = view.editor("t_person")
    assert isinstance(person, ComboEditor)
    person.combo.setFocus()
    qtbot.keyClick(person.combo, Qt.Key.Key_Down)
    signature = view.editor("t_sig")
    assert isinstance(signature, SignatureEditor)
    qtbot.keyClicks(signature.name, "Dana Reyes")
    qtbot.keyClicks(signature.badge, "4471")
    qtbot.keyClicks(signature.date.line, "2024-03-05")
    assert view.answers() == {
        "t_text": "Gate",
        "t_long": "Two\nlines",
        "t_int": 42,
        "t_dec": 2.5,
        "t_date": "2024-03-04",
        "t_time": "09:05",
        "t_dt": "2024-03-04T14:05",
        "t_radio": "bravo",
        "t_combo": "golf",
        "t_multi": ["x", "z"],
        "t_ynu": "unknown",
        "t_rating": 3,
        "t_person": "p-evan",
        "t_sig": {"name": "Dana Reyes", "badge": "4471", "date": "2024-03-05"},
    }


def test_unanswered_stays_unanswered(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    """Visiting a date (or any) field and leaving it adds nothing: no silent "today"."""
    view = show(make(threat))
    date = line(view, "inquiry_start_date")
    date.setFocus()
    qtbot.keyClick(date, Qt.Key.Key_Tab)
    qtbot.keyClick(date, Qt.Key.Key_Return)
    assert view.answers() == {}
    assert date.text() == ""


def test_clearing_a_choice_makes_it_unanswered(show: Any, qtbot: QtBot) -> None:
    view = show(make(ALL_TYPES))
    yes = radio(view, "t_ynu", "yes")
    click(qtbot, yes)
    assert view.answers()["t_ynu"] == "yes"
    clear = row(view, "t_ynu").clear_button
    assert clear is not None and clear.isVisible()
    click(qtbot, clear)
    assert "t_ynu" not in view.answers()
    assert not clear.isVisible()
    click(qtbot, yes)
    qtbot.keyClick(yes, Qt.Key.Key_Delete)  # the keyboard way
    assert "t_ynu" not in view.answers()


def test_values_the_view_cannot_show_are_kept(qtbot: QtBot) -> None:
    stored = {
        "t_combo": "retired_choice",
        "t_multi": ["x", "gone"],
        "t_radio": "charlie",
        "t_person": "p-removed",
        "t_count": 7,  # a stale computed value
        "old_field": {"from": "version 2"},
        "t_rep": [{"r_name": "Bag", "r_old": 1}],
    }
    view = make(ALL_TYPES, stored)
    qtbot.addWidget(view)
    assert view.answers() == stored
    combo = view.editor("t_person")
    assert isinstance(combo, ComboEditor)
    assert "no longer on this case" in combo.combo.currentText()


# -- skip logic, computed values ------------------------------------------------------------


def test_yes_shows_the_emergency_questions(pack: FormPack, show: Any, qtbot: QtBot) -> None:
    """intake_referral: any "yes" in the danger screen shows the STOP note and the emergency
    questions; their answers stay (hidden) when the danger answer changes back."""
    view = show(make(pack["intake_referral"]))
    dependent = ("danger_stop_note", "emergency_actions_taken", "emergency_incident_number")
    assert all(not row(view, path).isVisible() for path in dependent)
    with qtbot.waitSignal(view.answersChanged):
        click(qtbot, radio(view, "danger_weapon_specific", "yes"))
    assert all(row(view, path).isVisible() for path in dependent)
    assert row(view, "emergency_actions_taken").required  # "*" and "Required." are shown
    qtbot.keyClicks(line(view, "emergency_incident_number"), "CAD-2024-0117")
    click(qtbot, radio(view, "danger_weapon_specific", "no"))
    assert all(not row(view, path).isVisible() for path in dependent)
    assert view.answers() == {
        "danger_weapon_specific": "no",
        "emergency_incident_number": "CAD-2024-0117",
    }
    click(qtbot, radio(view, "danger_self_harm", "unknown"))
    assert row(view, "danger_unknown_note").isVisible()


def test_a_section_appears_with_its_answer(pack: FormPack, show: Any, qtbot: QtBot) -> None:
    view = show(make(pack["screening_triage"]))
    school = view.section_box("school_branch")
    assert not school.isVisible()
    click(qtbot, radio(view, "school_related", "yes"))
    assert school.isVisible()
    assert not view.sections_list.item(
        list(view.form.sections).index(view.form.section("school_branch"))
    ).isHidden()


def test_computed_value_updates_live(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(make(threat))
    weapons = view.repeat("weapons")
    assert not row(view, "weapons").isVisible()
    click(qtbot, radio(view, "weapons_access", "yes"))
    assert row(view, "weapons").isVisible()
    click(qtbot, weapons.add_button)
    click(qtbot, weapons.add_button)
    computed = view.editor("weapons_listed")
    assert isinstance(computed, ComputedEditor)
    assert computed.line.text() == "2"
    assert computed.line.isReadOnly()
    assert "weapons_listed" not in view.answers()


# -- inline messages -------------------------------------------------------------------------


def test_constraint_message_appears_and_goes(
    threat: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    view = show(make(threat))
    rationale = view.editor("concern_rationale")
    assert isinstance(rationale, LongTextEditor)
    qtbot.keyClicks(rationale.text, "Grievance.")
    message = row(view, "concern_rationale").message_text()
    assert message == threat.field("concern_rationale").constraint_message
    qtbot.keyClicks(rationale.text, " Specific target named twice, with a date and a plan.")
    assert row(view, "concern_rationale").message_text() == ""


def test_date_in_the_future_is_refused_inline(
    pack: FormPack, show: Any, qtbot: QtBot
) -> None:
    view = show(make(pack["intake_referral"]))
    qtbot.keyClicks(line(view, "received_date"), "2099-01-01")
    assert row(view, "received_date").message_text() == "The date received cannot be in the future."


def test_half_typed_date_is_kept_and_flagged_once_finished(
    threat: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    view = show(make(threat))
    date = line(view, "inquiry_start_date")
    qtbot.keyClicks(date, "2024-1")
    assert row(view, "inquiry_start_date").message_text() == ""  # still typing
    assert view.answers() == {"inquiry_start_date": "2024-1"}  # kept, not dropped
    qtbot.keyClick(date, Qt.Key.Key_Return)
    assert "YYYY-MM-DD" in row(view, "inquiry_start_date").message_text()
    qtbot.keyClicks(date, "0-05")
    qtbot.keyClick(date, Qt.Key.Key_Return)
    assert view.answers() == {"inquiry_start_date": "2024-10-05"}
    assert row(view, "inquiry_start_date").message_text() == ""


def test_number_constraint(show: Any, qtbot: QtBot) -> None:
    view = show(make(ALL_TYPES))
    qtbot.keyClicks(line(view, "t_int"), "-3")
    assert row(view, "t_int").message_text() == "Must not be negative."
    qtbot.keyClicks(line(view, "t_int"), "x")  # refused by the input itself
    assert view.answers()["t_int"] == -3


# -- repeats -----------------------------------------------------------------------------------


def test_add_and_remove_repeat_items(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(make(threat))
    targets = view.repeat("targets")
    with qtbot.waitSignal(view.answersChanged, check_params_cb=lambda a: a == {"targets": [{}]}):
        click(qtbot, targets.add_button)
    person = view.editor("targets[0].target_person")
    assert person is not None and person.focus_target().hasFocus()  # the new item's first input
    qtbot.keyClicks(line(view, "targets[0].target_description"), "Works yard")
    click(qtbot, targets.add_button)
    qtbot.keyClicks(line(view, "targets[1].target_description"), "Shift supervisor")
    assert [panel.title.text() for panel in targets.items] == [
        "Possible target 1", "Possible target 2"]
    click(qtbot, targets.items[0].remove_button)
    assert view.answers() == {"targets": [{"target_description": "Shift supervisor"}]}
    assert [panel.title.text() for panel in targets.items] == ["Possible target 1"]
    assert line(view, "targets[0].target_description").text() == "Shift supervisor"


def test_repeat_limits_are_honoured(show: Any, qtbot: QtBot) -> None:
    view = show(make(ALL_TYPES))
    things = view.repeat("t_rep")
    assert "at least 1 needed" in things.count_label.text()
    click(qtbot, things.add_button)
    assert not things.items[0].remove_button.isEnabled()  # min_items: 1
    click(qtbot, things.add_button)
    assert not things.add_button.isEnabled()  # max_items: 2
    assert things.items[0].remove_button.isEnabled()
    click(qtbot, things.items[1].remove_button)
    assert len(things.items) == 1 and things.add_button.isEnabled()
    assert view.editor("t_count") is not None
    count = view.editor("t_count")
    assert isinstance(count, ComputedEditor) and count.line.text() == "1"


def test_member_relevance_is_per_item(show: Any, qtbot: QtBot) -> None:
    view = show(make(ALL_TYPES, {"t_rep": [{}, {}]}))
    click(qtbot, radio(view, "t_rep[1].r_kind", "yes"))
    assert row(view, "t_rep[1].r_detail").isVisible()
    assert not row(view, "t_rep[0].r_detail").isVisible()


# -- required marks ---------------------------------------------------------------------------


def test_required_fields_are_marked(threat: FormDefinition, qtbot: QtBot) -> None:
    view = make(threat)
    qtbot.addWidget(view)
    for each in view.rows():
        if each.editor is None:
            continue
        required = each.field.required is True and not each.field.is_computed
        assert each.label.text().endswith(" *") == required, each.path
        assert each.editor.accessibleDescription().startswith("Required.") == required


def test_expression_required_mark_follows_answers(show: Any, qtbot: QtBot) -> None:
    view = show(make(ALL_TYPES))
    when = row(view, "t_when")
    assert not when.required
    click(qtbot, radio(view, "t_ynu", "yes"))
    assert when.required and when.label.text() == "Needed when yes *"
    qtbot.keyClicks(line(view, "t_when"), "Now")  # answered: still required, mark stays
    assert when.required
    click(qtbot, radio(view, "t_ynu", "no"))
    assert not when.required


# -- keyboard and accessibility ---------------------------------------------------------------


def _focus_order(view: FormView) -> list[str]:
    """Paths of the rows the Tab key visits, in order (consecutive repeats collapsed)."""
    order: list[str] = []
    widget = view.nextInFocusChain()
    while widget is not None and widget is not view:
        if (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.isVisibleTo(view)
            and widget.isEnabled()
        ):
            found = view._row_of(widget)
            if found is not None and (not order or order[-1] != found.path):
                order.append(found.path)
        widget = widget.nextInFocusChain()
    return order


def test_tab_order_follows_the_form(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(make(threat, {"weapons_access": "yes"}))
    click(qtbot, view.repeat("targets").add_button)
    click(qtbot, view.repeat("weapons").add_button)
    click(qtbot, view.repeat("targets").add_button)
    # A repeat's own row is reached through its Add button, after its items.
    visible = [each.path for each in view.rows() if each.isVisibleTo(view)
               and each.editor is not None and not each.field.is_repeat]
    order = [path for path in _focus_order(view) if path in visible]
    assert order == [path for path in visible if path in order]
    assert "targets[1].target_person" in order
    assert order.index("targets[1].target_aware") < order.index("motives_sources")


def test_guidance_comes_after_the_last_question(threat: FormDefinition, qtbot: QtBot) -> None:
    view = make(threat)
    qtbot.addWidget(view)
    last = view.editor("recommended_next_steps")
    assert last is not None
    widget = last.focus_target().nextInFocusChain()
    while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
        widget = widget.nextInFocusChain()
    assert widget is view.guidance.browser


def test_tab_moves_to_the_next_question(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(make(threat))
    start = line(view, "inquiry_start_date")
    start.setFocus()
    qtbot.keyClick(start, Qt.Key.Key_Tab)  # to "Today"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # to "Calendar…"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is line(view, "case_lead")


def test_accessible_names_are_the_labels(pack: FormPack, qtbot: QtBot) -> None:
    for form in pack:
        view = make(form, persons=[])
        qtbot.addWidget(view)
        for each in view.rows():
            if each.editor is None:
                continue
            assert each.editor.accessibleName() == each.field.label
            target = each.editor.focus_target()
            if isinstance(target, QLineEdit | QPlainTextEdit | QComboBox) and not isinstance(
                each.editor, SignatureEditor
            ):
                assert target.accessibleName() == each.field.label, each.path


def test_shortcuts_are_documented_and_work(
    threat: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    view = show(make(threat))
    assert "Ctrl+S" in view.save_button.toolTip()
    assert "Ctrl+Enter" in view.complete_button.toolTip()
    assert "Ctrl+J" in view.sections_list.toolTip()
    field = line(view, "case_lead")
    field.setFocus()
    with qtbot.waitSignal(view.saveRequested, timeout=1000):
        qtbot.keyClick(field, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    rationale = view.editor("concern_rationale")
    assert isinstance(rationale, LongTextEditor)
    rationale.text.setFocus()
    with qtbot.assertNotEmitted(view.completeRequested):
        qtbot.keyClick(rationale.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert view.summary.isVisible()  # Ctrl+Enter tried to complete: the summary lists gaps
    assert rationale.value() is None  # and no line break was typed


def test_section_list_jumps(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(make(threat))
    nav = view.sections_list
    index = [s.id for s in threat.sections].index("judgement")
    item = nav.item(index)
    click(qtbot, nav.viewport())  # focus the list
    nav.setCurrentItem(item)
    qtbot.keyClick(nav, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is line(view, "judgement_date")
    assert view.scroll_area.verticalScrollBar().value() > 0


def test_guidance_follows_the_focus(pack: FormPack, show: Any, qtbot: QtBot) -> None:
    view = show(make(pack["intake_referral"]))
    assert "BTAM" in view.guidance.markdown()  # the form's own guidance first
    radio(view, "danger_weapon_specific", "yes").setFocus()
    text = view.guidance.markdown()
    assert "A weapon combined with a named person" in text  # the question's guidance
    assert "Answer these before anything else" in text  # and its section's


def test_read_only_view_changes_nothing(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    answers = {"case_lead": "Det. Reyes", "poc_is_minor": "no", "targets": [{}]}
    view = show(make(threat, answers, read_only=True))
    with qtbot.assertNotEmitted(view.answersChanged):
        qtbot.keyClicks(line(view, "case_lead"), "XYZ")
        minor_yes = radio(view, "poc_is_minor", "yes")
        minor_yes.setFocus()
        qtbot.keyClick(minor_yes, Qt.Key.Key_Space)
        click(qtbot, minor_yes)
    assert view.answers() == answers
    assert not view.complete_button.isVisible() and not view.save_button.isVisible()
    assert not view.repeat("targets").add_button.isVisible()
    assert not view.repeat("targets").items[0].remove_button.isVisible()


def test_style_uses_palette_roles_only() -> None:
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|\b(white|black)\b", FORM_STYLE)
    assert "palette(" in FORM_STYLE


# -- completing -------------------------------------------------------------------------------


def test_complete_lists_what_is_missing(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(make(threat, {"case_lead": "Det. Reyes"}))
    with qtbot.assertNotEmitted(view.completeRequested):
        click(qtbot, view.complete_button)
    assert view.summary.isVisible()
    assert view.summary.paths() == [
        "inquiry_start_date", "poc", "inquiry_reason", "judgement_date", "team_members",
        "concern_level", "concern_rationale", "recommended_next_steps"]
    assert view.summary.list.hasFocus()
    view.summary.list.setCurrentRow(2)
    qtbot.keyClick(view.summary.list, Qt.Key.Key_Return)
    rationale = view.editor("inquiry_reason")
    assert isinstance(rationale, LongTextEditor) and rationale.text.hasFocus()
    qtbot.keyClicks(rationale.text, "Posts about the yard.")
    assert "inquiry_reason" not in view.summary.paths()  # the list follows the answers


def test_hidden_invalid_answer_can_be_reached(
    threat: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    """A half-typed date left behind in a question that is now hidden would block completion
    forever; the summary takes the officer to it."""
    view = show(make(threat, {"stressor_upcoming": "no", "stressor_upcoming_date": "2024-1"}))
    hidden = row(view, "stressor_upcoming_date")
    assert not hidden.isVisible()
    click(qtbot, view.complete_button)
    assert "stressor_upcoming_date" in view.summary.paths()
    assert view.focus_field("stressor_upcoming_date")
    assert hidden.isVisible() and hidden._hidden_note is not None
    date = line(view, "stressor_upcoming_date")
    assert date.hasFocus()
    date.selectAll()
    qtbot.keyClick(date, Qt.Key.Key_Delete)
    assert "stressor_upcoming_date" not in view.answers()
    line(view, "case_lead").setFocus()  # leaving it: hidden again
    assert not hidden.isVisible()


def confirm_completion(qtbot: QtBot, view: FormView) -> None:
    """Answer the confirmation that Complete… and Ctrl+Enter open: Complete."""
    qtbot.waitUntil(lambda: view.complete_box is not None and view.complete_box.isVisible(),
                    timeout=1000)
    assert view.complete_box is not None
    view.complete_box.complete_button.click()


def test_complete_without_problems_emits(show: Any, qtbot: QtBot) -> None:
    view = show(make(ALL_TYPES, {k: v for k, v in SAMPLE.items() if k != "t_text"}))
    with qtbot.assertNotEmitted(view.completeRequested):
        qtbot.keyClick(line(view, "t_text"), Qt.Key.Key_Return,
                       Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(view.completeRequested, timeout=1000) as blocker:
        confirm_completion(qtbot, view)
    assert blocker.args == [{k: v for k, v in SAMPLE.items() if k != "t_text"}]
    assert not view.summary.isVisible()


@pytest.mark.parametrize("how", ["button", "ctrl+enter"])
def test_complete_asks_first_without_blocking(how: str, show: Any, qtbot: QtBot) -> None:
    """Complete… promises a question, and Ctrl+Enter must not skip it: both open the same
    window-modal confirmation (never a nested event loop); Keep editing changes nothing."""
    view = show(make(ALL_TYPES, SAMPLE))
    field = line(view, "t_text")
    field.setFocus()

    def ask() -> None:
        if how == "button":
            click(qtbot, view.complete_button)
        else:
            qtbot.keyClick(field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    with qtbot.assertNotEmitted(view.completeRequested):
        ask()  # returns at once: the question is open, not run in a loop of its own
        box = view.complete_box
        assert box is not None and box.isVisible() and box.isModal()
        assert box.windowModality() == Qt.WindowModality.WindowModal
        assert "Every field type" in box.text() and "amend" in box.text()
        assert box.defaultButton() is not box.complete_button  # a stray Enter completes nothing
        box.keep_button.click()
    qtbot.waitUntil(lambda: view.complete_box is None, timeout=1000)
    assert not view.is_read_only()
    with qtbot.assertNotEmitted(view.completeRequested):
        ask()
        view.request_complete()  # asked twice: still one question
        assert len([w for w in view.findChildren(type(view.complete_box))
                    if w.isVisible()]) == 1
    with qtbot.waitSignal(view.completeRequested, timeout=1000):
        # Ctrl+Enter once more in the question answers it (the keys the officer just used).
        assert view.complete_box is not None
        qtbot.keyClick(view.complete_box, Qt.Key.Key_Return,
                       Qt.KeyboardModifier.ControlModifier)


def test_no_question_when_the_host_confirms_itself(show: Any, qtbot: QtBot) -> None:
    """An amendment has its own Save amendment button and reason: Ctrl+Enter saves it."""
    view = show(make(ALL_TYPES, SAMPLE))
    view.confirm_complete = False
    with qtbot.waitSignal(view.completeRequested, timeout=1000):
        qtbot.keyClick(line(view, "t_text"), Qt.Key.Key_Return,
                       Qt.KeyboardModifier.ControlModifier)
    assert view.complete_box is None


# -- every shipped form ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "form_id",
    ["case_review_closure", "contact_log", "external_instrument", "intake_referral",
     "management_plan", "partner_referral", "screening_triage", "threat_inquiry",
     "warning_behaviours"],
)
def test_every_shipped_form_builds(pack: FormPack, form_id: str, show: Any) -> None:
    form = pack[form_id]
    view = show(make(form), 900, 640)  # a small laptop window
    assert {each.path for each in view.rows()} == {
        f.id for f in form.iter_fields(members=False)}
    assert view.answers() == {}
    # Nothing is wider than the form column: no sideways scrolling, no clipped labels.
    viewport = view.scroll_area.viewport().width()
    assert view.content.minimumSizeHint().width() <= viewport
    for each in view.rows():
        if isinstance(each.editor, FieldEditor) and not isinstance(each.editor, LineEditor):
            assert each.editor.accessibleName() == each.field.label


def test_all_shipped_forms_are_listed(pack: FormPack) -> None:
    """The parametrised list above must not fall behind the pack."""
    assert sorted(form.id for form in pack) == [
        "case_review_closure", "contact_log", "external_instrument", "intake_referral",
        "management_plan", "partner_referral", "screening_triage", "threat_inquiry",
        "warning_behaviours"]


def test_clear_answer_is_no_tab_stop(show: Any, qtbot: QtBot) -> None:
    """Each answered choice added a "Clear answer" stop to Tab; Delete on the choice clears
    it (the button's tooltip says so), and the mouse can still click it."""
    view = show(make(ALL_TYPES, SAMPLE))
    clears = [r.clear_button for r in view.rows() if r.clear_button is not None
              and r.clear_button.isVisible()]
    assert len(clears) >= 3
    start = line(view, "t_text")
    start.setFocus()
    visited = []
    for _ in range(60):
        focus = QApplication.focusWidget()
        assert focus is not None
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
    assert not set(visited) & set(clears)
    assert all("Delete" in c.toolTip() for c in clears)
