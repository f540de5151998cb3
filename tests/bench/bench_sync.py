"""Benchmark: sync bundles carrying demo cases, against raw inserts of the same rows.

Run by hand (pytest does not collect ``tests/bench``)::

    .venv/bin/python tests/bench/bench_sync.py                  # 10,000 cases
    .venv/bin/python tests/bench/bench_sync.py --cases 2000     # quicker
    .venv/bin/python tests/bench/bench_sync.py --dir /tmp/bs    # keep (and reuse) the source

A lead's laptop and an officer's laptop form a team. The officer's vault is filled with
``demo.generate`` cases, exported in one full bundle and imported by the lead; then 100 cases
are changed and an incremental bundle carries them. Printed: export and import times, changes
applied per second, bytes per case, and the **baseline**: the same change rows and record rows
inserted with ``executemany`` into plain tables of the same (lead's) vault in the same run, so
the ratio "merge speed / raw insert speed" holds from one machine to the next (target >= 25 %).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from btam_desktop.core import demo, keyslots, vault
from btam_desktop.core.keyslots import KdfParams
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


def _raw_baseline(lead: Session, doc: dict[str, Any]) -> float:
    """executemany of the same rows into plain tables of the lead's vault (then dropped)."""
    db = lead.db
    changes = doc["changes"]
    records: dict[str, list[dict[str, Any]]] = {}
    for row in changes:
        if row[3] == "*":
            records.setdefault(row[1], []).append({"id": row[2], **json.loads(row[4])})
    start = time.perf_counter()
    with db.transaction():
        db.execute("CREATE TABLE bench_changes (change_id TEXT PRIMARY KEY, tbl TEXT,"
                   " record_id TEXT, field TEXT, value TEXT, base_hlc TEXT, hlc TEXT,"
                   " device_id TEXT, member_id TEXT, reason TEXT, resolves TEXT)")
        db.executemany("INSERT INTO bench_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [[*r[:10], json.dumps(r[10]) if r[10] else None] for r in changes])
        for table, rows in records.items():
            columns = sorted({k for r in rows for k in r})
            db.execute(f"CREATE TABLE bench_{table} ({', '.join(columns)})")
            db.executemany(
                f"INSERT INTO bench_{table} ({', '.join(columns)}) VALUES"
                f" ({', '.join('?' for _ in columns)})",
                [[r.get(c) for c in columns] for r in rows])
    elapsed = time.perf_counter() - start
    with db.transaction():
        db.execute("DROP TABLE bench_changes")
        for table in records:
            db.execute(f"DROP TABLE bench_{table}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, help="keep the vaults here (and reuse the source)")
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
    for stale in folder.glob("lead.btam*"):
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

    full = folder / "full.btambundle"
    t0 = time.perf_counter()
    result = exchange.export_bundle(officer, full, full=True)
    export_s = time.perf_counter() - t0
    doc = payload.collect(officer.db, device_id=officer.device_id, ack={}, roster=None)
    t0 = time.perf_counter()
    summary = exchange.import_file(lead, full)
    import_s = time.perf_counter() - t0
    changes = result.counts["changes"]
    raw_s = _raw_baseline(lead, doc)

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
          " per case")
    print(f"export (gather + compress + encrypt + sign + write): {export_s:.2f} s")
    print(f"import (verify + decrypt + check + merge, one transaction): {import_s:.2f} s"
          f" = {merge_rate:,.0f} changes/s; applied {summary.report.applied:,}")
    print(f"baseline executemany of the same rows into plain tables: {raw_s:.2f} s"
          f" = {raw_rate:,.0f} rows/s")
    ratio = merge_rate / raw_rate
    print(f"merge / raw insert speed: {ratio:.2f} (target >= {TARGET_RATIO})"
          f" {'OK' if ratio >= TARGET_RATIO else 'BELOW TARGET'}")
    print(f"incremental bundle of {len(cases)} changed cases: {inc.counts['changes']} changes,"
          f" {inc.size / 1024:.0f} KB; export {inc_export_s * 1000:.0f} ms,"
          f" import {inc_import_s * 1000:.0f} ms")
    officer.lock()
    lead.lock()


def _export(src: Session, out: Path, dst: Session) -> Path:
    exchange.export_bundle(src, out, to=[dst.device_code])
    return out


if __name__ == "__main__":
    main()
