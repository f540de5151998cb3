"""The folder watch: take every complete new bundle from an inbox folder, and write this
laptop's outgoing bundles into an outbox folder (a USB stick, a network share, a mail
client's attachment folder, a Syncthing folder). No Qt here: the app and ``btam sync watch``
both drive :class:`FolderWatch`.

Reading the inbox (one :meth:`FolderWatch.scan`):

- only ``*.btambundle`` files are looked at; hidden files (Syncthing's ``.syncthing.*.tmp``,
  our own atomic writer's ``.<name>.<random>.part``), ``~syncthing~*.tmp``, ``*.part``,
  ``*.partial`` and ``*.tmp`` never are;
- a file is read only once it is *settled*: seen with the same size and modification time on
  the previous scan, or last modified at least ``settle_seconds`` ago. A file that cannot be
  opened (still being written, locked by the copier) or that changed while it was read waits
  for a later scan;
- a bundle written by this laptop, or not addressed to it, is skipped quietly: a shared folder
  holds everyone's bundles;
- every file taken (imported, already imported, refused, skipped) is remembered by name, size
  and SHA-256 prefix, so it is not read again every scan; a refused file is reported once with
  its reason, and never deleted or moved (the folder may be shared). Restarting the watch
  forgets this memory, which is harmless: the bundle history makes a re-import a no-op.

Writing the outbox: a bundle is written only when a recipient lacks something, so a quiet
team does not fill the folder. For each recipient device the watch keeps (in the vault's
``meta`` table, so ``--once`` runs from a scheduler behave the same) the content vector it last
sent it: per device, the newest change stamp, plus the roster version. A recipient gets a
bundle when this laptop holds

- changes (or a roster) newer than both what the recipient acknowledged and what was last sent
  to it, or
- changes *from that recipient* newer than what was last sent to it: the acknowledgement it
  needs so that its own exports stop re-sending them.

Audit entries travel with every bundle but never cause one on their own (exporting and
importing are audited, so counting them would make two watches answer each other forever).
The file is ``exchange.default_name(...)``, written atomically by the export (temp file
``.<name>.<random>.part`` in the outbox, which every watch ignores, then a rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from btam_desktop.core import schema
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, exchange, payload, peers, team
from btam_desktop.core.sync.bundle import BundleRefused, BundleTampered
from btam_desktop.core.sync.exchange import ExportResult, ImportSummary

SENT_META = "sync:watch_sent"
ROSTER_KEY = "~roster"  # never a device id (those are UUIDs)
_IGNORED_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".swp")
_DIGEST_CHARS = 16
# {device: newest change stamp} plus {ROSTER_KEY: roster version as text}
ContentVector = dict[str, str]


def is_candidate(name: str) -> bool:
    """Whether a file name in the inbox may be a finished bundle at all."""
    lowered = name.lower()
    if name.startswith((".", "~")) or lowered.startswith("~syncthing~"):
        return False
    if lowered.endswith(_IGNORED_SUFFIXES):
        return False
    return lowered.endswith(exchange.SUFFIX)


@dataclass(frozen=True)
class FileKey:
    """How a taken file is remembered: name, size and the start of its SHA-256."""

    name: str
    size: int
    digest: str


@dataclass(frozen=True)
class Refusal:
    """A file that will not be imported, with the reason."""

    name: str
    reason: str
    exit_code: int  # 1 refused, 3 integrity problem (tampered or corrupted)

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {"file": self.name, "refused": self.reason, "exit_code": self.exit_code,
                "tampered": self.exit_code == BundleTampered.exit_code}


@dataclass
class WatchReport:
    """What one scan did. ``lines()`` is what a person reads; quiet things (files for other
    laptops, files still being written) are only counted."""

    imported: list[tuple[str, ImportSummary]] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    exported: ExportResult | None = None
    export_problem: str | None = None
    problems: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def exit_code(self) -> int:
        """The worst outcome: 0, 1 (a refused bundle) or 3 (a tampered one)."""
        return max((r.exit_code for r in self.refused), default=0)

    def lines(self) -> list[str]:
        """The scan in plain words (empty when nothing worth saying happened)."""
        out: list[str] = []
        for name, summary in self.imported:
            text = summary.lines()
            out.append(f"{name}: {text[0]}")
            out.extend(text[1:])
        out.extend(f"{r.name}: refused: {r.reason}" for r in self.refused)
        out.extend(self.problems)
        if self.exported is not None:
            result = self.exported
            out.append(f"Wrote {result.path.name} (bundle #{result.sequence},"
                       f" {result.counts.get('changes', 0)} change(s),"
                       f" {result.counts.get('audit', 0)} audit entr(y/ies),"
                       f" {result.size:,} bytes) for {len(result.recipients)} laptop(s)")
        if self.export_problem:
            out.append(f"Nothing was written to the outbox: {self.export_problem}")
        if self.cancelled:
            out.append("Cancelled; the rest is taken at the next scan.")
        return out

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json`` (counts and reasons only, never case content)."""
        exported = None
        if self.exported is not None:
            e = self.exported
            exported = {"file": e.path.name, "path": str(e.path), "bundle_id": e.bundle_id,
                        "sequence": e.sequence, "recipients": e.recipients,
                        "counts": e.counts, "size": e.size}
        return {
            "imported": [{"file": name, **s.to_json()} for name, s in self.imported],
            "already_imported": self.already, "refused": [r.to_json() for r in self.refused],
            "skipped": self.skipped, "waiting": self.waiting, "exported": exported,
            "export_problem": self.export_problem, "problems": self.problems,
            "cancelled": self.cancelled,
        }


class FolderWatch:
    """One laptop's watch over an inbox and an outbox folder (they may be the same folder).

    ``to`` limits outgoing bundles to these devices (ids, codes or names); by default every
    other active device of the team may get one. ``settle_seconds``: a file last modified at
    least this long ago is read at first sight; a younger one only once a later scan sees it
    unchanged. ``clock`` (seconds since the epoch) is for tests.
    """

    def __init__(self, session: Session, inbox: Path, outbox: Path, *,
                 to: list[str] | None = None, settle_seconds: float = 2.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.session = session
        self.inbox = Path(inbox)
        self.outbox = Path(outbox)
        self.to = list(to) if to else None
        self.settle_seconds = settle_seconds
        self._clock = clock
        self._previous: dict[str, tuple[int, int]] = {}  # name -> (size, mtime) last scan
        self._taken_stat: dict[str, tuple[int, int]] = {}  # name -> (size, mtime) when taken
        self._taken: set[FileKey] = set()
        self._said: dict[str, str | None] = {"inbox": None, "outbox": None}

    # -- one pass ---------------------------------------------------------------------------
    def scan(self, cancelled: Callable[[], bool] | None = None) -> WatchReport:
        """Import what is ready in the inbox, then write a bundle to the outbox if a recipient
        lacks something. ``cancelled`` is asked between files; when it says yes, the scan
        stops (what was imported stays imported) and writes nothing."""
        report = WatchReport()
        for path in self._ready(report):
            if cancelled is not None and cancelled():
                report.cancelled = True
                return report
            self._take(path, report)
        if cancelled is not None and cancelled():
            report.cancelled = True
            return report
        self._export_if_needed(report)
        return report

    # -- inbox ------------------------------------------------------------------------------
    def _ready(self, report: WatchReport) -> list[Path]:
        """The inbox files that are settled and not taken yet, in name order (a sender's
        bundles are numbered, so its files come in sequence)."""
        try:
            entries = sorted(os.scandir(self.inbox), key=lambda e: e.name)
        except OSError as exc:
            self._say(report, "inbox", f"cannot read the inbox folder {self.inbox}:"
                                       f" {exc.strerror or type(exc).__name__}")
            return []
        self._say(report, "inbox", None)
        now = self._clock()
        current: dict[str, tuple[int, int]] = {}
        ready: list[Path] = []
        for entry in entries:
            if not is_candidate(entry.name):
                continue
            try:
                info = entry.stat()
            except OSError:
                continue  # vanished (renamed by the copier) or unreadable: next scan
            if not stat.S_ISREG(info.st_mode):
                continue
            signature = (info.st_size, info.st_mtime_ns)
            current[entry.name] = signature
            if self._taken_stat.get(entry.name) == signature:
                continue
            stable = self._previous.get(entry.name) == signature
            old_enough = now - info.st_mtime >= self.settle_seconds
            if stable or old_enough:
                ready.append(Path(entry.path))
            else:
                report.waiting.append(entry.name)
        self._previous = current
        self._taken_stat = {n: s for n, s in self._taken_stat.items() if n in current}
        return ready

    def _take(self, path: Path, report: WatchReport) -> None:
        name = path.name
        signature = self._previous.get(name)
        try:
            data = bundle.read_bundle_file(path)
        except BundleRefused as exc:
            if exc.reason == "file not found":
                return  # moved away between listing and reading
            unread = FileKey(name, signature[0] if signature else -1, f"unread: {exc.reason}")
            if unread not in self._taken:
                report.refused.append(Refusal(name, exc.reason, exc.exit_code))
            self._remember(unread, signature)
            return
        except OSError:
            report.waiting.append(name)  # still being written (locked), or unreadable now
            return
        if signature is None or len(data) != signature[0]:
            report.waiting.append(name)  # it changed while we read it: next scan
            self._previous.pop(name, None)
            return
        key = FileKey(name, len(data), hashlib.sha256(data).hexdigest()[:_DIGEST_CHARS])
        if key in self._taken:
            self._taken_stat[name] = signature
            return
        # Remembered once the outcome is known: an unexpected error (the vault busy, the disk
        # full) propagates and the file is tried again at a later scan.
        me = self.session.device_id
        try:
            header = bundle.read_header(data, max_schema=schema.LATEST)
            if header.sender_device_id == me or header.recipient(me) is None:
                report.skipped.append(name)  # ours, or for other laptops of a shared folder
            else:
                summary = exchange.import_bytes(self.session, data, filename=name)
                if summary.already_imported:
                    report.already.append(name)
                else:
                    report.imported.append((name, summary))
        except BundleRefused as exc:
            report.refused.append(Refusal(name, exc.reason, exc.exit_code))
        except InvalidInput as exc:  # not in a team yet, and the like
            report.refused.append(Refusal(name, str(exc), exc.exit_code))
        self._remember(key, signature)

    def _remember(self, key: FileKey, signature: tuple[int, int] | None) -> None:
        self._taken.add(key)
        if signature is not None:
            self._taken_stat[key.name] = signature

    def _say(self, report: WatchReport, where: str, problem: str | None) -> None:
        """A problem is said once, not at every scan while it lasts (None: it is over)."""
        if problem is not None and problem != self._said[where]:
            if where == "outbox":
                report.export_problem = problem
            else:
                report.problems.append(problem)
        self._said[where] = problem

    # -- outbox -----------------------------------------------------------------------------
    def needing(self) -> list[str]:
        """The devices (ids) that should get a bundle now (see the module docstring).
        InvalidInput when ``to`` names a device that is not an active one of the team."""
        current = team.roster(self.session)
        if current is None:
            return []  # not in a team yet: nobody to write for
        me = self.session.device_id
        if not self.to and not [d for d in current.active_devices() if d.device_id != me]:
            return []  # the team has no other laptop yet
        candidates = team.recipients(current, me, self.to, include_limited=True)
        db = self.session.db
        mine = content_vector(self.session)
        sent = _load_sent(self.session)
        out = []
        for device in candidates:
            last = sent.get(device.device_id, {})
            acked = peers.acked(db, device.device_id)
            if _needs(mine, last, acked, device.device_id):
                out.append(device.device_id)
        return out

    def _export_if_needed(self, report: WatchReport) -> None:
        session = self.session
        try:
            needing = self.needing()
            if not needing:
                self._say(report, "outbox", None)
                return
            vector = content_vector(session)  # read before: what the bundle holds at least
            self.outbox.mkdir(parents=True, exist_ok=True)
            current = team.require_roster(session)
            # Laptops limited to their assigned cases each get a bundle of their own.
            for group in team.export_groups(current, session.device_id, needing):
                out = self.outbox / exchange.default_name(session)
                result = exchange.export_bundle(session, out,
                                                to=[d.device_id for d in group])
                _store_sent(session, {device: vector for device in result.recipients})
                report.exported = result
        except InvalidInput as exc:
            self._say(report, "outbox", str(exc))
            return
        except OSError as exc:
            self._say(report, "outbox", f"cannot write to the outbox {self.outbox}:"
                                        f" {exc.strerror or type(exc).__name__}")
            return
        self._say(report, "outbox", None)


# -- content vectors ------------------------------------------------------------------------------
def content_vector(session: Session) -> ContentVector:
    """What this laptop holds, as far as deciding to send goes: per device the newest change
    stamp (changes include purges and conflict resolutions), and the roster version."""
    vector: ContentVector = {
        device: hlc for device, (hlc, _) in
        payload.local_vector(session.db, session.device_id).items() if hlc}
    current = team.roster(session)
    if current is not None:
        vector[ROSTER_KEY] = f"{current.version:012d}"
    return vector


def _needs(mine: ContentVector, sent: ContentVector, acked: payload.Vector,
           device_id: str) -> bool:
    for key, value in mine.items():
        if key in (ROSTER_KEY, device_id):
            # The roster (not acknowledged in vectors) and the recipient's own changes (it
            # needs to hear that we hold them): compare with what was last sent to it.
            if value > sent.get(key, ""):
                return True
        elif value > max(sent.get(key, ""), acked.get(key, ("", 0))[0]):
            return True
    return False


def _load_sent(session: Session) -> dict[str, ContentVector]:
    text = session.db.meta(SENT_META)
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(device): {str(k): str(v) for k, v in vector.items()}
            for device, vector in data.items() if isinstance(vector, dict)}


def _store_sent(session: Session, update: dict[str, ContentVector]) -> None:
    """Remember what was sent to whom. Local bookkeeping, like the outgoing sequence number:
    not a change of the case file, so not audited apart from the export itself."""
    db = session.db
    with db.transaction():
        sent = _load_sent(session)
        for device, vector in update.items():
            merged = dict(sent.get(device, {}))
            for key, value in vector.items():
                merged[key] = max(merged.get(key, ""), value)
            sent[device] = merged
        db.set_meta(SENT_META, json.dumps(sent, sort_keys=True))
