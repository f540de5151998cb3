"""Dates and date-times typed by keyboard, in the case dialogs.

A section-by-section date box (QDateEdit) turned a typed "1980-05-17" into 2027-05-17: the
digits went into whichever section the cursor was in. These fields are plain text instead:
the officer types the date as ISO (``1980-05-17``, or ``19800517``) or in the laptop's short
form (``17/05/1980`` on a British laptop, ``5/17/1980`` on an American one), or picks it from a
calendar. When the entry is finished it is tidied to ISO; what cannot be read, and a date of
birth in the future, is said under the field in words, and the dialog refuses to save it.
An empty field means "no date" (a date of birth not known): nothing is ever filled in by
itself.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from btam_desktop.ui.widgets import MessageLabel

ISO_DATE = "yyyy-MM-dd"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"(\d{1,2}):?(\d{2})\s*([AaPp][Mm])?")
#: A two-digit year further ahead than this many years is taken as last century.
TWO_DIGIT_YEARS_AHEAD = 20


class InputProblem(ValueError):
    """A field's text cannot be saved; the message says why in words."""

    def __init__(self, message: str, widget: QWidget) -> None:
        super().__init__(message)
        self.widget = widget


def short_formats(locale: QLocale | None = None) -> list[str]:
    """The laptop's short date format, and the same with a four-digit year."""
    locale = locale or QLocale()
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    formats = [short]
    if "yyyy" not in short and "yy" in short:
        formats.insert(0, short.replace("yy", "yyyy"))
    return formats


def parse_date(text: str, locale: QLocale | None = None, *,
               today: dt.date | None = None) -> dt.date | None:
    """The date ``text`` names (ISO or the local short form), or None."""
    text = text.strip()
    match = _ISO.fullmatch(text)
    if match:
        parts = [int(p) for p in match.groups() if p is not None]
        try:
            return dt.date(parts[0], parts[1], parts[2])
        except ValueError:
            return None
    locale = locale or QLocale()
    for form in short_formats(locale):
        parsed = locale.toDate(text, form)
        if not parsed.isValid():
            continue
        year = parsed.year()
        if "yyyy" not in form:  # Qt reads "80" as 1980 and "24" as 1924: pick the century
            now = (today or dt.date.today()).year
            year = 2000 + year % 100
            if year > now + TWO_DIGIT_YEARS_AHEAD:
                year -= 100
        try:
            return dt.date(year, parsed.month(), parsed.day())
        except ValueError:
            return None
    return None


def parse_datetime(text: str, locale: QLocale | None = None) -> dt.datetime | None:
    """The date and time ``text`` names ("2024-03-04 14:05", "2024-03-04T14:05", or the local
    short date and a time), or None."""
    text = text.strip()
    date_part, _sep, time_part = text.replace("T", " ", 1).rpartition(" ")
    if not date_part:
        return None
    day = parse_date(date_part, locale)
    match = _TIME.fullmatch(time_part.strip())
    if day is None or match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    meridiem = (match.group(3) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.datetime(day.year, day.month, day.day, hour, minute)


class DateInput(QWidget):
    """A date (``with_time``: date and time) typed as text, or picked in a calendar.

    :meth:`value` is the ISO text (``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``), None when empty;
    it raises :class:`InputProblem` when the text is not a date (or a refused one).
    ``edited`` follows every change the officer makes.
    """

    edited = Signal()

    def __init__(self, value: str | None = None, *, with_time: bool = False,
                 no_future: bool = False, what: str = "date",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.with_time = with_time
        self.no_future = no_future
        self.what = what
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("YYYY-MM-DD HH:MM" if with_time else "YYYY-MM-DD")
        example = QLocale().toString(QDate(1980, 5, 17), QLocale.FormatType.ShortFormat)
        self.line.setToolTip(
            f"Type the {what} as 1980-05-17{' 14:05' if with_time else ''} or {example}"
            f"{' 14:05' if with_time else ''}, or pick it with Calendar\u2026")
        width = self.line.fontMetrics().horizontalAdvance("0000-00-00 00:00" if with_time
                                                          else "0000-00-00")
        self.line.setMinimumWidth(width + 28)
        self.calendar_button = QPushButton("Calendar\u2026", self)
        self.calendar_button.setToolTip("Pick the date from a calendar")
        self.calendar_button.clicked.connect(self._open_calendar)
        self.message = MessageLabel(self)
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(self.line, 1)
        self.row.addWidget(self.calendar_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self.row)
        layout.addWidget(self.message)
        self.setFocusProxy(self.line)
        self._menu: QMenu | None = None
        self._calendar: QCalendarWidget | None = None
        self.set_value(value)
        self.line.textEdited.connect(self._on_edited)
        self.line.editingFinished.connect(self.tidy)

    def setAccessibleName(self, name: str) -> None:
        """Name the text field and the calendar button for screen readers too."""
        super().setAccessibleName(name)
        self.line.setAccessibleName(name)
        self.calendar_button.setAccessibleName(f"Calendar: {name}")

    # -- value ----------------------------------------------------------------------------------
    def text(self) -> str:
        """What the field says."""
        return self.line.text().strip()

    def problem(self) -> str:
        """Why the text cannot be saved, in words ("" when it can, or is empty)."""
        text = self.text()
        if not text:
            return ""
        if self.with_time:
            when = parse_datetime(text)
            if when is None:
                return (f"\u201c{text}\u201d is not a date and time: type it as "
                        "YYYY-MM-DD HH:MM, e.g. 2024-03-04 14:05.")
            day = when.date()
        else:
            parsed = parse_date(text)
            if parsed is None:
                example = QLocale().toString(QDate(1980, 5, 17), QLocale.FormatType.ShortFormat)
                return (f"\u201c{text}\u201d is not a date: type it as YYYY-MM-DD, e.g. "
                        f"1980-05-17 (or {example}).")
            day = parsed
        if self.no_future and day > dt.date.today():
            return f"The {self.what} cannot be in the future ({day.isoformat()})."
        return ""

    def value(self) -> str | None:
        """The ISO text, or None when empty; :class:`InputProblem` when it cannot be saved."""
        problem = self.problem()
        if problem:
            self.message.show_error(problem)
            raise InputProblem(problem, self.line)
        text = self.text()
        if not text:
            return None
        if self.with_time:
            when = parse_datetime(text)
            assert when is not None
            return when.strftime("%Y-%m-%dT%H:%M")
        day = parse_date(text)
        assert day is not None
        return day.isoformat()

    def set_value(self, value: str | None) -> None:
        """Show ``value`` (ISO; None: empty)."""
        self.line.setText((value or "")[:16].replace("T", " "))
        self.message.clear_message()

    def message_text(self) -> str:
        """The message under the field ("" when none)."""
        return self.message.text() if self.message.isVisibleTo(self) else ""

    # -- editing --------------------------------------------------------------------------------
    def _on_edited(self, _text: str) -> None:
        if not self.problem():
            self.message.clear_message()
        self.edited.emit()

    def tidy(self) -> None:
        """The entry is finished: write it as ISO, or say what is wrong with it."""
        problem = self.problem()
        if problem:
            self.message.show_error(problem)
            return
        self.message.clear_message()
        text = self.text()
        if text:
            tidy = self.value()
            shown = (tidy or "").replace("T", " ")
            if shown != self.line.text():
                self.line.setText(shown)

    def _open_calendar(self) -> None:
        if self._menu is None:  # built on first use
            self._menu = QMenu(self)
            calendar = QCalendarWidget(self._menu)
            calendar.setGridVisible(True)
            if self.no_future:
                calendar.setMaximumDate(QDate.currentDate())
            calendar.clicked.connect(self._picked)
            calendar.activated.connect(self._picked)
            action = QWidgetAction(self._menu)
            action.setDefaultWidget(calendar)
            self._menu.addAction(action)
            self._calendar = calendar
        assert self._calendar is not None
        day = parse_date(self.text()[:10]) if self.text() else None
        if day is not None:
            self._calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        self._menu.popup(self.calendar_button.mapToGlobal(
            self.calendar_button.rect().bottomLeft()))
        self._calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _picked(self, date: QDate) -> None:
        if self._menu is not None:
            self._menu.close()
        text = date.toString(ISO_DATE)
        if self.with_time:
            old = parse_datetime(self.text())
            text += " " + (old.strftime("%H:%M") if old else dt.datetime.now().strftime("%H:%M"))
        self.line.setText(text)
        self.message.clear_message()
        self.edited.emit()
        self.line.setFocus(Qt.FocusReason.OtherFocusReason)


class OptionalDate(QWidget):
    """A date that may be left unset: the box ``none`` ("No date", "Unknown") says so, and the
    field is then empty (never a made-up date). Typing a date clears the box."""

    def __init__(self, value: str | None, none_text: str = "No date",
                 parent: QWidget | None = None, *, no_future: bool = False,
                 what: str = "date") -> None:
        super().__init__(parent)
        self.date = DateInput(value, no_future=no_future, what=what)
        self.date.line.setPlaceholderText(f"YYYY-MM-DD \u2014 {none_text.lower()} if empty")
        self.none = QCheckBox(none_text)
        # Never narrower than its text: the dialog grows instead of cutting "No review dat".
        self.none.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.none.setChecked(value is None)
        self._kept = ""  # what was typed before "none" was ticked
        self.none.toggled.connect(self._none_toggled)
        self.date.edited.connect(self._typed)
        self.date.row.addWidget(self.none)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.date, 1)
        self.setFocusProxy(self.date)

    def setAccessibleName(self, name: str) -> None:
        """Name both inputs for screen readers."""
        super().setAccessibleName(name)
        self.date.setAccessibleName(name)
        self.none.setAccessibleName(f"{name}: {self.none.text()}")

    def _none_toggled(self, on: bool) -> None:
        if on:
            self._kept = self.date.line.text()
            self.date.set_value(None)
        elif not self.date.text() and self._kept:
            self.date.line.setText(self._kept)

    def _typed(self) -> None:
        if self.date.text() and self.none.isChecked():
            self.none.blockSignals(True)
            self.none.setChecked(False)
            self.none.blockSignals(False)

    def value(self) -> str | None:
        """ISO date, or None when unset; :class:`InputProblem` when the text is no date."""
        if self.none.isChecked():
            return None
        return self.date.value()

    def set_value(self, value: str | None) -> None:
        """Show ``value`` (None: no date)."""
        self.date.set_value(value)
        self.none.setChecked(value is None)

    def message_text(self) -> str:
        """The message under the field ("" when none)."""
        return self.date.message_text()
