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

import base64
import contextlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from btam_desktop.core import schema
from btam_desktop.core.db import CACHE_KIB, Database
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.fileio import OWNER_ONLY, fsync_dir
from btam_desktop.core.ids import new_uuid
from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, limits, peers, team
from btam_desktop.core.sync import payload as payload_mod
from btam_desktop.core.sync import scope as scope_mod
from btam_desktop.core.sync.bundle import BundleRefused
from btam_desktop.core.sync.merge import MergeError, MergeReport
from btam_desktop.core.words import plural

SUFFIX = ".btambundle"
IMPORT_CACHE_KIB = 131_072


@dataclass
class ExportResult:
    """What an export wrote. With several parts, ``path``, ``bundle_id`` and ``sequence`` are
    the first part's, ``counts`` and ``size`` the sums, and ``parts`` each part in order."""

    path: Path
    bundle_id: str
    sequence: int
    recipients: list[str]
    counts: dict[str, int]
    size: int
    parts: list[ExportResult] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """Every file written, in order (one unless the export was written in parts)."""
        return [part.path for part in self.parts] or [self.path]


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
        unproven = r.not_proven_purges + r.not_proven_resolutions + r.not_proven_reviews
        if unproven:
            # Named after a lead laptop, relayed by another without that lead laptop's own
            # signature: made up on the way (a tampered laptop?), so not applied.
            out.append(f"  {plural(r.not_proven_purges, 'record purge')},"
                       f" {plural(r.not_proven_resolutions, 'conflict resolution')} and"
                       f" {plural(r.not_proven_reviews, 'form review')} said to be made on a"
                       " lead laptop but not proven (not signed by it) were not applied; the"
                       " laptop that passed them on may have been tampered with: tell the"
                       " team lead")
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


def part_name(out: Path, number: int, count: int) -> Path:
    """The file of part ``number`` of ``count``: ``<stem>-part-2-of-3<suffix>`` next to the
    file the user chose (the chosen name itself when there is one part)."""
    if count == 1:
        return out
    # Zero-padded ("-part-02-of-12") so that the names sort in order (a file list, a glob).
    return out.with_name(f"{out.stem}-part-{number:0{len(str(count))}d}-of-{count}"
                         f"{out.suffix}")


def _taken_part_names(out: Path) -> list[Path]:
    """Files already there that a part of an export to ``out`` could be named."""
    if not out.parent.is_dir():
        return []
    pattern = re.compile(re.escape(out.stem) + r"-part-[0-9]+-of-[0-9]+" + re.escape(out.suffix))
    return sorted(p for p in out.parent.iterdir() if pattern.fullmatch(p.name))


@dataclass
class _Sealed:
    """A part sealed and written to a hidden temporary file, waiting for its name."""

    tmp: Path
    bundle_id: str
    sequence: int
    prev_hash: str
    digest: str
    counts: dict[str, int]
    size: int


def export_bundle(session: Session, out: Path, *, to: list[str] | None = None,
                  full: bool = False, overwrite: bool = False) -> ExportResult:
    """Write a bundle for ``to`` (device ids, codes or names; default: every other active
    device of the team) holding what they have not acknowledged, or everything.

    What is larger than a part (payload.PART_BYTES) is written in parts: several complete
    bundles, each with its own consecutive sequence number, named by :func:`part_name`, each
    imported on its own (see payload.parts). Nothing is written or recorded if any file it
    would write exists."""
    out = Path(out)
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name (or use the outbox)")
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists; choose another name")
    taken = _taken_part_names(out)
    if taken and not overwrite:
        raise InvalidInput(f"{taken[0]} already exists (a part of an earlier export?); choose"
                           " another name")
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
    first_sequence = next_sequence(session)
    prev_hash = db.meta("sync:out_hash") or ""
    out.parent.mkdir(parents=True, exist_ok=True)
    sealed: list[_Sealed] = []
    cases: set[str] = set()  # a case changed in two parts is one case
    try:
        # One part in memory at a time: gathered, sealed, written to a hidden temporary file
        # (encrypted, owner-only), let go; the files get their names once all are written
        # and recorded.
        for doc in payload_mod.parts(db, device_id=session.device_id, ack=ack,
                                     roster=team.chain_json(session), scope=scope,
                                     holds=holds):
            counts = {**payload_mod.counts_of(doc), "withdrawn": len(doc["withdraw"])}
            cases.update(row[2] for row in doc["changes"] if row[1] == "cases")
            bundle_id = new_uuid()
            sequence = first_sequence + len(sealed)
            try:
                data = bundle.write_bundle(
                    doc, sender=keys, recipients=[r.public for r in recipients],
                    schema_version=schema.LATEST, kind="sync", team_id=roster.team_id,
                    sequence=sequence, prev_hash=prev_hash, counts=counts,
                    bundle_id=bundle_id)
            except bundle.PayloadTooLarge:
                # Parts are cut well below the limit; this one is not, whatever the cut: one
                # change, or what every part carries (roster, purges), is too large.
                raise BundleRefused(
                    "a part of this export is larger than the bundle limit even on its own"
                    " (a very large record?); nothing was written") from None
            del doc
            digest = bundle.file_hash(data)
            sealed.append(_Sealed(_write_hidden(out, data), bundle_id, sequence, prev_hash,
                                  digest, counts, len(data)))
            prev_hash = digest
            del data
        return _record_and_name(session, out, sealed, recipients=[r.device_id
                                                                  for r in recipients],
                                full=full, overwrite=overwrite, cases=len(cases))
    finally:
        for part in sealed:
            with contextlib.suppress(OSError):
                part.tmp.unlink()


def _write_hidden(out: Path, data: bytes) -> Path:
    """``data`` in a new owner-only hidden file next to ``out``, flushed to disk."""
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    tmp = Path(name)
    try:
        os.chmod(tmp, OWNER_ONLY)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _record_and_name(session: Session, out: Path, sealed: list[_Sealed], *,
                     recipients: list[str], full: bool, overwrite: bool,
                     cases: int) -> ExportResult:
    """Record every part (sequence, history, audit), then give the files their names."""
    db = session.db
    count = len(sealed)
    names = [part_name(out, number, count) for number in range(1, count + 1)]
    for name in names:
        if name.exists() and not overwrite:  # appeared while the parts were being sealed
            raise InvalidInput(f"{name} already exists; choose another name")
    # Recorded before the files appear: an export that is not in the history and the audit
    # trail never exists.
    with session.operation("bundle.export") as op:
        op.require_writer()
        db.set_meta("sync:out_seq", str(sealed[-1].sequence))
        db.set_meta("sync:out_hash", sealed[-1].digest)
        for number, (part, name) in enumerate(zip(sealed, names, strict=True), start=1):
            of = {"part": number, "parts": count} if count > 1 else {}
            db.execute(
                "INSERT INTO sync_bundles (bundle_id, direction, sender_device_id, sequence,"
                " file_hash, prev_hash, recipients, at, member_name, filename, summary)"
                " VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (part.bundle_id, session.device_id, part.sequence, part.digest,
                 part.prev_hash, json.dumps(recipients), _now(), session.actor_name,
                 name.name, json.dumps({"counts": part.counts, "full": full, **of})))
            op.audit("bundle.export", "bundle", part.bundle_id, sequence=part.sequence,
                     recipients=recipients, full=full, **of, **part.counts)
    for part, name in zip(sealed, names, strict=True):
        os.replace(part.tmp, name)
    fsync_dir(out.parent)
    results = [ExportResult(name, part.bundle_id, part.sequence, recipients, part.counts,
                            part.size) for part, name in zip(sealed, names, strict=True)]
    if count == 1:
        return results[0]
    totals: dict[str, int] = {}
    for part in sealed:
        for key, value in part.counts.items():
            totals[key] = totals.get(key, 0) + value
    # Tombstones and withdrawn cases travel in every part: counted once.
    for key in ("tombstones", "withdrawn"):
        totals[key] = sealed[-1].counts.get(key, 0)
    totals["cases"] = cases
    return ExportResult(names[0], sealed[0].bundle_id, sealed[0].sequence, recipients, totals,
                        sum(part.size for part in sealed), parts=results)


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
    part = _part_of(doc, parsed)
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
            prior = _held_stamps(db)
            parsed.blobs.update(_held_blobs(db))
            report, added = payload_mod.apply(op, parsed, local_device=session.device_id,
                                              sender=sender.device_id)
            summary.report, summary.audit_entries = report, added
            _note_coverage(db, part, prior, session.device_id)
            if parsed.blobs:  # else no content came and none is kept: nothing to read
                _keep_held_blobs(db, parsed.blobs)
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


def _part_of(doc: Any, parsed: payload_mod.Payload) -> dict[str, dict[str, str]] | None:
    """A part's ``from``/``to`` stamps per device (payload.parts), checked against what the
    part holds; None: a whole bundle.

    The range is what the receiver's acknowledgement rises over, so a part must say it as an
    honest exporter does: a number 1..MAX_PARTS, the same devices in ``from`` and ``to`` as
    in its ``seen``, no range reaching past what the sender says it holds (``seen``), and
    every change it carries inside its device's range. Anything else
    was made up on the sending laptop (or damaged there before it was signed): the bundle is
    refused before anything is written. Bounded by the payload's own size."""
    part = doc.get("part") if isinstance(doc, dict) else None
    if part is None:
        return None
    malformed = BundleRefused("malformed bundle: part")
    if not isinstance(part, dict):
        raise malformed
    number = part.get("number")
    if type(number) is not int or not 1 <= number <= limits.MAX_PARTS:
        raise malformed
    now_ms = int(time.time() * 1000)
    checked: dict[str, dict[str, str]] = {"from": {}, "to": {}}
    for name in ("from", "to"):
        stamps = part.get(name)
        if not isinstance(stamps, dict) or set(stamps) != set(parsed.seen):
            raise malformed
        for device, stamp in stamps.items():
            if not isinstance(stamp, str):
                raise malformed
            if stamp != "":
                try:
                    payload_mod._stamp(stamp, "part stamp", now_ms)
                except payload_mod.PayloadError as exc:
                    raise BundleRefused(str(exc)) from None
            checked[name][device] = stamp
    outside = BundleRefused(
        "this part of an export holds other changes than the stamps it says it covers (made"
        " up or damaged on the sending laptop); nothing was imported")
    low, high = checked["from"], checked["to"]
    # "from" at or above "to" is an empty range (honest: a device whose newest change came
    # before this part's stamps), which no change can be in.
    for device, top in high.items():
        if top > parsed.seen[device][0]:
            raise outside
    for change in parsed.changes:
        device = change.device_id
        if device not in high or not low[device] < change.hlc <= high[device]:
            raise outside
    return checked


def _held_stamps(db: Database) -> dict[str, str]:
    """Per device, the stamp up to which this laptop holds all its changes."""
    return {str(r[0]): str(r[1]) for r in db.query("SELECT device_id, hlc FROM sync_seen")}


_COVER = "sync:cover:"


def _note_coverage(db: Database, part: dict[str, dict[str, str]] | None,
                   prior: dict[str, str], local_device: str) -> None:
    """What this laptop says it holds (sync_seen, sent back as its acknowledgement) rises only
    over stamps it holds without a gap.

    A part carries, per device, every change stamped in (from, to]. Imported after what comes
    before it, it raises the stamp to ``to``; imported before (a later part first), its range
    is kept aside (meta ``sync:cover:<device>``) and the stamp stays where it was, so the
    sender goes on sending what the missing part holds until it is here; the range is taken
    in as soon as what is held reaches it (the missing part, or any bundle)."""
    devices = {key[len(_COVER):] for key in (str(r[0]) for r in db.query(
        "SELECT key FROM meta WHERE key LIKE 'sync:cover:%'"))}
    if part is not None:
        devices |= set(part["to"])
    devices.discard(local_device)
    if not devices:
        return
    after = _held_stamps(db)
    for device in sorted(devices):
        ranges: list[list[str]] = json.loads(db.meta(_COVER + device) or "[]")
        if part is not None and device in part["to"]:
            base = prior.get(device, "")  # payload.apply raised it to the part's newest
            low, high = part["from"].get(device, ""), part["to"][device]
            if high > low:
                ranges.append([low, high])
        else:
            base = after.get(device, "")
        reach, rest = base, []
        for low, high in sorted(ranges):
            if low <= reach:
                reach = max(reach, high)
            else:
                rest.append([low, high])
        if reach != after.get(device, ""):
            db.execute(
                "INSERT INTO sync_seen (device_id, hlc, audit_seq) VALUES (?, ?, 0)"
                " ON CONFLICT (device_id) DO UPDATE SET hlc = excluded.hlc", (device, reach))
        if rest:
            db.set_meta(_COVER + device, json.dumps(rest))
        elif ranges:
            db.execute("DELETE FROM meta WHERE key = ?", (_COVER + device,))


_HELD_BLOB = "sync:heldblob:"


def _held_blobs(db: Database) -> dict[str, bytes]:
    """The contents of attachments held (sync_pending) by earlier imports."""
    return {str(r[0])[len(_HELD_BLOB):]: base64.b64decode(str(r[1])) for r in db.query(
        "SELECT key, value FROM meta WHERE key LIKE 'sync:heldblob:%'")}


def _keep_held_blobs(db: Database, blobs: dict[str, bytes]) -> None:
    """Keep the content of every attachment still held, for the import that releases it.

    An attachment's content travels in the bundle (or part) that holds its insert; an insert
    held until its case arrives is applied by a later import, whose bundle does not carry the
    content (parts imported last first: the case's part comes after the attachment's). Kept
    in the (encrypted) vault with the held change, dropped once it is applied."""
    wanted: set[str] = set()
    for row in db.query(
            "SELECT change FROM sync_pending WHERE change LIKE '%attachments%'"):
        change = json.loads(row[0])
        if change.get("table") == "attachments" and change.get("field") == "*":
            sha = str(json.loads(change.get("value") or "{}").get("sha256"))
            wanted.add(sha)
            if sha in blobs and db.meta(_HELD_BLOB + sha) is None:
                db.set_meta(_HELD_BLOB + sha, base64.b64encode(blobs[sha]).decode("ascii"))
    for key in [str(r[0]) for r in db.query(
            "SELECT key FROM meta WHERE key LIKE 'sync:heldblob:%'")]:
        if key[len(_HELD_BLOB):] not in wanted:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))


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
