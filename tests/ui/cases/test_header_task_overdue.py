"""The case header says a task is overdue, as the Cases list and its Overdue filter do
(issue 9 walk: a case listed as overdue showed a next review months ahead and nothing else)."""

from __future__ import annotations

from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_view import open_school, session_of


def test_an_overdue_task_shows_in_the_header(cases_app: CasesApp) -> None:
    store = session_of(cases_app).store
    store.update_case(cases_app.seeded.school, {"next_review": "2099-01-01"})
    store.add_task(cases_app.seeded.school, "Call the school", due_on="2020-01-01")
    view = open_school(cases_app)
    # One line, or two on a narrow window (the date over "⚠ task overdue").
    assert " ".join(view.header.review.text().split()) == "2099-01-01 \u26a0 task overdue"
    assert "font-weight: 600" in view.header.review.styleSheet()
