"""Editors for ``date``, ``time`` and ``datetime``: typed in ISO form, tidied when the entry
is finished, and never filled in by themselves. An empty date stays unanswered: "today" is only
ever entered by the officer's own click on Today (or a pick in the calendar).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QWidget,
    QWidgetAction,
)

from btam_desktop.core.forms import Field
from btam_desktop.ui.date_input import parse_date, parse_datetime
from btam_desktop.ui.forms.inputs import LineEditor, text_of


class DateEditor(LineEditor):
    """``date``: typed as YYYY-MM-DD (eight digits, and the laptop's short form such as
    17/05/1980, are accepted and tidied), or picked with
    the Today button or the calendar. Never defaults to anything: empty stays unanswered."""

    placeholder = "YYYY-MM-DD"
    pattern = r"[0-9./ -]{0,10}"  # ISO, or the laptop's short form (17/05/1980, 17.05.80)

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.line.setMaximumWidth(180)
        # Room for a whole date whatever the window width: a clipped date reads as another one.
        self.line.setMinimumWidth(self.line.fontMetrics().horizontalAdvance("0000-00-00") + 28)
        self.today_button = QPushButton(self)
        self.today_button.setText("Today")
        self.today_button.setToolTip("Fill in today's date")
        self.today_button.setAccessibleName(f"Today: {field.label}")
        self.today_button.clicked.connect(self._today)
        self.calendar_button = QPushButton(self)
        self.calendar_button.setText("Calendar\u2026")
        self.calendar_button.setToolTip("Pick the date from a calendar")
        self.calendar_button.setAccessibleName(f"Calendar: {field.label}")
        self.calendar_button.clicked.connect(self._open_calendar)
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.addWidget(self.today_button)
        layout.addWidget(self.calendar_button)
        layout.addStretch(1)
        self._menu: QMenu | None = None

    def normalize(self, text: str) -> str:
        day = parse_date(text)
        return day.isoformat() if day is not None else text

    def _pick(self, text: str) -> None:
        self.line.setText(text)
        self._edited()
        self.committed.emit()
        self.line.setFocus(Qt.FocusReason.OtherFocusReason)

    def _today(self) -> None:
        self._pick(dt.date.today().isoformat())

    def _open_calendar(self) -> None:
        # Built on first use: most date fields are typed, and a calendar per field would add
        # hundreds of widgets to a long form.
        if self._menu is None:
            self._menu = QMenu(self)
            calendar = QCalendarWidget(self._menu)
            calendar.setGridVisible(True)
            calendar.clicked.connect(self._picked)
            calendar.activated.connect(self._picked)
            action = QWidgetAction(self._menu)
            action.setDefaultWidget(calendar)
            self._menu.addAction(action)
            self._calendar = calendar
        current = QDate.fromString(self.line.text(), "yyyy-MM-dd")
        if current.isValid():
            self._calendar.setSelectedDate(current)
        self._menu.popup(self.calendar_button.mapToGlobal(self.calendar_button.rect().bottomLeft()))
        self._calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _picked(self, date: QDate) -> None:
        if self._menu is not None:
            self._menu.close()
        self._pick(date.toString("yyyy-MM-dd"))

    def _apply_read_only(self, read_only: bool) -> None:
        super()._apply_read_only(read_only)
        self.today_button.setVisible(not read_only)
        self.calendar_button.setVisible(not read_only)


class TimeEditor(LineEditor):
    """``time``: HH:MM, 24-hour (``1405`` and ``9:05`` are tidied to ``14:05``, ``09:05``)."""

    placeholder = "HH:MM"
    pattern = r"[0-9:]{0,5}"

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self._narrow(120)

    def normalize(self, text: str) -> str:
        match = re.fullmatch(r"([0-9]{1,2}):?([0-9]{2})", text)
        if match and len(text) >= 3:
            return f"{int(match.group(1)):02d}:{match.group(2)}"
        return text


class DateTimeEditor(LineEditor):
    """``datetime``: typed as ``YYYY-MM-DD HH:MM`` (stored with a ``T``, as the format says)."""

    placeholder = "YYYY-MM-DD HH:MM"
    pattern = r"[0-9 :T./AaPpMm-]{0,20}"  # also the local short date, and 2:05 PM

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self._narrow(240)

    def value(self) -> Any:
        text = self.line.text().strip()
        return text.replace(" ", "T", 1) if text else None

    def _show(self, value: Any) -> None:
        self.line.setText(text_of(value).replace("T", " ", 1))

    def normalize(self, text: str) -> str:
        match = re.fullmatch(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]?([0-9]{2}):?([0-9]{2})", text)
        if match:
            return f"{match.group(1)} {match.group(2)}:{match.group(3)}"
        when = parse_datetime(text)
        return when.strftime("%Y-%m-%d %H:%M") if when is not None else text


class MonthYearEditor(LineEditor):
    """``date`` with the ``month-year`` appearance: typed as YYYY-MM (no day can be typed);
    stored as the first day of the month (YYYY-MM-01), as ODK does."""

    placeholder = "YYYY-MM"
    pattern = r"[0-9]{0,4}(-[0-9]{0,2})?"
    _whole = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
    _suffix = "-01"

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self._narrow(140)

    def value(self) -> Any:
        text = self.line.text().strip()
        if not text:
            return None
        return text + self._suffix if self._whole.fullmatch(text) else text

    def _show(self, value: Any) -> None:
        text = text_of(value)
        if value is not None and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            text = text[: 10 - len(self._suffix)]
        self.line.setText(text)

    def normalize(self, text: str) -> str:
        match = re.fullmatch(r"([0-9]{4})-?([0-9])", text)
        return f"{match.group(1)}-0{match.group(2)}" if match else text


class YearEditor(MonthYearEditor):
    """``date`` with the ``year`` appearance: typed as YYYY, stored as YYYY-01-01."""

    placeholder = "YYYY"
    pattern = r"[0-9]{0,4}"
    _whole = re.compile(r"[0-9]{4}")
    _suffix = "-01-01"

    def normalize(self, text: str) -> str:
        return text
