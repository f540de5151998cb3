"""Benchmark: sync bundles carrying demo cases, against raw inserts of the same rows.

Run by hand (pytest does not collect ``tests/bench``)::

    .venv/bin/python tests/bench/bench_sync.py                  # 10,000 cases
    .venv/bin/python tests/bench/bench_sync.py --cases 2000     # quicker
    .venv/bin/python tests/bench/bench_sync.py --dir /tmp/bs    # keep (and reuse) the source

A lead's laptop and an officer's laptop form a team. The officer's vault is filled with
``demo.generate`` cases, exported in one full bundle (in parts when it is larger than
``payload.PART_BYTES``: above about 11,000 demo cases) and imported by the lead; then 100 cases
are changed and an incremental bundle carries them. Printed: export and import times, changes
applied per second, bytes per case, and the **baseline**: the same change rows and record rows
inserted with ``executemany`` into plain tables of the same (lead's) vault in the same run, so
the ratio "merge speed / raw insert speed" holds from one machine to the next (target >= 25 %).

Export in parts, at any size: the same full export cut into at least four parts (a part size
of a quarter of the full payload, or ``--part-mib``), imported part by part, in order,
into a copy of the lead's vault as it was before; printed: both times against the whole
bundle's, and whether the copy ends with the same records as the lead. (In any other order the
result is the same, tests/core/sync/test_export_parts.py; slower: records whose part has not
come yet wait in sync_pending.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from btam_desktop.core import demo, keyslots, vault
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.ops import TABLES
from btam_desktop.core.session import Session
from btam_desktop.core.sync import exchange, payload, team

PASS = "granite-orchard-velvet-58"
INVITE = "KQ7M-R2XT-PW9H-4CDN-B8JV"
TARGET_RATIO = 0.25


def _cheap_kdf() -> None:
    # Unlocking is not what is measured here.
    keyslots.KdfParams.fresh = classmethod(  # type: ignore[method-assign,assignment]
        lambda cls: KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1))


def _open_or_create(path: Path, member: str) -> Session:
    if path.exists():
        return vault.unlock(path, passphrase_text=PASS, member=member)[0]
    return vault.create_vault(path, member_name=member, new_passphrase=PASS)[0]


def _raw_baseline(lead: Session, docs: Iterator[dict[str, Any]]) -> float:
    """executemany of the same rows into plain tables of the lead's vault (then dropped), one
    part's rows at a time (the whole payload of 100,000 cases does not fit in memory); only
    the inserts are timed, in one transaction."""
    db = lead.db
    columns: dict[str, list[str]] = {}
    elapsed = 0.0
    with db.transaction():
        db.execute("CREATE TABLE bench_changes (change_id TEXT PRIMARY KEY, tbl TEXT,"
                   " record_id TEXT, field TEXT, value TEXT, base_hlc TEXT, hlc TEXT,"
                   " device_id TEXT, member_id TEXT, reason TEXT, resolves TEXT)")
        for doc in docs:
            changes = doc["changes"]
            records: dict[str, list[dict[str, Any]]] = {}
            for row in changes:
                if row[3] == "*":
                    records.setdefault(row[1], []).append({"id": row[2], **json.loads(row[4])})
            start = time.perf_counter()
            db.executemany("INSERT INTO bench_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [[*r[:10], json.dumps(r[10]) if r[10] else None] for r in changes])
            for table, rows in records.items():
                if table not in columns:
                    # Every field of the table: an insert may leave some out.
                    columns[table] = ["id", *TABLES[table].fields]
                    db.execute(f"CREATE TABLE bench_{table} ({', '.join(columns[table])})")
                names = columns[table]
                db.executemany(
                    f"INSERT INTO bench_{table} ({', '.join(names)}) VALUES"
                    f" ({', '.join('?' for _ in names)})",
                    [[r.get(c) for c in names] for r in rows])
            elapsed += time.perf_counter() - start
    with db.transaction():
        db.execute("DROP TABLE bench_changes")
        for table in columns:
            db.execute(f"DROP TABLE bench_{table}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, help="keep the vaults here (and reuse the source)")
    parser.add_argument("--part-mib", type=float,
                        help="part size of the export in parts (default: a quarter of the"
                             " full payload)")
    args = parser.parse_args()
    _cheap_kdf()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-sync-"))
    folder.mkdir(parents=True, exist_ok=True)
    source_path = folder / f"officer-{args.cases}.btam"
    fresh_source = not source_path.exists()
    officer = _open_or_create(source_path, "Bench Officer")
    if fresh_source:
        t0 = time.perf_counter()
        demo.generate(officer, args.cases, args.seed)
        print(f"built {args.cases:,} demo cases in {time.perf_counter() - t0:.1f} s")
    lead_path = folder / "lead.btam"
    for stale in [*folder.glob("lead.btam*"), *folder.glob("lead-copy.btam*")]:
        stale.unlink()
    for stale in folder.glob("*.btam[bij]*"):
        stale.unlink()
    lead = _open_or_create(lead_path, "Bench Lead")
    if not fresh_source:  # a kept source leaves its old team and joins the new lead's
        with officer.db.transaction():
            for table in ("sync_team", "sync_peers", "sync_bundles", "sync_identity"):
                officer.db.execute(f"DELETE FROM {table}")
            officer.db.execute("DELETE FROM meta WHERE key LIKE 'sync:%'")
    team.create_team(lead, "Bench team")
    team.invite(lead, folder / "i.btaminvite", INVITE,
                kdf=KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1))
    team.join(officer, folder / "i.btaminvite", INVITE, folder / "r.btamjoin")
    team.approve(lead, str(folder / "r.btamjoin"))

    # A copy of the lead's vault before any import, for the export in parts.
    lead.lock()
    copy_path = folder / "lead-copy.btam"
    for suffix in ("", ".keys"):
        shutil.copyfile(f"{lead_path}{suffix}", f"{copy_path}{suffix}")
    lead = _open_or_create(lead_path, "Bench Lead")

    full = folder / "full.btambundle"
    t0 = time.perf_counter()
    result = exchange.export_bundle(officer, full, full=True)
    export_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    applied = 0
    for path in result.paths:
        summary = exchange.import_file(lead, path)
        applied += summary.report.applied
    import_s = time.perf_counter() - t0
    changes = result.counts["changes"]
    raw_s = _raw_baseline(lead, payload.parts(officer.db, device_id=officer.device_id, ack={},
                                              roster=None))

    # The same export cut into (at least) four parts, imported in order (the names sort so).
    plain = sum(exchange.inspect(path).plain_size for path in result.paths)
    part_bytes = int(args.part_mib * 1024 * 1024) if args.part_mib else plain // 4
    real_part_bytes = payload.PART_BYTES
    payload.PART_BYTES = part_bytes
    t0 = time.perf_counter()
    in_parts = exchange.export_bundle(officer, folder / "parts.btambundle", full=True)
    parts_export_s = time.perf_counter() - t0
    payload.PART_BYTES = real_part_bytes
    copy = _open_or_create(copy_path, "Bench Lead")
    t0 = time.perf_counter()
    held = 0
    for path in in_parts.paths:
        held += exchange.import_file(copy, path).report.held
    parts_import_s = time.perf_counter() - t0
    same = _records(copy) == _records(lead)
    copy.lock()

    # Incremental: 100 cases changed on the officer's laptop after the lead acknowledged.
    exchange.import_file(officer, _export(lead, folder / "ack.btambundle", officer))
    cases = officer.store.list_cases(limit=100)
    for case in cases:
        officer.store.update_case(case.id, {"summary": case.summary + " (reviewed)"})
    incremental = folder / "incremental.btambundle"
    t0 = time.perf_counter()
    inc = exchange.export_bundle(officer, incremental, to=[lead.device_code])
    inc_export_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    exchange.import_file(lead, incremental)
    inc_import_s = time.perf_counter() - t0

    merge_rate = changes / import_s
    raw_rate = changes / raw_s
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
          f" Python {platform.python_version()}")
    print(f"cases {args.cases:,}: {changes:,} changes, {result.counts['audit']:,} audit entries,"
          f" {result.counts['attachments']} attachments")
    print(f"full bundle: {result.size / 1e6:.1f} MB = {result.size / args.cases / 1024:.1f} KB"
          f" per case, {plain / 1e6:.1f} MB plain, in {len(result.paths)}"
          f" part(s) of at most {payload.PART_BYTES / 2**20:.0f} MiB (estimated)")
    print(f"export (gather + compress + encrypt + sign + write): {export_s:.2f} s")
    print(f"import (verify + decrypt + check + merge, one transaction a part): {import_s:.2f} s"
          f" = {merge_rate:,.0f} changes/s; applied {applied:,}")
    print(f"baseline executemany of the same rows into plain tables: {raw_s:.2f} s"
          f" = {raw_rate:,.0f} rows/s")
    ratio = merge_rate / raw_rate
    print(f"merge / raw insert speed: {ratio:.2f} (target >= {TARGET_RATIO})"
          f" {'OK' if ratio >= TARGET_RATIO else 'BELOW TARGET'}")
    print(f"export in {len(in_parts.paths)} parts of {part_bytes / 2**20:.1f} MiB:"
          f" {parts_export_s:.2f} s ({parts_export_s / export_s:.2f} x the full export);"
          f" imported one by one: {parts_import_s:.2f} s"
          f" ({parts_import_s / import_s:.2f} x the full import), {held:,} records held until"
          f" their part came; same records as the lead: {'yes' if same else 'NO'}")
    print(f"incremental bundle of {len(cases)} changed cases: {inc.counts['changes']} changes,"
          f" {inc.size / 1024:.0f} KB; export {inc_export_s * 1000:.0f} ms,"
          f" import {inc_import_s * 1000:.0f} ms")
    officer.lock()
    lead.lock()


def _records(session: Session) -> list[tuple[Any, ...]]:
    """Every synced record (but its local columns: wall-clock update time, local actor) and
    the change log's ids, for a comparison."""
    db = session.db
    out = [tuple(r) for r in db.query("SELECT change_id FROM change_log ORDER BY change_id")]
    for table in ("cases", "persons", "timeline", "tasks", "submissions"):
        out += [tuple(row[k] for k in row.keys()  # noqa: SIM118 (a Row iterates its values)
                      if k not in ("updated_at", "ins_actor"))
                for row in db.query(f"SELECT * FROM {table} ORDER BY id")]
    return out


def _export(src: Session, out: Path, dst: Session) -> Path:
    exchange.export_bundle(src, out, to=[dst.device_code])
    return out


if __name__ == "__main__":
    main()
