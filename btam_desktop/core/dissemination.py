"""Dissemination log: every copy of case information that leaves the laptop, to whom, why,
on what legal basis (or consent), with which redaction, and the SHA-256 of the exact bytes.

Writing the file and recording it are one unit: the bytes go to an owner-only temporary file
beside the target first, then the log row and the ``export`` audit entry commit in one
operation, and only then is the temporary file renamed into place. If the write fails nothing
is recorded; if recording fails (a busy vault, a full disk) the file never appears. A crash
between the commit and the rename leaves a record of an export that did not reach its folder
(never the reverse: an exported file without its record).

Blank forms carry no case data: they are audited (who printed which form) but are not
disseminations.
"""

from __future__ import annotations

import errno
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from btam_desktop.core import audit, changelog
from btam_desktop.core.errors import InvalidInput, NotFound
from btam_desktop.core.fileio import atomic_write_bytes, atomic_writer
from btam_desktop.core.ops import change_value

if TYPE_CHECKING:
    from btam_desktop.core.db import Database, Row
    from btam_desktop.core.session import Session

__all__ = [
    "WHAT_LABELS",
    "Dissemination",
    "Release",
    "ReleaseDetailsMissing",
    "cross_check",
    "for_case",
    "get",
    "write_export",
    "write_unrecorded",
]

WHAT_LABELS = {
    "submission": "Filled form",
    "case_report": "Case report",
    "attachment": "Attachment",
    "program_report": "Program report",
}
MAX_TEXT = 1000


class ReleaseDetailsMissing(InvalidInput):
    """An export was asked for without a recipient, purpose or legal basis."""


@dataclass(frozen=True)
class Release:
    """To whom, why and on what basis (law, court order, consent) case data is released."""

    recipient: str
    purpose: str
    legal_basis: str

    @classmethod
    def checked(cls, recipient: str | None, purpose: str | None,
                legal_basis: str | None) -> Release:
        """A release with every part filled in; otherwise ReleaseDetailsMissing naming each
        missing part (an export without them is refused, never logged half-empty)."""
        values = {"recipient": recipient, "purpose": purpose,
                  "legal basis or consent": legal_basis}
        cleaned = {k: " ".join((v or "").split()) for k, v in values.items()}
        missing = [k for k, v in cleaned.items() if not v]
        if missing:
            raise ReleaseDetailsMissing(
                "an export of case information needs " + ", ".join(missing)
                + ": say who receives it, why, and the legal basis or consent that allows it"
            )
        too_long = [k for k, v in cleaned.items() if len(v) > MAX_TEXT]
        if too_long:
            raise ReleaseDetailsMissing(
                f"keep {', '.join(too_long)} under {MAX_TEXT} characters"
            )
        return cls(cleaned["recipient"], cleaned["purpose"],
                   cleaned["legal basis or consent"])


@dataclass(frozen=True)
class Dissemination:
    """One line of the dissemination log."""

    id: str
    case_id: str | None
    submission_id: str | None
    what: str
    recipient: str
    purpose: str
    legal_basis: str
    redaction_profile: str
    filename: str
    sha256: str
    exported_at: str
    exported_by: str | None
    exported_by_name: str

    @property
    def what_label(self) -> str:
        """"Filled form", "Case report"."""
        return WHAT_LABELS.get(self.what, self.what.replace("_", " "))

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {
            "id": self.id, "case_id": self.case_id, "submission_id": self.submission_id,
            "what": self.what, "recipient": self.recipient, "purpose": self.purpose,
            "legal_basis": self.legal_basis, "redaction_profile": self.redaction_profile,
            "filename": self.filename, "sha256": self.sha256,
            "exported_at": self.exported_at, "exported_by": self.exported_by,
            "exported_by_name": self.exported_by_name,
        }


def _row(row: Row) -> Dissemination:
    return Dissemination(
        id=row["id"], case_id=row["case_id"], submission_id=row["submission_id"],
        what=row["what"], recipient=row["recipient"], purpose=row["purpose"],
        legal_basis=row["legal_basis"], redaction_profile=row["redaction_profile"],
        filename=row["filename"], sha256=row["sha256"], exported_at=row["exported_at"],
        exported_by=row["exported_by"], exported_by_name=row["exported_by_name"],
    )


def write_export(
    session: Session,
    path: Path,
    data: bytes,
    *,
    what: str,
    case_id: str | None,
    release: Release,
    submission_id: str | None = None,
    redaction_profile: str = "none",
    audit_detail: dict[str, Any] | None = None,
    audit_record: tuple[str, str | None] | None = None,
) -> Dissemination:
    """Write ``data`` to ``path`` (atomic, owner-only) and log it, as one unit.

    One operation holds the ``disseminations`` row and the ``export`` audit entry naming
    the case (or ``audit_record``: a program report names no case); the audit detail holds
    ids, the profile and the hash, never the recipient or case text (the audit trail can be
    shown to an auditor).
    """
    if what not in WHAT_LABELS:
        raise InvalidInput(f"unknown export kind {what!r}")
    if not isinstance(release, Release):
        raise ReleaseDetailsMissing("an export of case information needs a release record")
    path = Path(path)
    digest = hashlib.sha256(data).hexdigest()
    if path.is_dir():  # the rename after the commit would fail: refuse before recording
        raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(path))
    with atomic_writer(path) as handle:
        handle.write(data)
        # The record commits before the file is renamed into place (atomic_writer's exit).
        with session.operation("export") as op:
            record_id = op.insert("disseminations", {
                "case_id": case_id, "submission_id": submission_id, "what": what,
                "recipient": release.recipient, "purpose": release.purpose,
                "legal_basis": release.legal_basis, "redaction_profile": redaction_profile,
                "filename": path.name, "sha256": digest, "exported_at": audit.utc_now(),
                "exported_by": session.member_id, "exported_by_name": session.actor_name,
            })
            detail: dict[str, Any] = {"what": what, "dissemination": record_id,
                                      "profile": redaction_profile, "sha256": digest}
            if submission_id:
                detail["submission"] = submission_id
            detail.update(audit_detail or {})
            record_type, record_id_audited = audit_record or ("case", case_id)
            op.audit("export", record_type, record_id_audited, **detail)
    return get(session, record_id)


def write_unrecorded(session: Session, path: Path, data: bytes, *, what: str,
                     record_type: str, record_id: str, **detail: Any) -> str:
    """Write a file that holds no case data (a blank form): audited, not a dissemination.
    Returns the SHA-256 of the bytes written."""
    digest = hashlib.sha256(data).hexdigest()
    with session.operation("export") as op:
        op.audit("export", record_type, record_id, what=what, sha256=digest, **detail)
        atomic_write_bytes(Path(path), data)
    return digest


def cross_check(db: Database) -> list[str]:
    """The dissemination log against the audit trail's ``export`` entries (empty: they
    agree). Reported: an export entry whose log row is gone (the log emptied or a row deleted)
    unless its case was purged; a row whose what, case, profile or file hash differs from its
    export entry, or from the change-log record of its insert (the row edited); and a row
    with no export entry though the chain of the laptop that wrote it is here past it."""
    problems: list[str] = []
    rows = {str(r["id"]): r for r in db.query("SELECT * FROM disseminations")}
    purged = {str(r[0]) for r in db.query("SELECT record_id FROM tombstones")}
    logged: set[str] = set()
    for entry in db.query(
            "SELECT device_id, device_seq, record_id, detail FROM audit WHERE action = 'export'"
            " AND detail LIKE '%\"dissemination\"%'"):
        try:
            detail = json.loads(entry["detail"])
        except ValueError:
            continue  # the chain check reports a damaged entry
        wanted = detail.get("dissemination") if isinstance(detail, dict) else None
        if not isinstance(wanted, str):
            continue
        logged.add(wanted)
        where = f"export audit entry #{entry['device_seq']} of device {entry['device_id'][:8]}"
        row = rows.get(wanted)
        if row is None:
            if wanted not in purged and entry["record_id"] not in purged:
                problems.append(
                    f"{where} records dissemination {wanted[:13]} (case"
                    f" {str(entry['record_id'])[:13]}), which is missing from the dissemination"
                    " log: the log was emptied or the row deleted")
            continue
        differs = [name for name, column, value in (
            ("what", "what", detail.get("what")),
            ("case", "case_id", entry["record_id"]),
            ("redaction profile", "redaction_profile", detail.get("profile")),
            ("file hash", "sha256", detail.get("sha256")),
        ) if value is not None and row[column] != value]
        if differs:
            problems.append(f"dissemination {wanted[:13]} was edited: its"
                            f" {', '.join(differs)} differ from {where}")
    # The log rows' insert changes, looked up by record (the change log has no index by table).
    changes = {str(r["record_id"]): r for r in changelog.inserts_of(db, sorted(rows),
                                                                     "disseminations")}
    tops = {str(r[0]): str(r[1]) for r in db.query(
        "SELECT device_id, max(hlc) FROM audit GROUP BY device_id")}
    for row_id, row in sorted(rows.items()):
        change = changes.get(row_id)
        if change is not None:
            try:
                # Never a compact insert change (ops._WITNESSED): the copy is the witness.
                inserted = json.loads(change_value(db, "disseminations", row_id, "*",
                                                   change["value"]) or "null")
            except (TypeError, ValueError):
                inserted = None
            if isinstance(inserted, dict):
                columns = set(row.keys())
                edited = sorted(k for k, v in inserted.items()
                                if k in columns and row[k] != v)
                if edited:
                    problems.append(f"dissemination {row_id[:13]} was edited after it was"
                                    f" recorded: {', '.join(edited)}")
        if row_id in logged:
            continue
        # Without its audit entry: only a problem where the chain of the laptop that wrote
        # the row is here up to the row (a need-to-know laptop gets no chains of others).
        if change is None or tops.get(str(change["device_id"]), "") >= str(change["hlc"]):
            problems.append(f"dissemination {row_id[:13]} (case {str(row['case_id'])[:13]})"
                            " has no export entry in the audit trail")
    return problems


def get(session: Session, dissemination_id: str) -> Dissemination:
    """One log entry."""
    row = session.db.query_one("SELECT * FROM disseminations WHERE id = ?",
                               (dissemination_id,))
    if row is None:
        raise NotFound(f"no dissemination {dissemination_id}")
    return _row(row)


def for_case(session: Session, case: str) -> list[Dissemination]:
    """A case's dissemination log, oldest first (``case``: id or number)."""
    case_id = session.store.resolve_case_id(case)
    rows = session.db.query(
        "SELECT * FROM disseminations WHERE case_id = ? ORDER BY exported_at, id", (case_id,))
    return [_row(r) for r in rows]
