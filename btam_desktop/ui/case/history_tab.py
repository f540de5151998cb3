"""The History & audit tab: every change of the case's fields ("Concern level changed from
Moderate to High by Dana Reyes", with the reason given), the case's dissemination log (every
copy that left the laptop: what, to whom, why, on what legal basis, with which redaction) and
the case's audit trail (who viewed, changed or exported what, and when)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from btam_desktop.core import dissemination
from btam_desktop.core.dissemination import Dissemination
from btam_desktop.core.model import AuditEntry, FieldChange
from btam_desktop.core.pdf import ProfileError, load_profiles
from btam_desktop.core.session import Session
from btam_desktop.ui.case.labels import (
    FIELD_LABELS,
    field_value,
    humanise,
    label,
    show_datetime,
    size_text,
)
from btam_desktop.ui.case.tab_base import CaseTab, make_table
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.models.records import Column, RecordTableModel

# Audit detail keys that name other records by id: shown as "yes" rather than as opaque ids.
_ID_KEYS = frozenset({"entry", "task", "attachment", "assignment", "submission", "person",
                      "amends", "dissemination"})
SHORT_HASH = 12  # enough to match a file against the log; the full hash is in the tooltip


def change_sentence(change: FieldChange) -> str:
    """"Concern level changed from Moderate to High by Dana Reyes"."""
    name = label(FIELD_LABELS, change.field)
    return (f"{name} changed from {field_value(change.field, change.old)} to "
            f"{field_value(change.field, change.new)} by {change.member_name}")


def audit_detail(entry: AuditEntry) -> str:
    """The audit entry's detail in words (field names, counts, kinds; never content)."""
    parts: list[str] = []
    for key, value in sorted(entry.detail.items()):
        if key in _ID_KEYS:
            continue
        if key == "fields" and isinstance(value, list):
            parts.append("fields: " + ", ".join(label(FIELD_LABELS, str(v)) for v in value))
        elif key == "sha256" and isinstance(value, str):
            parts.append(f"SHA-256: {value[:SHORT_HASH]}\u2026")
        elif key == "size" and isinstance(value, int):
            parts.append(f"size: {size_text(value)}")
        elif isinstance(value, str):
            parts.append(f"{humanise(key).lower()}: {humanise(value).lower()}")
        else:
            parts.append(f"{humanise(key).lower()}: {value}")
    return "; ".join(parts)


def _action(entry: AuditEntry) -> str:
    words = {"view": "Viewed", "case.create": "Case opened", "case.update": "Case changed",
             "timeline.add": "Timeline entry added", "timeline.correct": "Entry corrected",
             "attachment.add": "File attached", "attachment.export": "File exported",
             "submission.create": "Form started", "submission.draft": "Draft saved",
             "submission.complete": "Form completed", "submission.amend": "Form amended",
             "submission.review": "Form reviewed", "submission.discard": "Draft discarded",
             "task.create": "Task added", "task.complete": "Task done",
             "case.assign": "Member assigned", "case.unassign": "Member unassigned",
             "case.person.link": "Person added", "case.person.unlink": "Person removed",
             "case.delete": "Moved to the trash", "case.restore": "Restored",
             "export": "Exported", "import": "Filled PDF imported"}
    return words.get(entry.action, humanise(entry.action))


# What the change column shows before the reason gets more room ("Concern level changed
# from Moderate to Imminent", the name after it may be cut).
CHANGE_LEAST = "Concern level changed from Moderate to Imminent"
CHANGES_CAPTION = "Changes to the case (newest first)"
CHANGE_COLUMNS: tuple[Column[FieldChange], ...] = (
    Column("When", lambda c: show_datetime(c.at), sort_key=lambda c: c.at),
    Column("Change", change_sentence),
    Column("Reason", lambda c: c.reason or ""),
)
AUDIT_COLUMNS: tuple[Column[AuditEntry], ...] = (
    Column("When", lambda a: show_datetime(a.at), sort_key=lambda a: a.at),
    Column("Who", lambda a: a.member_name),
    Column("What", _action),
    Column("Detail", audit_detail),
)

DISSEMINATIONS_CAPTION = ("Disseminations: every copy that left the laptop, to whom and why "
                          "(newest first)")


def profile_titles() -> dict[str, str]:
    """Redaction profile id -> title (a profile file removed since: its id is shown)."""
    try:
        return {key: p.title for key, p in load_profiles().items()}
    except ProfileError:
        return {}


def dissemination_columns(titles: dict[str, str]) -> tuple[Column[Dissemination], ...]:
    """The log's columns; ``titles`` names the redaction profiles."""
    return (
        Column("When", lambda d: show_datetime(d.exported_at), sort_key=lambda d: d.exported_at),
        Column("By", lambda d: d.exported_by_name),
        # The file's name and hash (to match a copy found later) in the tooltip: a column
        # more would push the redaction off a laptop screen.
        Column("What", lambda d: d.what_label,
               tooltip=lambda d: f"{d.what_label}: {d.filename}\nSHA-256 {d.sha256}"),
        Column("Recipient", lambda d: d.recipient),
        Column("Purpose", lambda d: d.purpose),
        # "Legal basis" in the heading: the whole words took the room of the short columns
        # (who, what) at 1024 pixels; the heading's tooltip says them.
        Column("Legal basis", lambda d: d.legal_basis,
               header_tip="Legal basis or consent for the release, as typed when exporting"),
        Column("Redaction", lambda d: titles.get(d.redaction_profile, d.redaction_profile)),
    )


class HistoryTab(CaseTab):
    """Field history, dissemination log and audit trail of the case."""

    title = "Histor&y && audit"

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, case_id, parent)
        self.changes: RecordTableModel[FieldChange] = RecordTableModel(CHANGE_COLUMNS,
                                                                       parent=self)
        self.audit: RecordTableModel[AuditEntry] = RecordTableModel(AUDIT_COLUMNS, parent=self)
        self.disseminations: RecordTableModel[Dissemination] = RecordTableModel(
            dissemination_columns(profile_titles()), parent=self)
        self.changes_table = make_table(self.changes, "Changes to the case")
        self.disseminations_table = make_table(self.disseminations,
                                               "Dissemination log of the case")
        self.audit_table = make_table(self.audit, "Audit trail of the case")
        # The columns fit the tab's width (ContentColumnFit): fixed widths (1,060 pixels for
        # the log) scrolled sideways at 1024x768 and cut off the legal basis. The
        # time shows whole; who, what and the redaction next (short); the long texts share
        # the rest and end in "…" (the tooltip says them whole); the change keeps what it changed to
        # before the reason gets more.
        self.column_fits = (
            ContentColumnFit(self.changes_table, 2, whole=(0,), least={1: CHANGE_LEAST}),
            ContentColumnFit(self.disseminations_table, 5, whole=(0,), prefer=(1, 2, 6)),
            ContentColumnFit(self.audit_table, 3, whole=(0,), prefer=(1, 2)),
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        self.captions: list[QLabel] = []
        for caption, table in ((CHANGES_CAPTION, self.changes_table),
                               (DISSEMINATIONS_CAPTION, self.disseminations_table),
                               ("Audit trail: who viewed, changed or exported (newest first)",
                                self.audit_table)):
            pane = QWidget()
            box = QVBoxLayout(pane)
            box.setContentsMargins(0, 0, 0, 0)
            title = QLabel(caption)
            title.setObjectName("subheading")
            title.setBuddy(table)
            self.captions.append(title)
            box.addWidget(title)
            box.addWidget(table, 1)
            split.addWidget(pane)
        self.layout_.addWidget(split, 1)
        self.layout_.addWidget(self.message)

    def load(self) -> None:
        store = self.session.store
        changes: list[Any] = store.field_history(self.case_id)
        self.changes.set_records(list(reversed(changes)))
        self.captions[0].setText(CHANGES_CAPTION if changes else
                                 "Changes to the case: none since it was opened")
        shared = dissemination.for_case(self.session, self.case_id)
        self.disseminations.set_records(list(reversed(shared)))
        self.captions[1].setText(DISSEMINATIONS_CAPTION if shared else
                                 "Disseminations: nothing from this case has been exported")
        self.audit.set_records(store.audit_trail(self.case_id, limit=500))
