"""Benchmark: finding possible duplicate persons, against reading every person in SQL.

Run by hand (pytest does not collect ``tests/bench``)::

    .venv/bin/python tests/bench/bench_duplicates.py [--persons 30000]

Prints the time of ``duplicates.find_duplicates`` and of a plain ``SELECT`` of the same rows
in the same run, and their ratio. The grouping in SQL keeps the work near-linear: doubling the
persons should roughly double the time (the script measures N and 2N).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from btam_desktop.core import keyslots, vault  # noqa: E402
from btam_desktop.core.duplicates import find_duplicates  # noqa: E402
from btam_desktop.core.keyslots import KdfParams  # noqa: E402

GIVEN = ["Ana", "Ben", "Chidi", "Dana", "Eun", "Farid", "Greta", "Hiro", "Ines", "Jon"]


def measure(count: int, folder: Path) -> tuple[float, float, int]:
    """(find_duplicates seconds, plain SELECT seconds, pairs) for ``count`` persons."""
    session, _ = vault.create_vault(folder / f"dup-{count}.btam", member_name="Bench Lead",
                                    new_passphrase="Granite-Orchard-Lamp-51")
    with session.operation("person.bulk") as op:
        for i in range(count):
            op.insert("persons", {
                "family_name": f"Family{i % 7919}", "given_names": GIVEN[i % 10],
                "date_of_birth": f"19{50 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "phone": f"555-{i:06d}", "email": "", "created_at": "2026"})
        op.audit("person.bulk")
    started = time.perf_counter()
    session.db.query("SELECT id, family_name, given_names, date_of_birth, phone, email"
                     " FROM persons")
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    pairs = find_duplicates(session)
    elapsed = time.perf_counter() - started
    session.lock()
    return elapsed, baseline, len(pairs)


def main() -> None:
    """Measure N and 2N persons and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=30_000)
    args = parser.parse_args()
    keyslots.KdfParams.fresh = classmethod(  # type: ignore[method-assign,assignment]
        lambda cls: KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1))
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'persons':>9}  {'find_duplicates s':>17}  {'SELECT all s':>12}  {'ratio':>6}"
              f"  pairs")
        for count in (args.persons, 2 * args.persons):
            elapsed, baseline, pairs = measure(count, Path(tmp))
            print(f"{count:>9,}  {elapsed:>17.3f}  {baseline:>12.3f}  "
                  f"{elapsed / baseline:>6.1f}  {pairs}")


if __name__ == "__main__":
    main()
