"""Drafts say who started them (issue 9)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from btam_desktop.ui.case.forms_tab import FormsTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_forms import forms_tab, session_of


def column_of(tab: FormsTab, title: str) -> int:
    titles = [tab.model.headerData(c, Qt.Orientation.Horizontal)
              for c in range(tab.model.columnCount())]
    return titles.index(title)


def test_the_forms_list_shows_who_started_each_draft(cases_app: CasesApp) -> None:
    session = session_of(cases_app)
    session.submissions.create(cases_app.seeded.school, "contact_log", {}, strict=False)
    _view, tab = forms_tab(cases_app)
    tab.load()
    assert tab.model.index(0, column_of(tab, "Started by")).data() == "Dana Reyes"
