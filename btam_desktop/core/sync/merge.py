"""Applying changes from other laptops: an order-free merge that never loses a value.

Each change from a bundle enters the vault through the write path's remote seam
(:meth:`Operation.insert_remote`, :meth:`~Operation.set_remote`, ...), inside the import's one
transaction. The rules, in the order they are checked:

1. A change already in the log (same change id) is a duplicate: nothing happens. This makes
   import idempotent, and over-sending harmless.
2. A change to a purged record is dropped: the tombstone wins, so no late bundle brings a
   purged record back.
3. A purge erases the record, everything that hangs off it, and their change rows, and leaves
   tombstones.
4. An insert whose parent (its case, person, form definition, ...) has not arrived is *held*
   in ``sync_pending`` and applied as soon as the parent arrives; one whose parent was purged
   is dropped with it.
5. A field change is always kept in the log; it is written to the record when it is the
   newest change of that field by ``(hlc, device)``, so every laptop ends with the same value
   whatever order the bundles came in. A concurrent, different value goes to the conflict
   queue (:mod:`btam_desktop.core.sync.conflicts`), never silently away.

Before all of these: a purge (and the tombstones that travel with it) or a conflict resolution
is applied only when the laptop that *made* it (the change's own device, not the bundle's
sender: changes are relayed) is an active lead in the roster at hand, *and* that is proven:
the change is the sender's own (the bundle's signature covers it) or it carries a signature
by that lead laptop's roster key (core/sync/leadsig.py). Any other is set aside, neither
applied nor logged, and counted in the import summary (made on a laptop that is not a lead
laptop; or named after a lead laptop but not proven to be its); the rest of the bundle comes
in, and a conflict it meant to settle stays open for the lead. A vault with no team (no
roster) has no one else to ask and applies them as before. A form review (a submission's
status set to 'reviewed', its reviewed_at or reviewed_by, or a newer status taking a review
back) is a lead's in the same way; the submission and its answers are anyone's and apply.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from btam_desktop.core import audit, changelog
from btam_desktop.core.db import ID_CHUNK, IntegrityError, id_chunks
from btam_desktop.core.ops import (
    JSON_COLUMNS,
    PURGED,
    RESOLVED,
    TABLES,
    Operation,
    RemoteChange,
    dump_json_column,
)
from btam_desktop.core.sync import conflicts, leadsig

# Which column of a table points at which parent table (the foreign keys of the schema).
PARENTS: dict[str, dict[str, str]] = {
    "case_assignments": {"case_id": "cases", "member_id": "members"},
    "case_persons": {"case_id": "cases", "person_id": "persons"},
    "timeline": {"case_id": "cases", "partner_id": "partners", "supersedes": "timeline"},
    "tasks": {"case_id": "cases", "assignee_id": "members"},
    "attachments": {"case_id": "cases"},
    "submissions": {"case_id": "cases", "amends": "submissions"},
    "disseminations": {"case_id": "cases", "submission_id": "submissions"},
}
# The same relation seen from the parent: what a purge must erase first.
CHILDREN: dict[str, list[tuple[str, str]]] = {}
for _child, _links in PARENTS.items():
    for _column, _parent in _links.items():
        CHILDREN.setdefault(_parent, []).append((_child, _column))


# Columns by which a new record is looked up before it is inserted (a case's number, a form's
# id and version, with its content hash): noted by the merge while its inserts are collected.
_LOOKED_UP_BY = frozenset({("cases", "number"), ("form_definitions", "form_id"),
                           ("form_definitions", "version"), ("form_definitions", "sha256")})


class MergeError(Exception):
    """A change that cannot be applied as sent (the bundle is refused whole)."""


@dataclass
class MergeReport:
    """What one import did, for the summary the user sees."""

    applied: int = 0
    duplicates: int = 0
    older: int = 0
    dropped: int = 0
    held: int = 0
    released: int = 0
    new_conflicts: int = 0
    withdrawn: int = 0
    withdraw_waiting: int = 0
    # Purged records and resolutions made on a laptop that is not an active lead (not applied).
    not_lead_purges: int = 0
    not_lead_resolutions: int = 0
    # Form reviews (a submission marked reviewed, or its review undone) likewise.
    not_lead_reviews: int = 0
    # The same three named after an active lead laptop but not proven to be its (relayed
    # without a valid signature of that laptop: forged by the laptop that relayed them?).
    not_proven_purges: int = 0
    not_proven_resolutions: int = 0
    not_proven_reviews: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: dict[str, set[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Counts only (never content): safe for the bundle history and the audit trail."""
        return {
            "applied": self.applied, "duplicates": self.duplicates, "older": self.older,
            "dropped": self.dropped, "held": self.held, "released": self.released,
            "conflicts": self.new_conflicts, "withdrawn": self.withdrawn,
            "withdraw_waiting": self.withdraw_waiting, "created": dict(self.created),
            "not_lead_purges": self.not_lead_purges,
            "not_lead_resolutions": self.not_lead_resolutions,
            "not_lead_reviews": self.not_lead_reviews,
            "not_proven_purges": self.not_proven_purges,
            "not_proven_resolutions": self.not_proven_resolutions,
            "not_proven_reviews": self.not_proven_reviews,
            "updated": {table: len(ids) for table, ids in self.updated.items()},
        }


def change_order(change: RemoteChange) -> tuple[str, str, str]:
    """Causal order: a change made on top of another always has a higher stamp."""
    return (change.hlc, change.device_id, change.change_id)


def _folded_insert(change: RemoteChange) -> list[tuple[str, str]]:
    """(table, record id) of a '*' change that may be a folded insert here (its change id is
    its record id: docs/change-log-design.md), for changelog.known."""
    if change.field == "*" and change.change_id == change.record_id:
        return [(change.table, change.record_id)]
    return []


class Merger:
    """Applies a batch of remote changes inside one operation."""

    def __init__(self, op: Operation, blobs: dict[str, bytes] | None = None, *,
                 sender: str | None = None) -> None:
        self.op = op
        # The device whose signature the bundle carries (None: no bundle's, as in tests).
        self.sender = sender
        self.local_device = op.session.device_id
        self.db = op.db
        self.blobs = blobs or {}
        self.report = MergeReport()
        self._touched: set[tuple[str, str]] = set()
        # Looked up once per import instead of once per change (they are small).
        self._tombs: set[str] = {str(r[0]) for r in self.db.query(
            "SELECT record_id FROM tombstones")}
        self._present: set[str] = set()
        self._seen_ids: set[str] = set()
        # What arrived in this import ("table:id", "form_definitions:form@version", as
        # sync_pending's waiting_for names it): all that can release a held change.
        self._arrived: list[str] = []
        # Records inserted by this import, and the newest (hlc, device) of each of their
        # fields: a field change of such a record needs no look-up in the (batched) log.
        self._created: set[str] = set()
        self._newest: dict[tuple[str, str], tuple[str, str]] = {}
        # The change ids of the batch looked up in the log at the start (_preload_known): one
        # of them not in _seen_ids is not in the log (it enters it only through _apply).
        self._looked_up: set[str] = set()
        # What this import inserted, as the look-ups of a collected (not yet written) record
        # need it: the number of each case, the content hash of each form ("form_id@version").
        # Only ever more than the table holds by what is collected (a field change of one of
        # these records writes everything first and forgets them).
        self._numbers: set[Any] = set()
        self._forms: dict[str, Any] = {}
        # The devices whose purges and resolutions count: the active leads of the roster at
        # hand (a newer roster in the bundle is adopted before the merge), with the keys their
        # signatures are checked with. None: no team.
        from btam_desktop.core.sync import team  # team builds on the session, like this module

        current = team.roster(op.session)
        self._leads = None if current is None else {d.device_id: d for d in current.leads()}
        self._set_aside: set[str] = set()
        # Tombstones named after a lead laptop but not proven, judged once the bundle's
        # changes are in (settle_tombstones).
        self._unproven_tombs: list[RemoteChange] = []
        # Submissions this import inserted or marked reviewed: a status change of another
        # record made in this import cannot take a review back (no look-up, no flush).
        self._reviewed_here: set[str] = set()

    def admits(self, change: RemoteChange) -> bool:
        """False (counted once) for a purge, a resolution or a form review made on a laptop
        that is not an active lead (a member laptop's vault has a lead of its own, who is not
        the team's), or named after an active lead laptop without proof that it made it."""
        verdict = self._judge(change)
        if verdict is None:
            return True
        self._count(change, *verdict)
        return False

    def admits_tombstone(self, purge: RemoteChange) -> bool:
        """:meth:`admits` for a tombstone (its purge change, with the purge's signature). One
        not proven is counted only by :meth:`settle_tombstones`: a record erased with its
        purged parent on the laptop that relays it has a tombstone with the parent purge's
        stamp and device but no signature of its own, and is no one's forgery."""
        verdict = self._judge(purge)
        if verdict is None:
            return True
        if verdict[1]:
            self._unproven_tombs.append(purge)
        else:
            self._count(purge, *verdict)
        return False

    def settle_tombstones(self) -> None:
        """Count the unproven tombstones set aside that no proven purge accounts for: not the
        record erased here after all (with its parent, by a proven purge), nor one with the
        stamp and device of a purge applied here naming a record this laptop does not hold (a
        record erased with that purged parent on the relaying laptop: here it would be
        dropped on arrival). Either way it is not applied.

        One with such a stamp naming a record held here is counted: had that purge erased
        it with its parent, it would have erased it here too (a record's parent is the same
        on every laptop), so the stamp was copied onto a tombstone made up for it."""
        if not self._unproven_tombs:
            return
        # One read of the tombstones for all of them (a bundle may hold thousands).
        purges = {(str(r[0]), str(r[1])) for r in self.db.query(
            "SELECT hlc, device_id FROM tombstones")}
        self.op.flush_batch()  # a record collected by this import is in its table
        for purge in self._unproven_tombs:
            if purge.record_id in self._tombs:
                continue
            if (purge.hlc, purge.device_id) in purges \
                    and not self._exists(purge.table, purge.record_id):
                continue
            self._count(purge, "purge", True)
        self._unproven_tombs.clear()

    def _judge(self, change: RemoteChange) -> tuple[str, bool] | None:
        """None when the change counts here; else what it is (purge, resolution, review) and
        whether it was named after an active lead laptop (True: not proven) or not."""
        if self._leads is None or change.device_id == self.local_device:
            return None
        lead = self._leads.get(change.device_id)
        if lead is not None and change.device_id == self.sender:
            return None  # the bundle's signature is this lead laptop's own
        if change.field == PURGED:
            kind = "purge"
        elif change.field == RESOLVED or change.resolves:
            kind = "resolution"
        elif change.table == "submissions" and self._is_review(change):
            kind = "review"
        else:
            return None  # anyone's change
        if lead is None:
            return kind, False
        # Relayed: the device id on it is only the relaying laptop's word, unless the lead
        # laptop signed the change itself.
        if leadsig.verifies(lead.public, change):
            return None
        return kind, True

    def _count(self, change: RemoteChange, kind: str, unproven: bool) -> None:
        """Count a set-aside change once: a purge per record, a resolution per change, a
        review per form (one review writes three fields, a stamp each)."""
        key = {"purge": change.record_id, "resolution": change.change_id,
               "review": f"review:{change.record_id}"}[kind]
        if key in self._set_aside:
            return
        self._set_aside.add(key)
        name = f"{'not_proven' if unproven else 'not_lead'}_{kind}s"
        setattr(self.report, name, getattr(self.report, name) + 1)

    def _is_review(self, change: RemoteChange) -> bool:
        """Whether a change of a submission gives or takes back the team's sign-off (what
        :meth:`SubmissionStore.review` writes: status 'reviewed', reviewed_at, reviewed_by).

        The submission itself and its answers are anyone's; only who reviewed it is a
        lead's. An insert never carries a review (a form is created draft or complete and
        reviewed later): one that does was crafted, and the bundle is refused."""
        if change.field == "*":
            row = change.decoded() or {}
            if row.get("status") == "reviewed" or row.get("reviewed_at") \
                    or row.get("reviewed_by"):
                raise MergeError("a form in the bundle arrived already marked reviewed (no"
                                 " laptop creates a form reviewed: it was made up on the way);"
                                 " nothing was imported")
            return False
        if change.field in ("reviewed_at", "reviewed_by"):
            return True
        if change.field != "status":
            return False
        if change.decoded() == "reviewed":
            return True
        if change.record_id in self._created and change.record_id not in self._reviewed_here:
            return False
        # Another status on a reviewed form, newer than its review, takes the review back
        # (an honest laptop only ever completes a draft, which is never reviewed); an older
        # one is kept in the history as any older value is.
        self.op.flush_batch()
        stored = self.db.scalar("SELECT status FROM submissions WHERE id = ?",
                                (change.record_id,))
        if stored != "reviewed":
            return False
        newest = changelog.newest(self.db, change.record_id, "status")
        return newest is None or (change.hlc, change.device_id) > newest

    # -- look-ups -----------------------------------------------------------------------------
    def _known(self, change: RemoteChange) -> bool:
        change_id = change.change_id
        if change_id in self._seen_ids:
            return True
        if change_id in self._looked_up:
            return False
        self.op.flush_batch()  # a folded insert collected in this batch is in its table
        return bool(changelog.known(self.db, [change_id], _folded_insert(change)))

    def _preload_known(self, changes: list[RemoteChange]) -> None:
        """Which of a batch's changes are already here, in a few queries instead of one each
        (a '*' change whose change id is its record id also by its record: a folded insert)."""
        ids = [c.change_id for c in changes]
        self._seen_ids.update(changelog.known(
            self.db, ids, [key for c in changes for key in _folded_insert(c)]))
        self._looked_up.update(ids)

    def _tombstone(self, record_id: str) -> Any:
        if record_id not in self._tombs:
            return None
        return self.db.query_one("SELECT * FROM tombstones WHERE record_id = ?", (record_id,))

    def _exists(self, table: str, record_id: str) -> bool:
        if record_id in self._present:
            return True
        found = self.db.scalar(f"SELECT 1 FROM {table} WHERE id = ?", (record_id,)) is not None
        if found:
            self._present.add(record_id)
        return found

    # -- entry points ---------------------------------------------------------------------------
    def apply(self, changes: list[RemoteChange]) -> MergeReport:
        """Apply changes in causal order, then anything held whose parent arrived, then
        bring the conflict queue of every touched record up to date."""
        ordered = sorted(changes, key=change_order)
        self._preload_known(ordered)
        # Change rows and new records are collected and written in batches (executemany);
        # all of it is one transaction, so a refusal at any point leaves nothing behind.
        self.op.begin_batch()
        try:
            for change in ordered:
                self._apply(change)
            self.release_held()  # in the same batches: thousands may be released at once
            self.op.end_batch()
        except IntegrityError as exc:
            self.op.discard_batch()
            raise _refused(getattr(exc, "table", None), exc) from None
        except BaseException:
            self.op.discard_batch()
            raise
        if ordered:
            self.op.observe(max(ordered, key=change_order))
        for table, record_id in sorted(self._touched):
            if table in TABLES and self._exists(table, record_id):
                self.report.new_conflicts += conflicts.recompute(self.db, table, record_id)
        self.report.held = int(self.db.scalar("SELECT count(*) FROM sync_pending"))
        return self.report

    def release_held(self) -> None:
        """Apply the held changes that what arrived in this import lets in, round by round
        (what a released change brings may release more), each round in causal order.

        Held changes are looked up by what they wait for (sync_pending's index), never read
        whole: a change is held only while what it waits for is absent, and a record from
        another laptop arrives only through this merge, which notes it (_arrived). A form
        definition may also be stored here by hand (a shipped form): the few changes waiting
        for a form are checked on every import. Importing the parts of a large export last
        first holds most of them; each import then reads only what it releases."""
        if self.db.scalar("SELECT 1 FROM sync_pending LIMIT 1") is None:
            self._arrived.clear()
            return  # nothing held (every import of a bundle in order)
        keys = set(self._arrived) | self._form_waits()
        while keys:
            self._arrived.clear()
            if len(keys) > ID_CHUNK and int(self.db.scalar(
                    "SELECT count(*) FROM sync_pending")) < len(keys):
                # A large import and fewer held changes: what they wait for, read from the
                # index once, is the shorter list to look up.
                keys &= {str(r[0]) for r in self.db.query(
                    "SELECT DISTINCT waiting_for FROM sync_pending")}
            rows = [row for chunk, marks in id_chunks(sorted(keys)) for row in self.db.query(
                "SELECT change_id, waiting_for, change FROM sync_pending"
                f" WHERE waiting_for IN ({marks})", chunk)]
            ready: list[RemoteChange] = []
            for row in rows:
                table, _, record_id = str(row["waiting_for"]).partition(":")
                if self._tombstone(record_id) or self._ready(table, record_id):
                    ready.append(_held_change(row["change"]))
            # Out of the table first: one that waits again (for its other parent) is held anew.
            for chunk, marks in id_chunks([c.change_id for c in ready]):
                self.db.execute(f"DELETE FROM sync_pending WHERE change_id IN ({marks})", chunk)
            self.report.released += len(ready)
            ordered = sorted(ready, key=change_order)
            self.op.flush_batch()  # the look-up of the log below sees what was collected
            self._preload_known(ordered)
            for change in ordered:
                self._apply(change)
            keys = set(self._arrived)
        self._arrived.clear()

    def _form_waits(self) -> set[str]:
        """The form definitions changes wait for that are stored here now."""
        waits = [str(r[0]) for r in self.db.query(
            "SELECT DISTINCT waiting_for FROM sync_pending"
            " WHERE waiting_for >= 'form_definitions:' AND waiting_for < 'form_definitions;'")]
        return {w for w in waits if self._ready("form_definitions", w.partition(":")[2])}

    def _ready(self, table: str, key: str) -> bool:
        if table == "form_definitions":
            if key in self._forms:
                return True
            form_id, _, version = key.rpartition("@")
            return self.db.scalar(
                "SELECT 1 FROM form_definitions WHERE form_id = ? AND version = ?",
                (form_id, int(version))) is not None
        return self._exists(table, key)

    # -- one change ---------------------------------------------------------------------------
    def _apply(self, change: RemoteChange) -> None:
        if self._known(change):
            self.report.duplicates += 1
            return
        if not self.admits(change):
            return  # set aside: never logged, so never relayed as if it counted
        # From here it is logged (or held: _hold takes it back), also when the log is
        # written in a batch: a second copy of it in the same bundle is a duplicate.
        self._seen_ids.add(change.change_id)
        if self._tombstone(change.record_id) is not None:
            if change.field == PURGED:
                self.op.log_remote(change)  # the purge itself is kept, like any change
            self.report.dropped += 1
            return
        if change.device_id == self.local_device:
            raise MergeError("the bundle holds changes of this laptop that it never made (a"
                             " cloned laptop?); nothing was imported")
        if change.field == PURGED or (change.field != "*"
                                      and change.record_id not in self._created):
            self.op.flush_batch()  # what follows reads the log or the index
        if change.field == PURGED:
            self._purge(change)
        elif change.field == "*":
            self._insert(change)
        elif not self._exists(change.table, change.record_id):
            self._hold(change, change.table, change.record_id)
        elif change.field == RESOLVED:
            self.op.log_remote(change)
            self.report.applied += 1
            self._touched.add((change.table, change.record_id))
        else:
            self._set_field(change)

    def _note_newest(self, record_id: str, field_name: str, stamp: tuple[str, str]) -> None:
        if record_id in self._created or field_name == "*":
            key = (record_id, field_name)
            current = self._newest.get(key)
            if current is None or stamp > current:
                self._newest[key] = stamp

    def _hold(self, change: RemoteChange, table: str, key: str) -> None:
        self._seen_ids.discard(change.change_id)
        data = {
            "change_id": change.change_id, "table": change.table,
            "record_id": change.record_id, "field": change.field, "value": change.value,
            "base_hlc": change.base_hlc, "hlc": change.hlc, "device_id": change.device_id,
            "member_id": change.member_id, "reason": change.reason,
            "resolves": list(change.resolves), "sig": change.sig,
        }
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO sync_pending (change_id, waiting_for, change, received_at)"
            " VALUES (?, ?, ?, ?)",
            (change.change_id, f"{table}:{key}", json.dumps(data, sort_keys=True),
             audit.utc_now()))
        if cursor.rowcount:
            self.report.held += 1  # the final count is taken at the end of apply()

    def _insert(self, change: RemoteChange) -> None:
        table = change.table
        row = dict(change.decoded() or {})
        for column, parent in PARENTS.get(table, {}).items():
            parent_id = row.get(column)
            if not parent_id:
                continue
            tomb = self._tombstone(str(parent_id))
            if tomb is not None:
                # The parent was purged: this record goes with it, for good.
                self.op.flush_batch()
                self._purge(_cascade(change, tomb), log=False)
                self.report.dropped += 1
                return
            if not self._exists(parent, str(parent_id)):
                self._hold(change, parent, str(parent_id))
                return
        if table == "submissions":
            form_key = f"{row.get('form_id')}@{row.get('form_version')}"
            if not self._ready("form_definitions", form_key):
                self._hold(change, "form_definitions", form_key)
                return
        if table == "form_definitions" and self._same_form(row):
            # The same form stored on two laptops under two record ids: one copy is enough.
            self.op.log_remote(change)
            self.report.duplicates += 1
            return
        if table == "cases":
            other = row.get("number") in self._numbers or self.db.scalar(
                "SELECT id FROM cases WHERE number = ?", (row.get("number"),)) is not None
            if other:
                raise MergeError(
                    f"case number {row.get('number')} is used by two different cases: the"
                    " laptops' device codes are not unique (ask the team lead)")
        if table == "attachments":
            content = self.blobs.get(str(row.get("sha256")))
            if content is None:
                raise MergeError("an attachment's content is missing from the bundle")
            row["content"] = content
        try:
            self.op.insert_remote(change, row)
        except IntegrityError as exc:
            raise _refused(table, exc) from None
        if table == "cases":
            self._numbers.add(row.get("number"))
        elif table == "form_definitions":
            self._forms[f"{row.get('form_id')}@{row.get('version')}"] = row.get("sha256")
        self._present.add(change.record_id)
        self._created.add(change.record_id)
        self._arrived.append(f"{table}:{change.record_id}")
        if table == "form_definitions":
            self._arrived.append(f"form_definitions:{row.get('form_id')}@{row.get('version')}")
        if table == "submissions" and row.get("status") == "reviewed":
            self._reviewed_here.add(change.record_id)
        self._note_newest(change.record_id, "*", (change.hlc, change.device_id))
        self.report.applied += 1
        self.report.created[table] += 1
        link = conflicts.FORK_LINKS.get(table)
        if link and row.get(link):
            self._touched.add((table, str(row[link])))

    def _same_form(self, row: dict[str, Any]) -> bool:
        key = f"{row.get('form_id')}@{row.get('version')}"
        if key in self._forms:
            sha = self._forms[key]
        else:
            stored = self.db.query_one(
                "SELECT sha256 FROM form_definitions WHERE form_id = ? AND version = ?",
                (row.get("form_id"), row.get("version")))
            if stored is None:
                return False
            sha = stored["sha256"]
        if sha != row.get("sha256"):
            raise MergeError(
                f"form {row.get('form_id')} version {row.get('version')} exists on two laptops"
                " with different content; give one of them a higher version and send again")
        return True

    def _set_field(self, change: RemoteChange) -> None:
        table, record_id = change.table, change.record_id
        column, _, key = change.field.partition(".")
        mine = (change.hlc, change.device_id)
        if record_id in self._created:
            # Made in this import: every change of it is known here, logged or not yet.
            known = [self._newest.get((record_id, change.field)),
                     self._newest.get((record_id, "*"))]
            newest = max((k for k in known if k is not None), default=None)
        else:
            self.op.flush_batch()
            newest = changelog.newest(self.db, record_id, change.field)
        self._touched.add((table, record_id))
        self._note_newest(record_id, change.field, mine)
        if newest is not None and mine < newest:
            self.op.log_remote(change)  # kept in the history; a newer value stays in effect
            self.report.older += 1
            return
        value = change.decoded()
        if (table, column) in _LOOKED_UP_BY and record_id in self._created:
            # A number or form key this import noted may change: the table alone answers.
            self.op.flush_batch()
            self._numbers.clear()
            self._forms.clear()
        columns: dict[str, Any]
        if key:
            stored = json.loads(self.op.stored_column(table, record_id, column) or "{}")
            if value is None:
                stored.pop(key, None)
            else:
                stored[key] = value
            columns = {column: dump_json_column(stored)}
        elif change.field == "deleted_at":
            columns = {"deleted_at": value, "deleted_by": change.member_id if value else None}
        else:
            columns = {column: value}
        self.op.set_remote(change, columns)
        if table == "submissions" and change.field == "status" and value == "reviewed":
            self._reviewed_here.add(record_id)
        self.report.applied += 1
        self.report.updated.setdefault(table, set()).add(record_id)

    def _purge(self, change: RemoteChange, *, log: bool = True) -> None:
        """Erase a record and everything hanging off it (children first), with tombstones."""
        table, record_id = change.table, change.record_id
        for child_table, column in CHILDREN.get(table, []):
            if table == "members":
                continue  # members are deactivated, never purged; their records stay
            for row in self.db.query(
                    f"SELECT id FROM {child_table} WHERE {column} = ?", (record_id,)):
                self._purge(_cascade(change, None, child_table, str(row[0])), log=False)
        for row in self.db.query("SELECT change_id FROM sync_pending WHERE waiting_for = ?",
                                 (f"{table}:{record_id}",)):
            self.db.execute("DELETE FROM sync_pending WHERE change_id = ?", (row[0],))
        conflicts.forget(self.db, record_id)
        if table == "cases":
            self.db.execute("DELETE FROM referrals WHERE case_id = ?", (record_id,))
        self.op.purge_remote(change, log=log)
        self._tombs.add(record_id)
        self._present.discard(record_id)
        if log:
            self.report.applied += 1


def _refused(table: str | None, exc: Exception) -> MergeError:
    """A new record the database refused (written at once or in a batch): honest bundles never
    get here (ids are unique, values were checked when they were written); a crafted one is
    refused whole, never half applied."""
    what = "twice under different changes" if "UNIQUE" in str(exc) else "malformed"
    record = f"{table.removesuffix('s')} record" if table else "record"
    return MergeError(f"a new {record} in the bundle is {what}")


def _held_change(text: str) -> RemoteChange:
    """A held change as _hold stored it."""
    data = json.loads(text)
    return RemoteChange(**{**data, "resolves": tuple(data.get("resolves") or ())})


def _cascade(change: RemoteChange, tomb: Any, table: str | None = None,
             record_id: str | None = None) -> RemoteChange:
    """The purge of a record that goes with its purged parent: the parent purge's stamp and
    device, so every laptop writes the same tombstone."""
    hlc = str(tomb["hlc"]) if tomb is not None else change.hlc
    device = str(tomb["device_id"]) if tomb is not None else change.device_id
    member = tomb["purged_by"] if tomb is not None else change.member_id
    return RemoteChange(
        change_id=f"cascade:{record_id or change.record_id}", table=table or change.table,
        record_id=record_id or change.record_id, field=PURGED, value=None, base_hlc=None,
        hlc=hlc, device_id=device, member_id=member, reason=None)


def is_valid_field(table: str, field_name: str) -> bool:
    """Whether a change may name this field of this table (anything else is refused)."""
    spec = TABLES.get(table)
    if spec is None:
        return False
    if field_name in ("*", PURGED, RESOLVED):
        return True
    if field_name == "deleted_at":
        return table not in ("timeline", "disseminations")
    if spec.immutable:
        return False
    column, dot, key = field_name.partition(".")
    if dot:
        return column in JSON_COLUMNS.get(table, ()) and bool(key)
    return column in spec.fields
