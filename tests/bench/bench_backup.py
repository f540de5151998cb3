"""Backup and restore of a kept demo vault against copying a file of the same size (issue 12).

    .venv/bin/python tests/bench/bench_backup.py --vault ~/btam-bench/bench-app-100000.btam

Target: backup and restore stream, so the memory they add stays under 100 MiB whatever the
vault's size, and each takes at most 1.5x the time of copying the file it reads
(``shutil.copyfile`` + fsync on the same disk, measured in the same run). The backup
(``Session.backup``: audit entry, anchor, the vault's own file copied while frozen, hashed and
sealed) is set against copying the vault's file; the restore (``backup.restore``: the
passphrase derived while the database part is copied, the seal checked, the copy moved into
place) against copying the backup file it reads. Each is timed in a pair with its baseline,
the pair in turns going first, each output deleted before the other starts (on a virtual disk
a large write is up to 4x slower while another just-written large file is kept); the ratio is
the median of the pairs' ratios, and each run's figures are printed.
Backup and restore each run in a fresh process, which reports its wall time and its peak
resident memory against its resident memory just before (``resource.getrusage``: the
process's own high-water mark). The vault is opened with the bench member (bench_app's); the
backup adds one audit entry to it. Files are written in a temporary folder beside the vault
(same disk) and removed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import bench_app  # noqa: E402  (the kept vault's member and passphrase)

# Run in a child: one backup or one restore, then one JSON line.
CHILD = r"""
import json, resource, sys, time
from pathlib import Path

def rss_mib():
    # Current resident size from /proc (Linux), else the high-water mark.
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

what, vault_path, member, passphrase, target = sys.argv[1:6]
from btam_desktop.core import backup, vault
if what == "backup":
    session, _ = vault.unlock(Path(vault_path), passphrase_text=passphrase, member=member)
    before = rss_mib()
    started = time.perf_counter()
    session.backup(Path(target))
    seconds = time.perf_counter() - started
    session.lock()
else:
    before = rss_mib()
    started = time.perf_counter()
    backup.restore(Path(vault_path), Path(target), passphrase_text=passphrase, member=member)
    seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "before": before, "peak": peak}))
"""


def settle(seconds: float = 3.0) -> None:
    """Let the disk finish what earlier steps wrote before the next one is timed: on a
    virtual machine the host goes on writing after fsync returns, and a large write that
    starts at once runs up to 3-4x slower (measured: a 1.36 GB sendfile right after
    another took 4.1 s, alone 1.2 s), which would be charged to whichever step came
    second. Every timed step (the baseline too) starts from the same quiet disk."""
    os.sync()
    time.sleep(seconds)


def copy_file(source: Path, target: Path) -> float:
    """Seconds to copy ``source`` to ``target`` and fsync it (the baseline)."""
    started = time.perf_counter()
    shutil.copyfile(source, target)
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def child(what: str, source: Path, target: Path) -> dict[str, float]:
    """One backup (``source``: the vault) or restore (``source``: the backup) in a fresh
    process."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, what, str(source), bench_app.MEMBER,
         bench_app.PASSPHRASE, str(target)],
        check=True, cwd=ROOT, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: the kept vault and how many runs of each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vault", type=Path, required=True,
                        help="a kept demo vault (tests/bench/run_all.py makes them)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    vault_path = args.vault.expanduser().resolve()
    size_mib = vault_path.stat().st_size / 2**20
    copies: list[float] = []
    backup_copies: list[float] = []
    backups: list[dict[str, float]] = []
    restores: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(dir=vault_path.parent, prefix=".bench-backup-") as tmp:
        folder = Path(tmp)
        copy_file(vault_path, folder / "warm.copy")  # the page cache warmed for everyone
        for run in range(args.runs):
            # Each step is paired with its baseline in the same disk state: the other's output
            # is deleted before it starts (a kept, just-written file of this size slows the
            # next large write on a virtual disk), and the pair takes turns at going first.
            order = (0, 1) if run % 2 == 0 else (1, 0)
            throwaway = folder / "timed.btambak"
            for step in order:
                settle()
                if step == 0:
                    copies.append(copy_file(vault_path, folder / "copy"))
                else:
                    backups.append(child("backup", vault_path, throwaway))
                    throwaway.unlink()
            made = folder / "kept.btambak"  # the restore's source, written untimed
            child("backup", vault_path, made)
            restored = folder / "restored" / "vault.btam"
            for step in order:
                settle()
                if step == 0:
                    backup_copies.append(copy_file(made, folder / "copy"))
                else:
                    restored.parent.mkdir()
                    restores.append(child("restore", made, restored))
                    shutil.rmtree(restored.parent)
            backup_mib = made.stat().st_size / 2**20
            made.unlink()
            print(f"run {run + 1} ({'baselines' if run % 2 == 0 else 'backup and restore'}"
                  f" first): copy {copies[-1]:.2f} s, backup {backups[-1]['seconds']:.2f} s;"
                  f" copy of the backup {backup_copies[-1]:.2f} s, restore"
                  f" {restores[-1]['seconds']:.2f} s", flush=True)
    copy_s = statistics.median(copies)
    backup_copy_s = statistics.median(backup_copies)
    print(f"vault {vault_path.name}: {size_mib:,.0f} MiB; backup file {backup_mib:,.0f} MiB;"
          f" median of {args.runs}, {sys.platform}, Python {sys.version.split()[0]},"
          f" {os.cpu_count()} CPUs")
    print(f"{'what':<44} {'seconds':>8} {'x copy':>7} {'added MiB':>10} {'peak MiB':>9}")
    print(f"{'copy the vault file + fsync (baseline)':<44} {copy_s:>8.2f}")
    print(f"{'copy the backup file + fsync (baseline)':<44} {backup_copy_s:>8.2f}")
    verdicts = []
    for label, runs, baselines in (
            ("backup (Session.backup)", backups, copies),
            ("restore (backup.restore, checked)", restores, backup_copies)):
        seconds = statistics.median(r["seconds"] for r in runs)
        added = statistics.median(r["peak"] - r["before"] for r in runs)
        peak = max(r["peak"] for r in runs)
        # The median of each run's ratio to its own paired baseline: the disk's swings
        # (1-4 s for the same copy at 100,000 cases) move both sides of a pair together.
        ratio = statistics.median(r["seconds"] / b for r, b in zip(runs, baselines, strict=True))
        print(f"{label:<44} {seconds:>8.2f} {ratio:>7.2f} {added:>10.1f} {peak:>9.1f}")
        verdicts.append(f"{label.split()[0]}: time {'met' if ratio <= 1.5 else 'NOT met'}"
                        f" ({ratio:.2f}x copy, target <= 1.5), memory"
                        f" {'met' if added < 100 else 'NOT met'} ({added:.0f} MiB added,"
                        " target < 100)")
    print("\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
