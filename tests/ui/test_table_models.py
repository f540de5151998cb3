"""One read-only table-model base (ui/models/records.RecordTableModel) serves both kinds of
record table: described by column specs (the case tabs) and saying its cells itself (the
pages' partners, persons, audit and sync tables)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt

import btam_desktop.ui
from btam_desktop.ui.models.case_table import CaseTableModel
from btam_desktop.ui.models.records import Column, RecordTableModel

DISPLAY = Qt.ItemDataRole.DisplayRole


@dataclass(frozen=True)
class Item:
    name: str
    size: int


class SaysItsCells(RecordTableModel[Item]):
    """A subclass as the pages write them: titles and its own data()."""

    titles = ("Name", "Size")

    def data(self, index: Any, role: int = DISPLAY) -> Any:
        item = self._record(index)
        if item is None or role != DISPLAY:
            return None
        return item.name.upper() if index.column() == 0 else f"{item.size} KB"


ITEMS = [Item("beta", 2), Item("alpha", 10), Item("gamma", 1)]


def _column(model: QAbstractItemModel, column: int) -> list[Any]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_a_subclass_with_titles_says_its_cells_and_keeps_the_given_order(qtbot: Any) -> None:
    model = SaysItsCells()
    model.set_records(ITEMS)
    assert model.columnCount() == 2 and model.rowCount() == 3
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in (0, 1)] == ["Name", "Size"]
    assert _column(model, 0) == ["BETA", "ALPHA", "GAMMA"]
    model.sort(0, Qt.SortOrder.AscendingOrder)  # no specs: clicking a header keeps the order
    assert _column(model, 0) == ["BETA", "ALPHA", "GAMMA"]
    assert model.record(1) == ITEMS[1] and model.records() == ITEMS
    assert model.index(5, 0).data() is None and model.data(QModelIndex()) is None
    model.clear()
    assert model.rowCount() == 0


def test_column_specs_say_cells_tooltips_and_sort(qtbot: Any) -> None:
    model: RecordTableModel[Item] = RecordTableModel((
        Column("Name", lambda i: i.name, header_tip="Who"),
        Column("Size", lambda i: str(i.size), sort_key=lambda i: i.size),
    ))
    model.set_records(ITEMS)
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "Who"
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert _column(model, 0) == ["gamma", "beta", "alpha"]
    model.set_records(list(reversed(ITEMS)))  # a refresh keeps the officer's sort
    assert _column(model, 1) == ["1", "2", "10"]


def test_every_record_table_of_the_app_has_the_one_base() -> None:
    """Every QAbstractTableModel subclass in the UI derives from RecordTableModel, except the
    case table (100,000 rows, its own filtering and sorting)."""
    tables = set()
    for info in pkgutil.walk_packages(btam_desktop.ui.__path__, "btam_desktop.ui."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if (cls.__module__ == info.name and issubclass(cls, QAbstractItemModel)
                    and cls not in (RecordTableModel, CaseTableModel)):
                tables.add(cls)
    assert tables, "the walk found no table models"
    assert [c.__qualname__ for c in tables if not issubclass(c, RecordTableModel)] == []
