"""Exporting and importing sync bundles: the step a user takes ("send my work to the lead",
"take in this file"), from choosing what to send to the summary of what came in.

Export gathers what the recipients have not acknowledged (or everything with ``full``),
reserves the next sequence number, records the export in the audit trail and the bundle
history, and only then lets the file appear (atomically, owner-only, never over an existing
file). Import checks the plain header (team, sender in the roster and not revoked, not
already imported, no second bundle under one sequence number), verifies the signature before
anything is decrypted, checks every record, and applies everything in one transaction: all or
nothing. A refused bundle changes nothing in the vault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from btam_desktop.core import schema
from btam_desktop.core.db import CACHE_KIB
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.fileio import atomic_writer
from btam_desktop.core.ids import new_uuid
from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, peers, team
from btam_desktop.core.sync import payload as payload_mod
from btam_desktop.core.sync import scope as scope_mod
from btam_desktop.core.sync.bundle import BundleRefused
from btam_desktop.core.sync.merge import MergeError, MergeReport
from btam_desktop.core.words import plural

SUFFIX = ".btambundle"
IMPORT_CACHE_KIB = 131_072


@dataclass
class ExportResult:
    """What an export wrote."""

    path: Path
    bundle_id: str
    sequence: int
    recipients: list[str]
    counts: dict[str, int]
    size: int


@dataclass
class ImportSummary:
    """What one bundle brought in (counts only, never case content)."""

    bundle_id: str
    sender_device_id: str
    sender_name: str
    sequence: int
    already_imported: bool = False
    report: MergeReport = field(default_factory=MergeReport)
    audit_entries: int = 0
    roster_updated: bool = False
    missing_before: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json`` and the bundle history."""
        return {
            "bundle_id": self.bundle_id, "sender_device_id": self.sender_device_id,
            "sender": self.sender_name, "sequence": self.sequence,
            "already_imported": self.already_imported, **self.report.to_json(),
            "audit_entries": self.audit_entries, "roster_updated": self.roster_updated,
            "missing_before": self.missing_before,
        }

    def lines(self) -> list[str]:
        """The summary in plain words."""
        if self.already_imported:
            return [f"Bundle #{self.sequence} from {self.sender_name} was already imported;"
                    " nothing changed."]
        r = self.report
        new_cases = r.created.get("cases", 0)
        updated_cases = len(r.updated.get("cases", set()))
        entries = plural(r.created.get("timeline", 0), "new timeline entry",
                         "new timeline entries")
        # Shown as is by the app (Sync, the watched folder) as well as the CLI: real words,
        # "1 new timeline entry", not "1 new timeline entr(y/ies)".
        out = [f"Bundle #{self.sequence} from {self.sender_name}:",
               f"  {plural(new_cases, 'new case')}, {plural(updated_cases, 'updated case')},"
               f" {plural(r.created.get('submissions', 0), 'new form')},"
               f" {entries}",
               f"  {plural(r.applied, 'change')} applied, {r.duplicates:,} already here,"
               f" {plural(r.older, 'older value')} kept in history,"
               f" {r.dropped:,} for purged records"]
        if r.new_conflicts:
            out.append(f"  {plural(r.new_conflicts, 'new conflict')} for the team lead:"
                       " see `btam conflicts list`")
        if r.not_lead_purges or r.not_lead_resolutions:
            # Only an active lead of the roster purges or settles conflicts for the team.
            out.append(f"  {plural(r.not_lead_purges, 'record purge')} and"
                       f" {plural(r.not_lead_resolutions, 'conflict resolution')}"
                       " made on a laptop that is not a lead laptop of"
                       " the team were not applied (the records stay; the conflicts stay open"
                       " for the team lead)")
        if r.not_lead_reviews:
            out.append(f"  {plural(r.not_lead_reviews, 'form review')} made on a laptop that is"
                       " not a lead laptop of the team"
                       f" {'was' if r.not_lead_reviews == 1 else 'were'} not applied (the"
                       " forms stay as they were, to be reviewed by the team lead)")
        if r.held:
            out.append(f"  {plural(r.held, 'record')} held until the records they belong to"
                       " arrive")
        if r.released:
            out.append(f"  {plural(r.released, 'record')} held earlier"
                       f" {'is' if r.released == 1 else 'are'} now applied")
        if self.roster_updated:
            out.append("  the team roster was updated")
        if r.withdrawn:
            out.append(f"  {plural(r.withdrawn, 'case')} no longer assigned to this laptop"
                       f" {'was' if r.withdrawn == 1 else 'were'} removed"
                       " from it (need to know)")
        if r.withdraw_waiting:
            out.append(f"  {plural(r.withdraw_waiting, 'case')} to be removed from this laptop"
                       f" {'waits' if r.withdraw_waiting == 1 else 'wait'}"
                       " until what was written here on them has reached the team lead")
        if self.missing_before:
            gaps = ", ".join(f"#{n}" for n in self.missing_before[:10])
            out.append(f"  bundles {gaps} from this laptop have not arrived here (some may have"
                       " been for other laptops); nothing is lost: each bundle carries"
                       " everything not yet acknowledged")
        return out


# -- export --------------------------------------------------------------------------------------
def default_name(session: Session, sequence: int | None = None) -> str:
    """A file name that says who sent it and in which order (no case content); by default
    the name of the next bundle this laptop writes."""
    if sequence is None:
        sequence = next_sequence(session)
    return f"btam-{session.device_code}-{sequence:05d}{SUFFIX}"


def next_sequence(session: Session) -> int:
    """The number the next bundle of this laptop will carry."""
    return int(session.db.meta("sync:out_seq") or 0) + 1


def export_bundle(session: Session, out: Path, *, to: list[str] | None = None,
                  full: bool = False, overwrite: bool = False) -> ExportResult:
    """Write a bundle for ``to`` (device ids, codes or names; default: every other active
    device of the team) holding what they have not acknowledged, or everything."""
    out = Path(out)
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name (or use the outbox)")
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists; choose another name")
    keys = team.device_keys(session)
    roster = team.require_roster(session)
    me = roster.device(session.device_id)
    # A laptop that has joined but not yet received the roster naming it may already send:
    # the lead who approved it knows its keys.
    if me is not None and me.status != "active":
        raise InvalidInput("this laptop has been revoked from the team; it can no longer send")
    recipients = team.recipients(roster, session.device_id, to)
    limited = [r for r in recipients if r.scope == "assigned"]
    if limited and len(recipients) > 1:
        names = ", ".join(r.name for r in limited)
        raise InvalidInput(f"{names} see only their assigned cases: each gets a bundle of its"
                           " own (export with --to for each)")
    db = session.db
    scope = scope_mod.for_device(db, limited[0].device_id) if limited else None
    holds = scope_mod.held_cases(db) if me is not None and me.scope == "assigned" else None
    ack = {} if full else peers.common_ack(db, [r.device_id for r in recipients])
    doc = payload_mod.collect(db, device_id=session.device_id, ack=ack,
                              roster=team.chain_json(session), scope=scope, holds=holds)
    withdrawn = len(doc["withdraw"])
    counts = {**payload_mod.counts_of(doc), "withdrawn": withdrawn}
    bundle_id = new_uuid()
    sequence = next_sequence(session)
    prev_hash = db.meta("sync:out_hash") or ""
    data = bundle.write_bundle(
        doc, sender=keys, recipients=[r.public for r in recipients],
        schema_version=schema.LATEST, kind="sync", team_id=roster.team_id, sequence=sequence,
        prev_hash=prev_hash, counts=counts, bundle_id=bundle_id)
    digest = bundle.file_hash(data)
    with atomic_writer(out) as handle:
        handle.write(data)
        # Recorded before the file appears: an export that is not in the history and the
        # audit trail never exists.
        with session.operation("bundle.export") as op:
            op.require_writer()
            db.set_meta("sync:out_seq", str(sequence))
            db.set_meta("sync:out_hash", digest)
            db.execute(
                "INSERT INTO sync_bundles (bundle_id, direction, sender_device_id, sequence,"
                " file_hash, prev_hash, recipients, at, member_name, filename, summary)"
                " VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (bundle_id, session.device_id, sequence, digest, prev_hash,
                 json.dumps([r.device_id for r in recipients]), _now(), session.actor_name,
                 out.name, json.dumps({"counts": counts, "full": full})))
            op.audit("bundle.export", "bundle", bundle_id, sequence=sequence,
                     recipients=[r.device_id for r in recipients], full=full, **counts)
    return ExportResult(out, bundle_id, sequence, [r.device_id for r in recipients], counts,
                        len(data))


# -- import --------------------------------------------------------------------------------------
def inspect(path: Path) -> bundle.BundleHeader:
    """The plain header of a bundle (no passphrase needed, nothing decrypted)."""
    return bundle.read_header(bundle.read_bundle_file(path), max_schema=schema.LATEST)


def import_file(session: Session, path: Path) -> ImportSummary:
    """Import one bundle file (see :func:`import_bytes`)."""
    path = Path(path)
    return import_bytes(session, bundle.read_bundle_file(path), filename=path.name)


def import_bytes(session: Session, data: bytes, *, filename: str = "") -> ImportSummary:
    """Check, verify, decrypt and merge one bundle, all or nothing."""
    db = session.db
    if session.role not in ("officer", "lead"):
        raise BundleRefused("your role can read case files but not import bundles")
    header = bundle.read_header(data, max_schema=schema.LATEST)
    if header.kind != "sync":
        raise BundleRefused(f"this is a {header.kind} bundle, not a sync bundle")
    roster = team.require_roster(session)
    if header.team_id != roster.team_id:
        raise BundleRefused("this bundle comes from another team")
    if header.sender_device_id == session.device_id:
        raise BundleRefused("this bundle was written by this laptop")
    sender = roster.device(header.sender_device_id)
    if sender is None:
        raise BundleRefused("the sending laptop is not in this team's roster (unknown device)")
    if sender.status != "active":
        raise BundleRefused(f"the sending laptop ({sender.name}) has been revoked from the team")
    digest = bundle.file_hash(data)
    summary = ImportSummary(header.bundle_id, sender.device_id, sender.name, header.sequence)
    if db.scalar("SELECT 1 FROM sync_bundles WHERE bundle_id = ? AND direction = 'in'",
                 (header.bundle_id,)):
        summary.already_imported = True
        return summary
    same_seq = db.query_one(
        "SELECT bundle_id FROM sync_bundles WHERE direction = 'in' AND sender_device_id = ?"
        " AND sequence = ?", (sender.device_id, header.sequence))
    if same_seq is not None:
        _record_fork(session, sender.device_id, header.sequence,
                     [str(same_seq[0]), header.bundle_id])
        raise BundleRefused(
            f"{sender.name} sent two different bundles numbered #{header.sequence}: the laptop"
            " may have been cloned or restored from a copy. Nothing was imported; the team"
            " lead sees this under Sync")
    _, doc = bundle.open_bundle(data, sender_public=sender.public, me=team.device_keys(session),
                                max_schema=schema.LATEST)
    try:
        parsed = payload_mod.parse(doc)
    except payload_mod.PayloadError as exc:
        raise BundleRefused(str(exc)) from None
    summary.missing_before = _missing_before(session, sender.device_id, header.sequence)
    # A large bundle touches more index pages than the usual page cache holds; each miss is a
    # page decrypted again. A bigger cache for the length of the import only.
    db.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        with session.operation("bundle.import") as op:
            op.require_writer()
            if parsed.roster is not None:
                summary.roster_updated = team.adopt_roster(session, parsed.roster)
            if parsed.holds is not None:
                db.set_meta(scope_mod.holds_key(sender.device_id), json.dumps(parsed.holds))
            report, added = payload_mod.apply(op, parsed, local_device=session.device_id)
            summary.report, summary.audit_entries = report, added
            peers.note_ack(db, sender.device_id, parsed.seen)
            peers.note_received(db, sender.device_id, header.sequence)
            db.execute(
                "INSERT INTO sync_bundles (bundle_id, direction, sender_device_id, sequence,"
                " file_hash, prev_hash, recipients, at, member_name, filename, summary)"
                " VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (header.bundle_id, sender.device_id, header.sequence, digest,
                 header.prev_hash, json.dumps([r.device_id for r in header.recipients]),
                 _now(), session.actor_name, filename, json.dumps(summary.to_json())))
            op.audit("bundle.import", "bundle", header.bundle_id, sender=sender.device_id,
                     sequence=header.sequence, **report.to_json())
    except (MergeError, payload_mod.PayloadError, team.RosterRejected) as exc:
        raise BundleRefused(str(exc)) from None
    finally:
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return summary


def _missing_before(session: Session, sender: str, sequence: int) -> list[int]:
    """Numbers between the first bundle received from ``sender`` and this one that have not
    arrived. Informational only: a sender numbers all its bundles in one series, so some were
    meant for other laptops; and each bundle carries everything not yet acknowledged, so a
    lost one loses nothing."""
    seen = {int(r[0]) for r in session.db.query(
        "SELECT sequence FROM sync_bundles WHERE direction = 'in' AND sender_device_id = ?",
        (sender,))}
    if not seen:
        return []
    return [n for n in range(min(seen) + 1, sequence) if n not in seen][:100]


def _record_fork(session: Session, device_id: str, sequence: int, ids: list[str]) -> None:
    with session.operation("sync.fork") as op:
        session.db.execute(
            "INSERT OR IGNORE INTO sync_forks (sender_device_id, sequence, bundle_ids,"
            " detected_at) VALUES (?, ?, ?, ?)",
            (device_id, sequence, json.dumps(ids), _now()))
        op.audit("sync.fork", "device", device_id, sequence=sequence)


def history(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    """Bundles in and out, newest first, with their summaries."""
    rows = session.db.query(
        "SELECT * FROM sync_bundles ORDER BY at DESC LIMIT ?", (limit,))
    return [{**dict(zip(r.keys(), tuple(r), strict=True)),
             "summary": json.loads(r["summary"] or "{}"),
             "recipients": json.loads(r["recipients"] or "[]")} for r in rows]


def forks(session: Session) -> list[dict[str, Any]]:
    """Two different bundles under one sequence number from one laptop (a cloned laptop?)."""
    return [dict(zip(r.keys(), tuple(r), strict=True))
            for r in session.db.query("SELECT * FROM sync_forks ORDER BY detected_at")]


def held(session: Session) -> list[dict[str, Any]]:
    """Records waiting for the record they belong to, and what they wait for."""
    out = []
    for row in session.db.query(
            "SELECT change_id, waiting_for, change, received_at FROM sync_pending"
            " ORDER BY received_at"):
        change = json.loads(row["change"])
        table, _, key = str(row["waiting_for"]).partition(":")
        out.append({"change_id": row["change_id"], "table": change["table"],
                    "record_id": change["record_id"], "waiting_for_table": table,
                    "waiting_for": key, "received_at": row["received_at"]})
    return out


def _now() -> str:
    from btam_desktop.core import audit

    return audit.utc_now()
