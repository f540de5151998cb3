"""The one write path. Every change to case data goes through an :class:`Operation`, which
runs in one transaction, records a change-log row per field changed (with clock stamp, device,
member, base stamp and optional reason), appends the audit entry, and after commit tells
listeners (the UI's views) what changed. Nothing else writes these tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from btam_desktop.core import audit, search
from btam_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from btam_desktop.core.ids import new_id

if TYPE_CHECKING:
    from btam_desktop.core.session import Session


@dataclass(frozen=True)
class TableSpec:
    """What the write path may touch in a table (the only SQL identifiers it ever formats)."""

    name: str
    fields: tuple[str, ...]
    immutable: bool = False
    has_updated_at: bool = True


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "members", ("name", "badge", "role", "active", "created_at", "device_id"),
            has_updated_at=False,
        ),
        TableSpec(
            "cases",
            (
                "number", "title", "summary", "status", "concern", "tier", "opened_on",
                "closed_on", "next_review", "closure_reason", "purge_review_on", "created_at",
                "created_by",
            ),
        ),
        TableSpec(
            "case_assignments", ("case_id", "member_id", "created_at"), has_updated_at=False
        ),
        TableSpec(
            "persons",
            (
                "family_name", "given_names", "aliases", "date_of_birth", "phone", "email",
                "address", "notes", "created_at", "created_by",
            ),
        ),
        TableSpec(
            "case_persons", ("case_id", "person_id", "role", "notes", "created_at"),
            has_updated_at=False,
        ),
        TableSpec(
            "partners",
            (
                "name", "kind", "discipline", "contact_name", "phone", "email", "address",
                "services", "notes", "created_at",
            ),
        ),
        TableSpec(
            "timeline",
            (
                "case_id", "kind", "occurred_at", "recorded_at", "author_id", "author_name",
                "summary", "details", "context", "outcome", "partner_id", "referral_status",
                "concern_from", "concern_to", "supersedes",
            ),
            immutable=True,
        ),
        TableSpec(
            "tasks",
            (
                "case_id", "kind", "title", "due_on", "assignee_id", "done_at", "done_by",
                "notes", "created_at",
            ),
        ),
        TableSpec(
            "form_definitions",
            ("form_id", "version", "title", "definition", "sha256", "source", "created_at",
             "created_by"),
        ),
        TableSpec(
            "submissions",
            ("case_id", "form_id", "form_version", "status", "answers", "amends",
             "amendment_reason", "created_at", "created_by", "completed_at", "completed_by",
             "reviewed_at", "reviewed_by"),
        ),
        TableSpec(
            "disseminations",
            ("case_id", "submission_id", "what", "recipient", "purpose", "legal_basis",
             "redaction_profile", "filename", "sha256", "exported_at", "exported_by",
             "exported_by_name"),
            immutable=True,
            has_updated_at=False,
        ),
        TableSpec(
            "attachments",
            (
                "case_id", "filename", "media_type", "size", "sha256", "content",
                "description", "added_at", "added_by",
            ),
            immutable=True,
            has_updated_at=False,
        ),
    )
}


@dataclass
class ChangeSummary:
    """What one committed operation touched; handed to listeners after commit."""

    action: str
    touched: dict[str, set[str]] = field(default_factory=dict)

    def add(self, table: str, record_id: str) -> None:
        """Note that ``record_id`` in ``table`` changed."""
        self.touched.setdefault(table, set()).add(record_id)


Listener = Callable[[ChangeSummary], None]


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return None  # blobs travel by their table row, not inside the log
    return value


class Operation:
    """One unit of work; create with :meth:`Session.operation`."""

    def __init__(self, session: Session, action: str, reason: str | None = None) -> None:
        self.session = session
        self.db = session.db
        self.action = action
        self.reason = reason
        self.summary = ChangeSummary(action)
        self._audited = False
        self._hlc = ""

    # -- clocks and checks -------------------------------------------------------------
    def stamp(self) -> str:
        """A fresh clock stamp for one change."""
        return self.session.clock.now().encode()

    def require_writer(self) -> None:
        """Analysts read; officers and leads write case data."""
        if self.session.role not in ("officer", "lead"):
            raise PermissionDenied("your role can read case files but not change them")

    def require_lead(self) -> None:
        """Membership, purge and rekey are for team leads (or the recovery key)."""
        if self.session.role != "lead":
            raise PermissionDenied("only a team lead may do this")

    # -- writes --------------------------------------------------------------------------
    def _log(
        self,
        table: str,
        record_id: str,
        field_name: str,
        value: Any,
        base_hlc: str | None,
        hlc: str,
    ) -> None:
        self.db.execute(
            "INSERT INTO changes (change_id, tbl, record_id, field, value, base_hlc, hlc,"
            " device_id, member_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new_id(),
                table,
                record_id,
                field_name,
                json.dumps(_json_value(value), ensure_ascii=False, sort_keys=True),
                base_hlc,
                hlc,
                self.session.device_id,
                self.session.member_id,
                self.reason,
            ),
        )
        self._hlc = hlc

    def insert(self, table: str, values: dict[str, Any], record_id: str | None = None) -> str:
        """Insert a record; one change-log row ('*') carries all its fields."""
        spec = TABLES[table]
        unknown = set(values) - set(spec.fields)
        if unknown:
            raise InvalidInput(f"unknown fields for {table}: {', '.join(sorted(unknown))}")
        record_id = record_id or new_id()
        hlc = self.stamp()
        row = dict(values)
        columns = ["id", *row]
        params: list[Any] = [record_id, *row.values()]
        if table == "timeline":
            columns += ["hlc", "device_id"]
            params += [hlc, self.session.device_id]
        else:
            columns.append("updated_hlc")
            params.append(hlc)
            if spec.has_updated_at:
                columns.append("updated_at")
                params.append(audit.utc_now())
        placeholders = ", ".join("?" for _ in columns)
        self.db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
            params,
        )
        self._log(table, record_id, "*", {k: _json_value(v) for k, v in row.items()}, None, hlc)
        self.summary.add(table, record_id)
        return record_id

    def current(self, table: str, record_id: str) -> dict[str, Any]:
        """The stored row as a dict (NotFound when absent)."""
        spec = TABLES[table]
        row = self.db.query_one(
            f"SELECT * FROM {spec.name} WHERE id = ?", (record_id,)
        )
        if row is None:
            raise NotFound(f"no {table[:-1]} with id {record_id}")
        return dict(zip(row.keys(), tuple(row), strict=True))

    def _field_base(self, record_id: str, field_name: str) -> str | None:
        base: str | None = self.db.scalar(
            "SELECT hlc FROM changes WHERE record_id = ? AND field IN (?, '*')"
            " ORDER BY hlc DESC LIMIT 1",
            (record_id, field_name),
        )
        return base

    def update(self, table: str, record_id: str, values: dict[str, Any]) -> list[str]:
        """Change fields of an editable record; logs one row per field that really changed."""
        spec = TABLES[table]
        if spec.immutable:
            raise InvalidInput(f"{table} entries cannot be changed; add a correction instead")
        unknown = set(values) - set(spec.fields)
        if unknown:
            raise InvalidInput(f"unknown fields for {table}: {', '.join(sorted(unknown))}")
        current = self.current(table, record_id)
        changed = [name for name, value in values.items() if current.get(name) != value]
        if not changed:
            return []
        self._write_fields(table, record_id, {name: values[name] for name in changed},
                           {name: values[name] for name in changed})
        return changed

    def _write_fields(self, table: str, record_id: str, logged: dict[str, Any],
                      columns: dict[str, Any]) -> None:
        """Log one change row per ``logged`` field (each based on that field's previous
        stamp), then store ``columns`` with the newest stamp."""
        hlc = ""
        for name, value in logged.items():
            base = self._field_base(record_id, name)
            hlc = self.stamp()
            self._log(table, record_id, name, value, base, hlc)
        assignments = [f"{name} = ?" for name in columns] + ["updated_hlc = ?"]
        params: list[Any] = [*columns.values(), hlc]
        if TABLES[table].has_updated_at:
            assignments.append("updated_at = ?")
            params.append(audit.utc_now())
        self.db.execute(
            f"UPDATE {table} SET {', '.join(assignments)} WHERE id = ?",
            [*params, record_id],
        )
        self.summary.add(table, record_id)

    def update_json(
        self, table: str, record_id: str, column: str, new: dict[str, Any]
    ) -> list[str]:
        """Replace a JSON-object column, logging one change row per key that changed
        (field name ``"<column>.<key>"``), so concurrent edits of different keys merge."""
        spec = TABLES[table]
        if spec.immutable or column not in spec.fields:
            raise InvalidInput(f"{table}.{column} cannot be changed")
        old = json.loads(self.current(table, record_id)[column] or "{}")
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if not changed:
            return []
        self._write_fields(
            table, record_id, {f"{column}.{key}": new.get(key) for key in changed},
            {column: json.dumps(new, ensure_ascii=False, sort_keys=True)})
        return changed

    def _set_deleted(self, table: str, record_id: str, deleted_at: str | None) -> None:
        current = self.current(table, record_id)
        if (current.get("deleted_at") is None) == (deleted_at is None):
            state = "in the trash" if deleted_at else "not in the trash"
            raise InvalidInput(f"that record is already {state}")
        base = self._field_base(record_id, "deleted_at")
        hlc = self.stamp()
        self._log(table, record_id, "deleted_at", deleted_at, base, hlc)
        deleted_by = self.session.member_id if deleted_at else None
        time_col = ", updated_hlc = ?" if table != "timeline" else ""
        params: list[Any] = [deleted_at, deleted_by]
        if time_col:
            params.append(hlc)
        self.db.execute(
            f"UPDATE {table} SET deleted_at = ?, deleted_by = ?{time_col} WHERE id = ?",
            [*params, record_id],
        )
        self.summary.add(table, record_id)

    def trash(self, table: str, record_id: str) -> None:
        """Move a record to the trash (restorable for 30 days)."""
        self._set_deleted(table, record_id, audit.utc_now())

    def restore(self, table: str, record_id: str) -> None:
        """Take a record back out of the trash."""
        self._set_deleted(table, record_id, None)

    def purge(self, table: str, record_id: str) -> None:
        """Erase a record for good, keeping only its id as a tombstone (team leads only)."""
        self.require_lead()
        self.current(table, record_id)
        hlc = self.stamp()
        self.db.execute(f"DELETE FROM {table} WHERE id = ?", (record_id,))
        # Old values live on in the change log; a purge must not leave them there.
        self.db.execute("DELETE FROM changes WHERE record_id = ?", (record_id,))
        search.unindex(self.db, record_id)
        self.db.execute(
            "INSERT INTO tombstones (record_id, tbl, purged_at, purged_by, hlc, device_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (record_id, table, audit.utc_now(), self.session.member_id, hlc,
             self.session.device_id),
        )
        self._log(table, record_id, "__purged__", None, None, hlc)
        self.summary.add(table, record_id)

    def audit(
        self,
        action: str | None = None,
        record_type: str | None = None,
        record_id: str | None = None,
        **detail: Any,
    ) -> None:
        """Append the audit entry for this operation (its action name by default)."""
        audit.append(
            self.db,
            device_id=self.session.device_id,
            hlc=self._hlc or self.stamp(),
            member_id=self.session.member_id,
            member_name=self.session.actor_name,
            action=action or self.action,
            record_type=record_type,
            record_id=record_id,
            detail=detail,
        )
        self._audited = True

    def finish(self) -> None:
        """Called before commit: make sure every operation left an audit entry."""
        if not self._audited:
            counts = {table: len(ids) for table, ids in self.summary.touched.items()}
            self.audit(self.action, None, None, records=counts)
