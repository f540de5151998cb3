"""Qt table models over the core's records (the case table, timeline and record lists)."""

from btam_desktop.ui.models.case_table import CaseTableModel
from btam_desktop.ui.models.records import Column, RecordTableModel

__all__ = ["CaseTableModel", "Column", "RecordTableModel"]
