"""Every model the case views use passes pytest-qt's model tester, loaded, filtered, sorted
and updated; the case table keeps the selection across sorts and updates."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from btam_desktop.core import queries
from btam_desktop.core.model import Task, TimelineEntry
from btam_desktop.core.queries import NOT_CLOSED, CaseFilter, CaseRow
from btam_desktop.ui.case.badges import CONCERN_ROLE
from btam_desktop.ui.case.history_tab import AUDIT_COLUMNS, CHANGE_COLUMNS
from btam_desktop.ui.case.people_tab import COLUMNS as PEOPLE_COLUMNS
from btam_desktop.ui.case.timeline_tab import COLUMNS as TIMELINE_COLUMNS
from btam_desktop.ui.case.timeline_tab import entry_style
from btam_desktop.ui.models.case_table import CASE_ID_ROLE, COLUMN_KEYS, CaseTableModel
from btam_desktop.ui.models.records import RECORD_ROLE, Column, RecordTableModel
from tests.ui.cases.conftest import CasesApp

TODAY = date.today()


def row(n: int, **values: object) -> CaseRow:
    base = dict(id=f"id-{n}", number=f"2026-{n:04d}-K7Q", title=f"Case {n}", status="open",
                concern="low", tier="universal", next_review=None,
                opened_on=(TODAY - timedelta(days=n)).isoformat(), task_due=None,
                assigned=(), doc=1000 - n)  # documents in list order, as search gives them
    base.update(values)
    return CaseRow(**base)  # type: ignore[arg-type]


def test_case_table_model(qtmodeltester: ModelTester) -> None:
    model = CaseTableModel()
    rows = [row(1, concern="high", next_review="2000-01-01"), row(2, status="closed"),
            row(3, assigned=("m1",), concern="imminent"), row(4, task_due="2000-01-01")]
    model.load(rows, {"m1": "Dana Reyes"})
    qtmodeltester.check(model)
    assert model.rowCount() == 4 and model.columnCount() == len(COLUMN_KEYS)
    assert model.index(0, 0).data(CASE_ID_ROLE) == "id-1"  # newest first
    concern = COLUMN_KEYS.index("concern")
    assert model.index(0, concern).data(CONCERN_ROLE) == "high"
    assert model.index(0, 0).data(CONCERN_ROLE) is None
    model.sort(concern, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    assert model.case_id(0) == "id-3"
    model.set_filter(CaseFilter(status=NOT_CLOSED))
    assert model.rowCount() == 3 and model.row_of("id-2") == -1
    model.set_filter(CaseFilter(overdue=True))
    assert {model.case_id(r) for r in range(model.rowCount())} == {"id-1", "id-4"}
    model.set_filter(CaseFilter(text="x"), frozenset({1000 - 3}))  # id-3's document
    assert [model.case_id(r) for r in range(model.rowCount())] == ["id-3"]
    model.set_filter(CaseFilter())
    model.update_cases([row(5, title="New one"), row(1, concern="moderate")], gone={"id-2"})
    qtmodeltester.check(model)
    assert model.total() == 4 and model.row_of("id-2") == -1 and model.row_of("id-5") >= 0
    assigned = COLUMN_KEYS.index("assigned")
    assert model.index(model.row_of("id-3"), assigned).data() == "Dana Reyes"
    model.set_member_names({})
    assert model.index(model.row_of("id-3"), assigned).data() == "(former member)"
    # A change that keeps a case's place repaints its row only: no reset, selection kept.
    resets: list[int] = []
    repainted: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda top, _bottom, _roles: repainted.append(top.row()))
    at = model.row_of("id-3")
    model.update_cases([row(3, assigned=("m1",), concern="imminent", title="Renamed")])
    assert resets == [] and repainted == [at]
    assert model.index(at, COLUMN_KEYS.index("title")).data() == "Renamed"
    model.update_cases([row(3, assigned=("m1",), concern="low")])
    assert resets == [1]  # sorted by concern: the case moves, so the view is rebuilt
    qtmodeltester.check(model)
    model.clear()
    assert model.rowCount() == 0 and not model.loaded


def test_case_table_model_on_a_real_vault(qtmodeltester: ModelTester,
                                          cases_app: CasesApp) -> None:
    qtmodeltester.check(cases_app.page.list.model)


def test_record_models(qtmodeltester: ModelTester) -> None:
    entries = [
        TimelineEntry(id="e1", case_id="c", kind="note", occurred_at="2026-03-01T10:00",
                      recorded_at="2026-03-01T10:05:00Z", author_name="Dana", summary="First",
                      superseded_by="e2"),
        TimelineEntry(id="e2", case_id="c", kind="note", occurred_at="2026-03-01T10:00",
                      recorded_at="2026-03-02T10:05:00Z", author_name="Dana",
                      summary="First, corrected", supersedes="e1"),
        TimelineEntry(id="e3", case_id="c", kind="concern_change",
                      occurred_at="2026-02-01T09:00", recorded_at="2026-02-01T09:00:00Z",
                      author_name="Sam", summary="Concern level low → high"),
    ]
    timeline: RecordTableModel[TimelineEntry] = RecordTableModel(TIMELINE_COLUMNS,
                                                                 row_style=entry_style)
    timeline.set_records(entries)
    qtmodeltester.check(timeline)
    assert timeline.index(0, 0).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert timeline.index(2, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert timeline.index(1, 0).data(RECORD_ROLE) is entries[1]
    timeline.sort(0, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(timeline)
    assert timeline.record(0).id == "e3"

    tasks: RecordTableModel[Task] = RecordTableModel((
        Column("Title", lambda t: t.title), Column("Due", lambda t: t.due_on or "")))
    tasks.set_records([Task("t1", "c", "task", "Call", "2026-01-01"),
                       Task("t2", "c", "review", "Review", None)])
    qtmodeltester.check(tasks)
    tasks.sort(1, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(tasks)
    tasks.clear()
    assert tasks.rowCount() == 0


def test_tab_models_on_a_real_case(qtmodeltester: ModelTester, cases_app: CasesApp) -> None:
    session = cases_app.controller.session
    assert session is not None
    store = session.store
    school = cases_app.seeded.school
    store.update_case(school, {"concern": "moderate"}, reason="Calmer")
    people: RecordTableModel[object] = RecordTableModel(PEOPLE_COLUMNS)  # type: ignore[arg-type]
    people.set_records(store.case_persons(school))
    changes: RecordTableModel[object] = RecordTableModel(CHANGE_COLUMNS)  # type: ignore[arg-type]
    changes.set_records(store.field_history(school))
    audit: RecordTableModel[object] = RecordTableModel(AUDIT_COLUMNS)  # type: ignore[arg-type]
    audit.set_records(store.audit_trail(school))
    for model in (people, changes, audit):
        assert model.rowCount() > 0
        qtmodeltester.check(model)
    view = cases_app.page.open_case(school)
    assert view is not None
    for tab_class, tab in view.case_tabs.items():
        view.show_tab(tab_class)
        for model in tab.findChildren(RecordTableModel):
            qtmodeltester.check(model)


def test_queries_sort_is_stable_for_the_table() -> None:
    rows = [row(1, concern="high"), row(2, concern="high"), row(3)]
    order = queries.order(rows, range(3), "concern", descending=True)
    assert order == [0, 1, 2]
