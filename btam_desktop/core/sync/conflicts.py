"""The conflict queue: values that lost a concurrent edit, kept for the team lead.

A conflict is never stored as a decision; it is *derived* from the change log of one record,
so that every laptop holding the same changes shows the same queue whatever order the bundles
arrived in. For one field of one record:

- the value in effect is the change with the highest ``(hlc, device)`` (last writer wins);
- a change is *overwritten* (no conflict) when another change of that field was made on top
  of it (its ``base_hlc`` is that change's stamp): someone saw it and changed it;
- every other change whose value differs from the value in effect is a **value conflict**:
  two people changed the same thing without seeing each other's edit;
- an edit made on another laptop after the record was moved to the trash there is a
  **trash conflict** (an update against a delete);
- two amendments of one completed form, or two corrections of one timeline entry, are a
  **fork**: both are kept, the lead says which one stands.

Resolving is itself a change (``changes.resolves`` names what it settles) and travels in
bundles, so a conflict settled on the lead's laptop is settled everywhere.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from btam_desktop.core import audit, changelog, search
from btam_desktop.core.db import Database
from btam_desktop.core.errors import InvalidInput, NotFound
from btam_desktop.core.ops import PURGED, RESOLVED, TABLES, change_value

if TYPE_CHECKING:
    from btam_desktop.core.session import Session

# Never settled silently: a lead must look at these even though a provisional value applies.
CRITICAL_FIELDS: dict[str, frozenset[str]] = {
    "cases": frozenset({"concern", "status", "tier", "closure_reason", "closed_on"}),
}
CRITICAL_FORMS = frozenset({"management_plan"})
_SPECIAL = frozenset({"*", PURGED, RESOLVED})
# Child tables whose rows say "I replace that row": two of them for one row is a fork.
FORK_LINKS: dict[str, str] = {"submissions": "amends", "timeline": "supersedes"}


@dataclass(frozen=True)
class Conflict:
    """One entry of the queue, with both sides as the lead sees them."""

    id: str
    kind: str
    table: str
    record_id: str
    field: str
    critical: bool
    detected_at: str
    resolved: bool
    current: Side
    other: Side


@dataclass(frozen=True)
class Side:
    """One value of a conflict: what, by whom, when (clock stamp), on which laptop, why."""

    change_id: str
    value: Any
    member_id: str | None
    member_name: str
    hlc: str
    device_id: str
    reason: str | None


def _key(row: Any) -> tuple[str, str]:
    return (str(row["hlc"]), str(row["device_id"]))


def _derive(db: Database, table: str, record_id: str,
            settled: dict[str, str]) -> dict[str, tuple[str, str, str, str]]:
    """Conflicts of one record as {id: (kind, field, loser change id, winner change id)}.
    A settled conflict stays listed (as resolved) even when the value it lost with is the
    value now in effect: that is what "keep incoming" does."""
    rows = changelog.of_record(db, record_id)
    by_field: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row["field"] not in _SPECIAL:
            by_field[row["field"]].append(row)
    found: dict[str, tuple[str, str, str, str]] = {}
    for field, group in by_field.items():
        winner = max(group, key=_key)
        bases = {row["base_hlc"] for row in group}
        for row in group:
            if row is winner or row["hlc"] in bases:
                continue
            if row["value"] == winner["value"] and row["change_id"] not in settled:
                continue
            found[f"value:{row['change_id']}"] = ("value", field, row["change_id"],
                                                  winner["change_id"])
    deletes = by_field.get("deleted_at", [])
    trashings = [r for r in deletes if json.loads(r["value"] or "null") is not None]
    if trashings:
        delete = max(trashings, key=_key)
        still_deleted = max(deletes, key=_key) is delete
        for field, group in by_field.items():
            if field == "deleted_at":
                continue
            for row in group:
                if row["device_id"] != delete["device_id"] and _key(row) > _key(delete) and (
                        still_deleted or row["change_id"] in settled):
                    found[f"trash:{row['change_id']}"] = (
                        "trash", field, row["change_id"], delete["change_id"])
    link = FORK_LINKS.get(table)
    if link:
        # The children's ids first, then their inserts by record (one index look-up each).
        children = changelog.inserts_of(db, [str(r[0]) for r in db.query(
            f"SELECT id FROM {table} WHERE {link} = ?", (record_id,))])
        if len(children) > 1:
            winner = max(children, key=_key)
            for row in children:
                if row is not winner:
                    found[f"fork:{row['change_id']}"] = ("fork", link, row["change_id"],
                                                         winner["change_id"])
    return found


def _resolutions(db: Database, record_id: str) -> dict[str, str]:
    """{settled change id: the change that settled it} (the newest resolution wins). Every
    resolution is logged on the record the conflict is about."""
    rows = changelog.resolutions_of(db, record_id)
    settled: dict[str, str] = {}
    for row in rows:
        for change_id in json.loads(row["resolves"]):
            settled[str(change_id)] = str(row["change_id"])
    return settled


def _critical(db: Database, table: str, record_id: str, field: str) -> bool:
    if field in CRITICAL_FIELDS.get(table, frozenset()):
        return True
    if table == "submissions":
        form = db.scalar("SELECT form_id FROM submissions WHERE id = ?", (record_id,))
        return form in CRITICAL_FORMS
    return False


def recompute(db: Database, table: str, record_id: str) -> int:
    """Bring the queue entries of one record in line with its change log; returns how many
    unresolved entries are new."""
    settled = _resolutions(db, record_id)
    found = _derive(db, table, record_id, settled)
    existing = {r["id"]: r for r in db.query(
        "SELECT id, resolved_change_id FROM conflicts WHERE record_id = ?", (record_id,))}
    new = 0
    for conflict_id, (kind, field, loser, winner) in found.items():
        resolved = settled.get(loser)
        if conflict_id in existing:
            db.execute("UPDATE conflicts SET winner_change_id = ?, resolved_change_id = ?"
                       " WHERE id = ?", (winner, resolved, conflict_id))
            continue
        db.execute(
            "INSERT INTO conflicts (id, kind, tbl, record_id, field, winner_change_id,"
            " critical, detected_at, resolved_change_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conflict_id, kind, table, record_id, field, winner,
             int(_critical(db, table, record_id, field)), audit.utc_now(), resolved))
        if resolved is None:
            new += 1
    for conflict_id in set(existing) - set(found):
        db.execute("DELETE FROM conflicts WHERE id = ?", (conflict_id,))
    return new


def forget(db: Database, record_id: str) -> None:
    """A purged record takes its queue entries with it."""
    db.execute("DELETE FROM conflicts WHERE record_id = ?", (record_id,))


def open_count(db: Database) -> int:
    """Conflicts waiting for a lead."""
    return int(db.scalar("SELECT count(*) FROM conflicts WHERE resolved_change_id IS NULL"))


def _side(db: Database, change_id: str | None) -> Side:
    row = changelog.by_id(db, change_id)
    if row is None:
        return Side(change_id or "", None, None, "", "", "", None)
    logged = change_value(db, row["tbl"], row["record_id"], row["field"], row["value"])
    value = json.loads(logged) if logged is not None else None
    return Side(row["change_id"], value, row["member_id"],
                row["member_name"] or "Recovery key", row["hlc"], row["device_id"],
                row["reason"])


def listing(db: Database, *, include_resolved: bool = False,
            record_id: str | None = None, conflict_id: str | None = None) -> list[Conflict]:
    """The queue, critical first, then oldest first (or the one conflict named)."""
    sql = "SELECT * FROM conflicts"
    where: list[str] = []
    params: list[Any] = []
    if not include_resolved:
        where.append("resolved_change_id IS NULL")
    if record_id is not None:
        where.append("record_id = ?")
        params.append(record_id)
    if conflict_id is not None:
        where.append("id = ?")
        params.append(conflict_id)
    if where:
        sql += " WHERE " + " AND ".join(where)
    out: list[Conflict] = []
    for row in db.query(sql + " ORDER BY critical DESC, detected_at, id", params):
        loser = row["id"].split(":", 1)[1]
        current = _side(db, row["winner_change_id"])
        out.append(Conflict(
            id=row["id"], kind=row["kind"], table=row["tbl"], record_id=row["record_id"],
            field=row["field"], critical=bool(row["critical"]),
            detected_at=row["detected_at"], resolved=row["resolved_change_id"] is not None,
            current=current, other=_side(db, loser)))
    return out


def get(db: Database, conflict_id: str) -> Conflict:
    """One conflict: its id as shown, or a prefix of it that names no other conflict.

    The whole id is matched exactly first (short ids are case-sensitive). A prefix is matched
    without regard to case (LIKE), as UUID ids could be typed in capitals: a prefix that
    matches several conflicts that way says so rather than picking one."""
    if db.scalar("SELECT 1 FROM conflicts WHERE id = ?", (conflict_id,)):
        return listing(db, include_resolved=True, conflict_id=conflict_id)[0]
    rows = db.query("SELECT id FROM conflicts WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
                    (conflict_id.replace("\\", "\\\\").replace("%", "\\%")
                     .replace("_", "\\_") + "%",))
    if len(rows) > 1:
        raise InvalidInput(f"{conflict_id!r} matches several conflicts; give more of its id")
    if not rows:
        raise NotFound(f"no conflict {conflict_id!r}")
    return listing(db, include_resolved=True, conflict_id=rows[0][0])[0]


def check_table(table: str) -> None:
    """Conflicts only ever name tables of the write path."""
    if table not in TABLES:
        raise InvalidInput(f"unknown table {table!r}")


def _parse_value(conflict: Conflict, text: str) -> Any:
    """A lead's merged value, checked like a local edit of that field would be."""
    from btam_desktop.core.model import CASE_STATUSES, CONCERN_LEVELS, TIERS

    choices = {"concern": CONCERN_LEVELS, "status": CASE_STATUSES, "tier": TIERS}
    if conflict.table == "cases" and conflict.field in choices:
        allowed = choices[conflict.field]
        if text not in allowed:
            raise InvalidInput(f"{conflict.field} must be one of {', '.join(allowed)}")
        return text
    if conflict.field.startswith("answers."):
        try:
            return json.loads(text)
        except ValueError:
            return text  # a plain text answer
    if isinstance(conflict.current.value, int) and not isinstance(conflict.current.value, bool):
        try:
            return int(text)
        except ValueError:
            raise InvalidInput(f"{conflict.field} must be a whole number") from None
    return text


def resolve(session: Session, conflict_id: str, *, keep: str | None = None,
            value: str | None = None) -> Conflict:
    """Settle a conflict (team leads): ``keep="local"`` keeps the value in effect here,
    ``keep="incoming"`` takes the other value, ``value`` writes a merged one. The resolution is
    a change of its own and travels in the next bundle."""
    if (keep is None) == (value is None):
        raise InvalidInput("say --keep local, --keep incoming, or give --value")
    if keep not in (None, "local", "incoming"):
        raise InvalidInput("--keep takes 'local' or 'incoming'")
    db = session.db
    conflict = get(db, conflict_id)
    if conflict.resolved:
        raise InvalidInput("that conflict is already resolved")
    loser = (conflict.other.change_id,)
    with session.operation("conflict.resolve",
                           reason=f"conflict resolved ({keep or 'merged value'})") as op:
        op.require_team_lead()
        if keep == "local":
            op.resolve(conflict.table, conflict.record_id, conflict.field, loser,
                       keep_current=True)
        elif conflict.kind == "value":
            new = conflict.other.value if keep == "incoming" else _parse_value(
                conflict, value or "")
            op.resolve(conflict.table, conflict.record_id, conflict.field, loser, new,
                       keep_current=False)
            if (conflict.table, conflict.field) == ("cases", "concern") and \
                    new != conflict.current.value:
                # A concern change always lands on the timeline with its rationale.
                session.store._add_entry(
                    op, conflict.record_id, kind="concern_change",
                    summary=f"Concern level {conflict.current.value} \u2192 {new}"
                            " (conflict resolved)",
                    details=f"Two laptops set different levels; the team lead chose {new}."
                            + (f" Rationale given with it: {conflict.other.reason}"
                               if keep == "incoming" and conflict.other.reason else ""),
                    concern_from=conflict.current.value, concern_to=new)
        elif conflict.kind == "trash":
            if value is not None:
                raise InvalidInput("a record edited while in the trash is kept deleted"
                                   " (--keep local) or restored (--keep incoming)")
            op.resolve(conflict.table, conflict.record_id, "deleted_at", loser, None,
                       keep_current=False)
        else:  # a fork: both versions stay readable; the lead confirms which one stands
            if value is not None:
                raise InvalidInput("choose --keep local or --keep incoming for two amendments")
            if conflict.table == "submissions":
                op.trash("submissions", _record_of(db, conflict.current.change_id))
                search.reindex(db, "submissions",
                               _record_of(db, conflict.other.change_id))
            op.resolve(conflict.table, conflict.record_id, conflict.field, loser,
                       keep_current=True)
        recompute(db, conflict.table, conflict.record_id)
        op.audit("conflict.resolve", conflict.table.rstrip("s"), conflict.record_id,
                 field=conflict.field, kind=conflict.kind, kept=keep or "merged")
    return get(db, conflict.id)


def _record_of(db: Database, change_id: str) -> str:
    row = changelog.by_id(db, change_id)
    return str(row["record_id"] if row is not None else None)
