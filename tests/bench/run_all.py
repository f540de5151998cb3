"""Run every benchmark at 10,000 and 100,000 cases on kept demo vaults: one command.

    .venv/bin/python tests/bench/run_all.py --dir ~/btam-bench          # both sizes
    .venv/bin/python tests/bench/run_all.py --dir ~/btam-bench --sizes 10000 --runs 3
    .venv/bin/python tests/bench/run_all.py --dir ~/btam-bench --only bench_vault bench_app

The demo vault of each size is built once in ``--dir`` (``bench_app.make_vault``: SQLCipher,
production key derivation, member "Bench Lead") and reused by every later run; scripts that
work on a vault are pointed at it (``bench_vault --vault``, ``bench_app --dir``,
``bench_case_table --vault``, ``bench_backup --vault``), ``bench_sync`` keeps its own source
vault there too. Scripts that do not depend on the vault's size (writes at 10,000 cases,
forms, PDF, duplicates) run once. Each script prints its own figures against its in-run
baseline; the output is also written to ``--dir/run_all-<time>.log``. Exit status: 1 when a
script failed.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

# The kept vault is made the way bench_app makes (and reuses) it.
bench_app = importlib.import_module("bench_app")

PER_SIZE = ("bench_vault", "bench_app", "bench_case_table", "bench_sync", "bench_backup")
ONCE = ("bench_write", "bench_forms", "bench_pdf", "bench_duplicates")


def commands(name: str, size: int | None, vault: Path | None, folder: Path,
             runs: int) -> list[str]:
    """The arguments of one script for one size (``size`` None: size-independent)."""
    if name == "bench_vault":
        return ["--vault", str(vault), "--runs", str(runs)]
    if name == "bench_backup":
        return ["--vault", str(vault), "--runs", str(min(runs, 3))]
    if name == "bench_app":
        return ["--cases", str(size), "--dir", str(folder), "--runs", str(runs)]
    if name == "bench_case_table":
        return ["--cases", str(size), "--vault", str(vault), "--member", bench_app.MEMBER,
                "--runs", str(runs)]
    if name == "bench_sync":
        sync_dir = folder / f"sync-{size}"
        sync_dir.mkdir(exist_ok=True)
        return ["--cases", str(size), "--dir", str(sync_dir)]
    if name == "bench_write":
        return ["--cases", "10000"]
    return []


def main(argv: list[str] | None = None) -> int:
    """Command line: where the vaults are kept, sizes, warm runs, and which scripts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True,
                        help="keep (and reuse) the demo vaults here, outside the repository")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="+", choices=(*PER_SIZE, *ONCE),
                        help="run only these scripts")
    args = parser.parse_args(argv)
    folder = args.dir.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    chosen = set(args.only or (*PER_SIZE, *ONCE))
    log = (folder / f"run_all-{time.strftime('%Y%m%d-%H%M%S')}.log").open("w")

    def say(text: str) -> None:
        print(text, flush=True)
        log.write(text + "\n")
        log.flush()

    jobs: list[tuple[str, int | None]] = [
        (name, size) for size in args.sizes for name in PER_SIZE if name in chosen]
    jobs += [(name, None) for name in ONCE if name in chosen]
    results: list[tuple[str, str, int, float]] = []
    for name, size in jobs:
        vault = None
        if size is not None and name in ("bench_vault", "bench_case_table", "bench_backup"):
            started = time.perf_counter()
            vault = bench_app.make_vault(folder, size)
            say(f"kept vault {vault} ready ({time.perf_counter() - started:,.0f} s)")
        label = f"{name} ({size:,} cases)" if size else name
        say(f"\n===== {label} =====")
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(HERE / f"{name}.py"),
             *commands(name, size, vault, folder, args.runs)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            say(line.rstrip("\n"))
        code = process.wait()
        results.append((label, "ok" if code == 0 else f"FAILED (exit {code})", code,
                        time.perf_counter() - started))
    say("\n===== summary =====")
    for label, status, _code, seconds in results:
        say(f"{label:<40} {status:<18} {seconds:>8,.0f} s")
    log.close()
    return 1 if any(code for _, _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
