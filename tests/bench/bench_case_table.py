"""Benchmark: the Cases page's table at 100,000 cases against the same questions in SQL.

Run by hand (pytest does not collect ``tests/bench``)::

    .venv/bin/python tests/bench/bench_case_table.py                    # 100,000 demo cases
    .venv/bin/python tests/bench/bench_case_table.py --cases 10000
    .venv/bin/python tests/bench/bench_case_table.py --vault v.btam --passphrase ...  # reuse

It builds a vault with :func:`btam_desktop.core.demo.generate` (about 3.5 minutes for
100,000 cases on 2 vCPUs), then times, in one run:

* loading the table: :func:`~btam_desktop.core.queries.case_rows` + ``CaseTableModel.load``,
  against the same columns fetched in plain SQL and against ``CaseStore.list_cases()``;
* loading it as the Cases page does: the first page read and appended on the GUI thread
  (what is painted at once), the rest read by a :class:`CaseLoader` thread through a reader
  connection and appended on the GUI thread as each page arrives: the slowest append (how
  long the window can go without handling events because of the load), both under 100 ms,
  the GUI thread's share of the load and the time until every case is in;
* filtering the loaded table (status, "not closed", concern, overdue) and text search
  (full-text index + filter), each followed by the repaint of a 1280x800 table, against the
  store's SQL for the same filter (``count_cases``: the WHERE clause alone, no rows built);
* sorting by each column, against ``ORDER BY`` in SQL;
* refreshing after one case changed (what the page does after every save).

Times are milliseconds: the first (cold) run and the median of ``--runs`` warm runs. The last
column flags the target: filter, search and sort under 100 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402

from btam_desktop.core import demo, queries, vault  # noqa: E402
from btam_desktop.core.queries import NOT_CLOSED, CaseFilter  # noqa: E402
from btam_desktop.core.session import Session  # noqa: E402
from btam_desktop.ui.models.case_loader import CaseLoader  # noqa: E402
from btam_desktop.ui.models.case_table import COLUMN_KEYS, CaseTableModel  # noqa: E402
from btam_desktop.ui.pages.cases import FIRST_PAGE, LOAD_PAGE  # noqa: E402

MEMBER = "Bench Lead"
PASSPHRASE = "granite-orchard-velvet-58"
TARGET_MS = 100.0
SQL_ORDER = {
    "number": "opened_on, number", "title": "title COLLATE NOCASE", "status": "status",
    "concern": "CASE concern WHEN 'low' THEN 0 WHEN 'moderate' THEN 1 WHEN 'high' THEN 2"
               " ELSE 3 END",
    "tier": "tier", "next_review": "next_review IS NULL, next_review",
    "assigned": "(SELECT min(member_id) FROM case_assignments a WHERE a.case_id = c.id"
                " AND a.deleted_at IS NULL)",
}


@dataclass
class Line:
    """One row of the printed table."""

    what: str
    cold: float
    warm: float
    base_label: str = ""
    base: float | None = None
    rows: int | None = None
    targeted: bool = True

    def cells(self) -> list[str]:
        ratio = f"{self.warm / self.base:.2f}" if self.base else ""
        flag = ""
        if self.targeted:
            flag = "ok" if self.warm < TARGET_MS else "OVER"
        return [self.what, f"{self.cold:.1f}", f"{self.warm:.1f}", self.base_label,
                "" if self.base is None else f"{self.base:.1f}", ratio,
                "" if self.rows is None else f"{self.rows:,}", flag]


def timed(action: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(cold ms, median warm ms, last result)."""
    start = time.perf_counter()
    result = action()
    cold = (time.perf_counter() - start) * 1000
    warm: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        warm.append((time.perf_counter() - start) * 1000)
    return cold, statistics.median(warm), result


def build_vault(folder: Path, cases: int) -> Path:
    """A vault with ``cases`` demo cases (progress on stderr)."""
    path = folder / "bench.btam"
    session, _ = vault.create_vault(path, member_name=MEMBER, new_passphrase=PASSPHRASE,
                                    agency="Bench County")
    started = time.perf_counter()

    def progress(done: int, total: int) -> bool:
        print(f"\r  demo cases {done:,}/{total:,} ({time.perf_counter() - started:.0f} s)",
              end="", file=sys.stderr, flush=True)
        return True

    demo.generate(session, cases, seed=1, progress=progress)
    print(file=sys.stderr)
    session.lock()
    return path


def search_terms(session: Session) -> dict[str, str]:
    """A surname, an alias, a note word and a common word that exist in the demo data."""
    db = session.db
    surname = db.scalar("SELECT family_name FROM persons WHERE family_name != ''"
                        " ORDER BY id LIMIT 1 OFFSET 500")
    alias_json = db.scalar("SELECT aliases FROM persons WHERE aliases != '[]'"
                           " ORDER BY id LIMIT 1 OFFSET 50")
    alias = alias_json.strip('[]"').split('"')[0] if alias_json else "Nico"
    return {"person surname": str(surname), "person alias": alias,
            "note word (street)": "Pennywhistle", "common word": "threat"}


def sql_ids(session: Session, flt: CaseFilter) -> list[Any]:
    """The ids the store's own WHERE clause selects (the baseline: SQL without the model)."""
    where, params = session.store._case_filter(flt)
    return session.db.query(f"SELECT c.id FROM cases c{where}", params)


def run(session: Session, runs: int) -> list[Line]:
    """Every measurement; see the module docstring."""
    app = QApplication.instance() or QApplication([])
    db = session.db
    names = {m.id: m.name for m in session.members(include_inactive=True)}
    lines: list[Line] = []
    model = CaseTableModel()

    def load() -> int:
        model.load(queries.case_rows(db), names)
        return model.rowCount()

    cold, warm, count = timed(load, runs)
    _c, sql, _r = timed(lambda: db.query(
        "SELECT id, number, title, status, concern, tier, next_review, opened_on FROM cases"
        " WHERE deleted_at IS NULL"), runs)
    lines.append(Line("load the table (case_rows + model)", cold, warm, "same columns, SQL",
                      sql, count, targeted=False))
    _c, store_ms, _r = timed(lambda: session.store.list_cases(), max(1, runs // 2))
    lines.append(Line("  (store.list_cases(), all cases)", _c, store_ms, targeted=False,
                      rows=count))

    # As the Cases page loads: the first page on this (the GUI) thread from the session's
    # connection, the rest read by a CaseLoader thread through a reader connection and
    # appended here as each page arrives. "GUI thread" times are what the window cannot
    # spend on events: the slowest step must stay well under 100 ms.
    steps: list[float] = []  # GUI thread: first page read + append, then each append

    def paged() -> int:
        steps.clear()
        pages = CaseTableModel()
        pages.begin_load(names)
        gc.disable()  # as the Cases page does during its load (see CaseList.load)
        started = time.perf_counter()
        first = queries.case_rows_page(db, None, FIRST_PAGE)
        pages.append_rows(first)
        pages.show_pending()
        steps.append((time.perf_counter() - started) * 1000)
        loop = QEventLoop()

        def take(_generation: int, rows: list[queries.CaseRow]) -> None:
            started = time.perf_counter()
            pages.append_rows(rows)
            steps.append((time.perf_counter() - started) * 1000)

        loader = CaseLoader(session.open_reader(), (first[-1].opened_on, first[-1].number),
                            LOAD_PAGE)
        loader.rows_read.connect(take, Qt.ConnectionType.QueuedConnection)
        loader.all_read.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
        loader.failed.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
        loader.start()
        loop.exec()
        loader.wait()
        pages.finish_load()
        gc.enable()
        return pages.total()

    started = time.perf_counter()
    pages_count = paged()
    cold = (time.perf_counter() - started) * 1000
    first_cold, slowest_cold = steps[0], max(steps[1:], default=0.0)
    gui_cold = sum(steps)
    totals: list[float] = []
    firsts: list[float] = []
    slowest: list[float] = []
    gui: list[float] = []
    for _ in range(max(1, runs // 2)):
        started = time.perf_counter()
        paged()
        totals.append((time.perf_counter() - started) * 1000)
        firsts.append(steps[0])
        slowest.append(max(steps[1:], default=0.0))
        gui.append(sum(steps))
    lines.append(Line(f"paged load: first page ({FIRST_PAGE}) read + append, GUI thread",
                      first_cold, statistics.median(firsts)))
    lines.append(Line(f"paged load: slowest append of a page ({LOAD_PAGE:,}), GUI thread",
                      slowest_cold, statistics.median(slowest)))
    lines.append(Line("paged load: all of it on the GUI thread", gui_cold,
                      statistics.median(gui), "case_rows + load", lines[0].warm,
                      pages_count, targeted=False))
    lines.append(Line("paged load: until every case is in (worker reads)", cold,
                      statistics.median(totals), "case_rows + load", lines[0].warm,
                      pages_count, targeted=False))

    table = QTableView()
    table.setModel(model)
    table.verticalHeader().setDefaultSectionSize(34)
    table.resize(1280, 800)
    table.show()
    app.processEvents()

    def filtered(flt: CaseFilter) -> Callable[[], int]:
        def action() -> int:
            matching = queries.matching_docs(db, flt.text) if flt.text else None
            model.set_filter(flt, matching)
            app.processEvents()  # the repaint the officer waits for
            return model.rowCount()
        return action

    filters: list[tuple[str, CaseFilter]] = [
        ("status = active", CaseFilter(status="active")),
        ("not closed", CaseFilter(status=NOT_CLOSED)),
        ("concern = high", CaseFilter(concern="high")),
        ("overdue review or task", CaseFilter(overdue=True)),
        ("not closed + high + overdue",
         CaseFilter(status=NOT_CLOSED, concern="high", overdue=True)),
    ]
    for what, flt in filters:
        cold, warm, rows = timed(filtered(flt), runs)
        _c, base, _r = timed(partial(sql_ids, session, flt), runs)
        lines.append(Line(f"filter: {what}", cold, warm, "SQL ids, same WHERE", base, rows))

    for what, term in search_terms(session).items():
        flt = CaseFilter(text=term)
        cold, warm, rows = timed(filtered(flt), runs)
        _c, base, _r = timed(partial(sql_ids, session, flt), runs)
        lines.append(Line(f"search: {what} ({term})", cold, warm, "SQL ids (store's FTS)",
                          base, rows))
        _c, fts, _r = timed(lambda t=term: queries.matching_docs(db, t), runs)
        lines.append(Line("  of which the full-text query", _c, fts, targeted=False))

    model.set_filter(CaseFilter())
    app.processEvents()
    for column, key in enumerate(COLUMN_KEYS):
        for descending in (False, True):
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder

            def sort(c: int = column, o: Qt.SortOrder = order) -> int:
                model.sort(c, o)
                app.processEvents()
                return model.rowCount()

            cold, warm, rows = timed(sort, runs)
            direction = "DESC" if descending else "ASC"
            sql_order = ", ".join(f"{part} {direction}" for part in SQL_ORDER[key].split(", "))
            _c, base, _r = timed(lambda o=sql_order: db.query(
                f"SELECT c.id FROM cases c WHERE c.deleted_at IS NULL ORDER BY {o}"), runs)
            lines.append(Line(f"sort: {key} {direction.lower()}", cold, warm,
                              "SQL ORDER BY (ids)", base, rows))

    some = model.case_id(0)

    def one_changed() -> int:
        model.update_cases(queries.case_rows(db, {some}))
        app.processEvents()
        return 1

    cold, warm, _r = timed(one_changed, runs)
    lines.append(Line("refresh after one case changed", cold, warm))
    table.hide()
    model.clear()
    return lines


def print_table(lines: list[Line], cases: int) -> None:
    """The results as a plain-text table."""
    head = ["operation", "cold ms", "warm ms", "baseline", "base ms", "ratio", "rows",
            f"<{TARGET_MS:.0f} ms"]
    rows = [head] + [line.cells() for line in lines]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    print(f"\nCase table at {cases:,} cases (warm = median; ratio = warm / baseline)\n")
    for number, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) if i in (0, 3) else cell.rjust(widths[i])
                        for i, cell in enumerate(row)))
        if number == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    """Build or open the vault, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--vault", type=Path, help="reuse this vault instead of building one")
    parser.add_argument("--passphrase", default=PASSPHRASE)
    parser.add_argument("--member", default=None)
    args = parser.parse_args(argv)
    QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        path = args.vault or build_vault(Path(tmp), args.cases)
        member = args.member or (None if args.vault else MEMBER)
        session, _ = vault.unlock(path, passphrase_text=args.passphrase, member=member)
        try:
            cases = queries.count_live_cases(session.db)
            print_table(run(session, args.runs), cases)
        finally:
            session.lock()
    return 0


if __name__ == "__main__":
    sys.exit(main())
