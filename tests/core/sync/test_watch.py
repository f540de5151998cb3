"""The folder watch: only complete bundles are read, each file is taken once, files for other
laptops are left alone, and the outbox gets a bundle only when someone lacks something.

No test waits for a clock: "stable across two scans" is two explicit ``scan()`` calls, and
"old enough" is an ``os.utime`` into the past.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.core import vault
from btam_desktop.core.session import Session
from btam_desktop.core.sync import exchange, team
from btam_desktop.core.sync.watch import FolderWatch, is_candidate
from tests.conftest import cheap_kdf

from .conftest import PASS

Laptops = Callable[[str], Session]
INVITE_PASS = "KQ7M-R2XT-PW9H-4CDN-B8JV"
ROOT = Path(__file__).resolve().parents[3]


def enrol(lead: Session, laptop: Session, tmp: Path) -> None:
    name = laptop.device_code
    team.invite(lead, tmp / f"invite-{name}.btaminvite", INVITE_PASS, kdf=cheap_kdf())
    team.join(laptop, tmp / f"invite-{name}.btaminvite", INVITE_PASS,
              tmp / f"request-{name}.btamjoin")
    team.approve(lead, str(tmp / f"request-{name}.btamjoin"))


@pytest.fixture
def pair(laptops: Laptops, tmp_path: Path) -> tuple[Session, Session]:
    lead, officer = laptops("A"), laptops("B")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, officer, tmp_path)
    return lead, officer


def folder(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.mkdir(exist_ok=True)
    return path


def bundle_bytes(src: Session, tmp: Path, **kwargs: object) -> tuple[str, bytes]:
    """A real bundle from ``src`` (written outside the inbox) and its default name."""
    staging = folder(tmp, "staging")
    sequence = int(src.db.meta("sync:out_seq") or 0) + 1
    out = staging / exchange.default_name(src, sequence)
    exchange.export_bundle(src, out, **kwargs)  # type: ignore[arg-type]
    return out.name, out.read_bytes()


def quiet(report: object) -> bool:
    from btam_desktop.core.sync.watch import WatchReport

    assert isinstance(report, WatchReport)
    return not (report.imported or report.refused or report.waiting or report.exported
                or report.lines())


def test_names_that_are_never_read() -> None:
    for name in (".syncthing.btam-K7Q-00001.btambundle.tmp", "~syncthing~btam.btambundle.tmp",
                 "btam-K7Q-00001.btambundle.part", "btam-K7Q-00001.btambundle.partial",
                 "btam-K7Q-00001.btambundle.tmp", ".btam-K7Q-00001.btambundle.x8a2k.part",
                 ".hidden.btambundle", "notes.txt", "btam-K7Q-00001.btambundle~"):
        assert not is_candidate(name), name
    assert is_candidate("btam-K7Q-00001.btambundle")
    assert is_candidate("From Sam.BTAMBUNDLE")


def test_partial_files_and_syncthing_temp_names_are_not_read(
        pair: tuple[Session, Session], tmp_path: Path) -> None:
    lead, officer = pair
    officer.store.create_case("Copied in pieces", concern="low")
    name, data = bundle_bytes(officer, tmp_path)
    inbox, outbox = folder(tmp_path, "inbox"), folder(tmp_path, "outbox")
    temp_names = [f".syncthing.{name}.tmp", f"~syncthing~{name}.tmp", f"{name}.part",
                  f"{name}.partial", f"{name}.tmp", f".{name}.a8x2k.part"]
    for temp in temp_names:
        (inbox / temp).write_bytes(data)
    watch = FolderWatch(lead, inbox, outbox, settle_seconds=0)
    report = watch.scan()
    assert not report.imported and not report.refused and not report.waiting
    assert lead.db.scalar("SELECT count(*) FROM cases") == 0
    # Syncthing renames its temporary file when the copy is complete.
    (inbox / temp_names[0]).rename(inbox / name)
    report = watch.scan()
    assert [n for n, _ in report.imported] == [name]
    assert lead.store.get_case(lead.db.scalar("SELECT id FROM cases")).title == (
        "Copied in pieces")
    assert sorted(p.name for p in inbox.iterdir()) == sorted([name, *temp_names[1:]])


def test_a_growing_file_is_read_only_once_it_is_stable(
        pair: tuple[Session, Session], tmp_path: Path) -> None:
    lead, officer = pair
    officer.store.create_case("Slow network share", concern="low")
    name, data = bundle_bytes(officer, tmp_path)
    inbox, outbox = folder(tmp_path, "inbox"), folder(tmp_path, "outbox")
    target = inbox / name
    target.write_bytes(data[:100])  # a copier writing in place under the final name
    watch = FolderWatch(lead, inbox, outbox, settle_seconds=3600)
    report = watch.scan()
    assert report.waiting == [name] and not report.refused and not report.imported
    with target.open("ab") as handle:
        handle.write(data[100:])
    report = watch.scan()  # changed since the last scan: still not read
    assert report.waiting == [name] and not report.refused and not report.imported
    report = watch.scan()  # the same size and time as last scan: settled
    assert [n for n, _ in report.imported] == [name] and not report.waiting
    assert quiet(watch.scan())


def test_an_old_file_is_read_at_first_sight(pair: tuple[Session, Session],
                                            tmp_path: Path) -> None:
    lead, officer = pair
    officer.store.create_case("On the USB stick since yesterday", concern="low")
    name, data = bundle_bytes(officer, tmp_path)
    inbox = folder(tmp_path, "inbox")
    (inbox / name).write_bytes(data)
    past = time.time() - 2 * 3600
    os.utime(inbox / name, (past, past))
    report = FolderWatch(lead, inbox, folder(tmp_path, "out"), settle_seconds=3600).scan()
    assert [n for n, _ in report.imported] == [name]


def test_a_refused_file_is_reported_once_and_left_in_place(
        pair: tuple[Session, Session], tmp_path: Path) -> None:
    lead, officer = pair
    inbox, outbox = folder(tmp_path, "inbox"), folder(tmp_path, "outbox")
    (inbox / "garbage.btambundle").write_bytes(b"PK\x03\x04 not a bundle at all")
    officer.store.create_case("Altered on the way", concern="low")
    name, data = bundle_bytes(officer, tmp_path)
    altered = bytearray(data)
    altered[-10] ^= 0x40  # inside the signature
    (inbox / name).write_bytes(bytes(altered))
    watch = FolderWatch(lead, inbox, outbox, settle_seconds=0)
    report = watch.scan()
    reasons = {r.name: (r.reason, r.exit_code) for r in report.refused}
    assert reasons["garbage.btambundle"][1] == 1 and "not a BTAM bundle" in reasons[
        "garbage.btambundle"][0]
    assert reasons[name] == ("signature does not verify: altered, corrupted or forged", 3)
    assert report.exit_code == 3
    assert "garbage.btambundle: refused: not a BTAM bundle (wrong magic)" in report.lines()
    assert lead.db.scalar("SELECT count(*) FROM cases") == 0
    for _ in range(2):
        assert not watch.scan().refused  # said once, not at every scan
    assert {p.name for p in inbox.iterdir()} == {"garbage.btambundle", name}
    # The right file under the same name (the copy was redone): taken.
    (inbox / name).write_bytes(data)
    os.utime(inbox / name, (time.time() - 60, time.time() - 60))
    report = watch.scan()
    assert [n for n, _ in report.imported] == [name]


def test_bundles_of_other_laptops_in_a_shared_folder_are_skipped(
        pair: tuple[Session, Session], laptops: Laptops, tmp_path: Path) -> None:
    lead, b = pair
    c = laptops("C")
    enrol(lead, c, tmp_path)
    exchange.export_bundle(lead, tmp_path / "roster.btambundle")
    exchange.import_file(b, tmp_path / "roster.btambundle")
    exchange.import_file(c, tmp_path / "roster.btambundle")
    shared = folder(tmp_path, "shared")
    b.store.create_case("For the lead only", concern="low")
    name, data = bundle_bytes(b, tmp_path, to=[lead.device_code])
    (shared / name).write_bytes(data)
    watch_c = FolderWatch(c, shared, shared, settle_seconds=0)
    report = watch_c.scan()
    assert report.skipped == [name] and not report.refused and not report.imported
    assert all(name not in line for line in report.lines())
    assert c.db.scalar("SELECT count(*) FROM cases") == 0
    # C writes its own bundle into the same folder and leaves it alone afterwards.
    assert report.exported is not None
    own = report.exported.path.name
    report = watch_c.scan()
    assert report.skipped == [own] and quiet(report)
    # The lead, watching the same folder, takes what is addressed to it.
    report = FolderWatch(lead, shared, shared, settle_seconds=0).scan()
    assert sorted(n for n, _ in report.imported) == sorted([name, own])


def test_the_outbox_gets_a_bundle_only_when_something_is_new(
        pair: tuple[Session, Session], tmp_path: Path) -> None:
    lead, officer = pair
    to_lead, to_officer = folder(tmp_path, "to-lead"), folder(tmp_path, "to-officer")
    watch_l = FolderWatch(lead, to_lead, to_officer, settle_seconds=0)
    watch_o = FolderWatch(officer, to_officer, to_lead, settle_seconds=0)

    def files(where: Path) -> int:
        return sum(1 for _ in where.iterdir())

    case = officer.store.create_case("Seen at the front desk", concern="low")
    report = watch_o.scan()
    assert report.exported is not None and files(to_lead) == 1
    assert report.exported.path.name == exchange.default_name(officer, 1)
    assert quiet(watch_o.scan())  # nothing new: nothing written
    report = watch_l.scan()  # the case arrives; the lead answers (roster and acknowledgement)
    assert [s.report.created["cases"] for _, s in report.imported] == [1]
    assert report.exported is not None and files(to_officer) == 1
    report = watch_o.scan()
    assert report.imported[0][1].roster_updated
    assert team.device_info(officer)["status"] == "active"
    assert report.exported is not None  # the acknowledgement the lead needs
    report = watch_l.scan()
    assert len(report.imported) == 1 and report.exported is None
    for _ in range(2):  # settled: two quiet laptops write nothing
        assert quiet(watch_o.scan()) and quiet(watch_l.scan())
    assert (files(to_lead), files(to_officer)) == (2, 1)

    # A change on the lead: one bundle out, one acknowledgement back, then quiet again.
    lead.store.update_case(case.id, {"title": "Seen at the front desk, twice"})
    assert watch_l.scan().exported is not None
    assert watch_o.scan().exported is not None
    assert watch_l.scan().exported is None
    assert quiet(watch_o.scan()) and quiet(watch_l.scan())
    assert officer.store.get_case(case.id).title == "Seen at the front desk, twice"
    assert (files(to_lead), files(to_officer)) == (3, 2)

    # A new watch (the app restarted, or `sync watch --once` from a scheduler) remembers
    # what was sent: re-reading the folder imports nothing and writes nothing.
    report = FolderWatch(lead, to_lead, to_officer, settle_seconds=0).scan()
    assert len(report.already) == 3 and report.exported is None and not report.lines()


def test_cancel_stops_between_files(pair: tuple[Session, Session], tmp_path: Path) -> None:
    lead, officer = pair
    officer.store.create_case("Not yet", concern="low")
    name, data = bundle_bytes(officer, tmp_path)
    inbox, outbox = folder(tmp_path, "inbox"), folder(tmp_path, "outbox")
    (inbox / name).write_bytes(data)
    watch = FolderWatch(lead, inbox, outbox, settle_seconds=0)
    report = watch.scan(cancelled=lambda: True)
    assert report.cancelled and not report.imported and report.exported is None
    assert not any(outbox.iterdir())
    assert [n for n, _ in watch.scan().imported] == [name]


def test_not_in_a_team_yet_the_watch_writes_nothing(laptops: Laptops, tmp_path: Path) -> None:
    alone = laptops("A")
    alone.store.create_case("Before any team", concern="low")
    outbox = folder(tmp_path, "outbox")
    report = FolderWatch(alone, folder(tmp_path, "inbox"), outbox).scan()
    assert quiet(report) and not any(outbox.iterdir())
    report = FolderWatch(alone, tmp_path / "missing", outbox).scan()
    assert report.problems and "inbox" in report.problems[0]


# -- two real processes ---------------------------------------------------------------------------
def test_two_processes_exchange_through_folders(tmp_path: Path) -> None:
    """Two `btam sync watch --once` processes on two vaults: the lead's outbox is the officer's
    inbox and the other way round. A case made on the officer's laptop reaches the lead; the
    roster naming the officer's laptop comes back."""
    lead, _ = vault.create_vault(tmp_path / "lead.btam", member_name="Dana Reyes",
                                 new_passphrase=PASS, agency="Lakeside PD")
    officer, _ = vault.create_vault(tmp_path / "officer.btam", member_name="Sam Ortiz",
                                    new_passphrase=PASS, agency="Lakeside PD")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, officer, tmp_path)
    number = officer.store.create_case("Made on the officer's laptop", concern="low").number
    lead.lock()
    officer.lock()
    (tmp_path / "pw").write_text(PASS + "\n")
    to_lead, to_officer = folder(tmp_path, "to-lead"), folder(tmp_path, "to-officer")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BTAM_")}

    def watch(who: str) -> subprocess.CompletedProcess[str]:
        inbox, outbox = (to_lead, to_officer) if who == "lead" else (to_officer, to_lead)
        result = subprocess.run(
            [sys.executable, "-m", "btam_desktop", "--vault", str(tmp_path / f"{who}.btam"),
             "--passphrase-file", str(tmp_path / "pw"), "sync", "watch", "--inbox",
             str(inbox), "--outbox", str(outbox), "--once", "--settle", "0"],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        return result

    out = watch("officer").stdout
    assert "Wrote btam-" in out
    out = watch("lead").stdout
    assert "1 new case," in out and "Wrote btam-" in out
    out = watch("officer").stdout
    assert "the team roster was updated" in out
    assert "Wrote btam-" in out  # the acknowledgement
    out = watch("lead").stdout
    assert "Wrote" not in out
    assert watch("officer").stdout == "" and watch("lead").stdout == ""

    lead, _ = vault.unlock(tmp_path / "lead.btam", passphrase_text=PASS)
    officer, _ = vault.unlock(tmp_path / "officer.btam", passphrase_text=PASS)
    try:
        assert lead.store.get_case(number).title == "Made on the officer's laptop"
        info = team.device_info(officer)
        assert (info["status"], info["role"]) == ("active", "member")
        assert team.require_roster(officer).version == team.require_roster(lead).version == 2
    finally:
        lead.lock()
        officer.lock()


def test_an_outbox_bundle_larger_than_a_part_is_written_in_parts(
        pair: tuple[Session, Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from btam_desktop.core.sync import limits, payload

    lead, officer = pair
    to_lead, to_officer = folder(tmp_path, "to-lead"), folder(tmp_path, "to-officer")
    for i in range(8):
        officer.store.create_case(f"Seen at the front desk {i}", concern="low",
                                  summary="Letters to the clinic, again and again. " * 80)
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", 24 * 1024)  # the bundle is larger
    monkeypatch.setattr(payload, "PART_BYTES", 4 * 1024, raising=False)  # new with parts
    report = FolderWatch(officer, to_officer, to_lead, settle_seconds=0).scan()
    assert report.exported is not None and len(report.exported.parts) >= 2
    names = sorted(p.name for p in to_lead.iterdir())
    first = exchange.default_name(officer, report.exported.sequence)[:-len(exchange.SUFFIX)]
    assert names == [p.name for p in report.exported.paths]
    assert all(n.startswith(f"{first}-part-") for n in names)
    imported = FolderWatch(lead, to_lead, to_officer, settle_seconds=0).scan().imported
    assert len(imported) == len(names)
    assert len([c for c in lead.store.list_cases(limit=100) if "front desk" in c.title]) == 8
