"""Need to know: a laptop limited to its members' assigned cases.

A lead can mark a device in the roster as ``scope: "assigned"``. Bundles for it then carry
only the cases its members are assigned to (with their people, timeline, tasks, forms,
attachments and disseminations), plus what every laptop needs: members, the partner
directory, form definitions, the roster and tombstones. They carry no audit trail of other
laptops (the audit entries name cases it must not know of).

Which cases such a laptop *holds* it says itself, in every bundle it sends (``holds``); the
exporter compares that with what it may hold now:

- a case newly in scope is sent with its whole history (its records may be older than what
  the laptop acknowledged, so "since last sync" alone would miss them);
- a case no longer in scope is *withdrawn*: the bundle names it, and the laptop erases it
  (no tombstone: the case may come back) once everything it wrote on it has reached the
  sender, so nothing typed there is lost. Each withdrawal is audited.

Because the receiver reports what it holds, a lost bundle is simply made up for by the next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from btam_desktop.core import changelog, search
from btam_desktop.core.db import Database, id_chunks
from btam_desktop.core.ops import Operation, fill_values
from btam_desktop.core.sync import conflicts

# Tables whose rows belong to one case (through their case_id), erased children first.
CASE_TABLES = ("disseminations", "submissions", "timeline", "tasks", "attachments",
               "case_persons", "case_assignments")
ALWAYS = frozenset({"members", "partners", "form_definitions"})


@dataclass(frozen=True)
class Scope:
    """What one limited recipient may hold, against what it says it holds."""

    device_id: str
    cases: frozenset[str]
    new_cases: frozenset[str]
    withdraw: frozenset[str]


def holds_key(device_id: str) -> str:
    """Meta key of the cases a limited laptop last said it holds."""
    return f"sync:holds:{device_id}"


def for_device(db: Database, device_id: str) -> Scope:
    """The scope of a limited recipient now."""
    rows = db.query(
        "SELECT DISTINCT a.case_id FROM case_assignments a JOIN members m ON m.id = a.member_id"
        " WHERE m.device_id = ? AND a.deleted_at IS NULL", (device_id,))
    allowed = frozenset(str(r[0]) for r in rows)
    held = frozenset(json.loads(db.meta(holds_key(device_id)) or "[]"))
    return Scope(device_id, allowed, allowed - held, held - allowed)


def held_cases(db: Database) -> list[str]:
    """The cases this laptop holds (what a limited laptop reports in its bundles)."""
    return [str(r[0]) for r in db.query("SELECT id FROM cases ORDER BY id")]


def _case_of(db: Database) -> tuple[dict[str, str], dict[str, set[str]]]:
    """record id -> its case, and person id -> the cases they are on."""
    owner: dict[str, str] = {}
    for table in CASE_TABLES:
        for row in db.query(f"SELECT id, case_id FROM {table}"):
            if row[1] is not None:
                owner[str(row[0])] = str(row[1])
    persons: dict[str, set[str]] = {}
    for row in db.query("SELECT person_id, case_id FROM case_persons WHERE deleted_at IS NULL"):
        persons.setdefault(str(row[0]), set()).add(str(row[1]))
    return owner, persons


def keep(db: Database, scope: Scope, changes: list[list[Any]]) -> list[list[Any]]:
    """The change rows a limited recipient may have, plus the whole history of the cases
    newly in its scope. Rows are ``[change_id, table, record_id, field, value, ...]``."""
    owner, persons = _case_of(db)

    def allowed(row: list[Any]) -> bool:
        table, record_id, field_name = row[1], str(row[2]), row[3]
        if table in ALWAYS or field_name == "__purged__":
            return True
        if table == "cases":
            return record_id in scope.cases
        if table == "persons":
            return bool(persons.get(record_id, set()) & scope.cases)
        case_id = owner.get(record_id)
        if case_id is None and field_name == "*":
            case_id = json.loads(row[4] or "{}").get("case_id")
        return case_id in scope.cases

    kept = [row for row in changes if allowed(row)]
    if scope.new_cases:
        seen = {row[0] for row in kept}
        records = set(scope.new_cases)
        records |= {rid for rid, case_id in owner.items() if case_id in scope.new_cases}
        records |= {pid for pid, cases in persons.items() if cases & scope.new_cases}
        kept.extend(row for row in changelog.of_records(db, sorted(records))
                    if row[0] not in seen)
        fill_values(db, kept)  # the records' compact insert changes, as copies
        kept.sort(key=changelog.BUNDLE_ORDER)
    return kept


def withdraw(op: Operation, case_id: str, sender_has_mine: str) -> bool:
    """Erase a case that left this laptop's scope, unless something written here on it has
    not reached the sender yet (its stamp is above ``sender_has_mine``, what the sender
    acknowledged of this laptop). True when erased."""
    db = op.db
    if db.scalar("SELECT 1 FROM cases WHERE id = ?", (case_id,)) is None:
        return True
    records = [case_id]
    by_table: dict[str, list[str]] = {}
    for table in CASE_TABLES:
        by_table[table] = [str(r[0]) for r in db.query(
            f"SELECT id FROM {table} WHERE case_id = ?", (case_id,))]
        records += by_table[table]
    people = [str(r[0]) for r in db.query(
        "SELECT DISTINCT person_id FROM case_persons WHERE case_id = ?", (case_id,))]
    if changelog.unsent(db, records + people, op.session.device_id, sender_has_mine):
        return False
    search.unindex_case(db, case_id)
    # Through the write path's one place for erasing rows (their change rows go below).
    for table in CASE_TABLES:
        op.rewrite(table, by_table[table], f"DELETE FROM {table} WHERE case_id = ?",
                   (case_id,))
    op.rewrite("cases", [case_id], "DELETE FROM cases WHERE id = ?", (case_id,))
    # People on no other case held here go too: they are as much need-to-know as the case.
    gone = [p for p in people if db.scalar(
        "SELECT 1 FROM case_persons WHERE person_id = ? LIMIT 1", (p,)) is None]
    for person_id in gone:
        op.rewrite("persons", [person_id], "DELETE FROM persons WHERE id = ?", (person_id,))
        search.unindex(db, person_id)
    for chunk, marks in id_chunks(records + gone):
        db.execute(f"DELETE FROM changes WHERE record_id IN ({marks})", chunk)
        db.execute("DELETE FROM sync_pending WHERE substr(waiting_for,"
                   f" instr(waiting_for, ':') + 1) IN ({marks})", chunk)
    for record_id in records:
        conflicts.forget(db, record_id)
    op.summary.add("cases", case_id)
    op.audit("case.withdraw", "case", case_id, records=len(records), people=len(gone))
    return True
