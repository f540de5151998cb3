"""`btam referral`: two teams' vaults exchange contact cards, a referral and its
acknowledgement through the command line only, with the exit codes of the CLI contract."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.conftest import OFFICER

from .test_sync_cli import Laptop, laptop, pair  # noqa: F401  (fixtures)


def _json(out: str) -> object:
    return json.loads(out)


def test_referral_flow_through_the_cli(pair: tuple[Laptop, Laptop], tmp_path: Path,  # noqa: F811
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    assert a("team", "create", "Lakeside BTAM")[0] == 0
    assert b("team", "create", "County BTAM")[0] == 0
    # Cards: written, imported only with a confirmation.
    code, out, err = a("referral", "card", "-o", str(tmp_path / "a.btamcard"))
    assert code == 0, err and "card fingerprint" in out
    fingerprint = out.split("card fingerprint: ")[1].split()[0]
    assert b("referral", "card", "-o", str(tmp_path / "b.btamcard"))[0] == 0
    code, out, err = b("referral", "card-import", str(tmp_path / "a.btamcard"))
    assert code == 1 and "--yes" in err and fingerprint in out
    assert b("referral", "cards", "--json")[1].strip() == "[]"
    code, out, err = b("referral", "card-import", str(tmp_path / "a.btamcard"), "--yes")
    assert code == 0, err
    assert a("referral", "card-import", str(tmp_path / "b.btamcard"), "--yes")[0] == 0
    cards = _json(b("referral", "cards", "--json")[1])
    assert isinstance(cards, list) and cards[0]["fingerprint"] == fingerprint

    code, out, _ = a("case", "add", "--title", "Threats at the mall", "--concern", "high",
                     "--json")
    number = _json(out)["number"]  # type: ignore[index]
    monkeypatch.setattr("sys.stdin", io.StringIO("Family moved to the county\n"))
    code, out, err = a("referral", "send", number, "--to", "County BTAM", "--profile",
                       "school_partner", "--reason", "-", "--legal-basis", "State code 1",
                       "-o", str(tmp_path / "ref.btambundle"), "--json")
    assert code == 0, err
    sent = _json(out)
    assert sent["withheld"] == []  # type: ignore[index]  # nothing tagged on this case
    listed = _json(a("referral", "list", "--json")[1])
    assert listed[0]["status"] == "sent"  # type: ignore[index]
    assert listed[0]["reason"] == "Family moved to the county"  # type: ignore[index]

    # The receiving lead imports (a second time: refused), accepts and writes the ack.
    bad = bytearray((tmp_path / "ref.btambundle").read_bytes())
    bad[-1] ^= 1
    (tmp_path / "bad.btambundle").write_bytes(bytes(bad))
    assert b("referral", "import", str(tmp_path / "bad.btambundle"))[0] == 3
    code, out, err = b("referral", "import", str(tmp_path / "ref.btambundle"))
    assert code == 0, err and "received" in out
    code, _, err = b("referral", "import", str(tmp_path / "ref.btambundle"))
    assert code == 1 and "already imported" in err
    ref_id = sent["id"]  # type: ignore[index]
    code, out, err = b("referral", "accept", ref_id, "-o", str(tmp_path / "ack.btambundle"),
                       "--json")
    assert code == 0, err
    their_number = _json(out)["case_number"]  # type: ignore[index]
    assert b("case", "show", their_number)[0] == 0
    code, out, err = a("referral", "import", str(tmp_path / "ack.btambundle"))
    assert code == 0 and "accepted" in out and their_number in out
    listed = _json(a("referral", "list", "--json")[1])
    assert listed[0]["status"] == "accepted"  # type: ignore[index]
    assert listed[0]["their_case_number"] == their_number  # type: ignore[index]

    # A second referral, declined with a reason read from standard input.
    code, out, err = a("referral", "send", number, "--to", "County BTAM", "--profile", "none",
                       "--reason", "Update", "--legal-basis", "State code 1",
                       "--follow-up-of", ref_id, "-o", str(tmp_path / "r2.btambundle"),
                       "--json")
    assert code == 0, err
    second = _json(out)["id"]  # type: ignore[index]
    assert b("referral", "import", str(tmp_path / "r2.btambundle"))[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Already handled\n"))
    code, _, err = b("referral", "decline", second, "--reason", "-")
    assert code == 0, err
    assert b("referral", "ack", second, "-o", str(tmp_path / "ack2.btambundle"))[0] == 0
    assert a("referral", "import", str(tmp_path / "ack2.btambundle"))[0] == 0
    statuses = {r["id"]: r["status"] for r in _json(a("referral", "list", "--json")[1])}  # type: ignore[union-attr,index]
    assert statuses == {ref_id: "accepted", second: "declined"}

    # Withdrawn card: A's next referral is refused at B; a sync bundle is no referral.
    assert b("referral", "card-withdraw", "Lakeside BTAM")[0] == 0
    assert a("referral", "send", number, "--to", "County BTAM", "--profile", "none",
             "--reason", "Again", "--legal-basis", "L",
             "-o", str(tmp_path / "r3.btambundle"))[0] == 0
    code, _, err = b("referral", "import", str(tmp_path / "r3.btambundle"))
    assert code == 1 and "withdrawn" in err


def test_only_leads_refer(pair: tuple[Laptop, Laptop], tmp_path: Path) -> None:  # noqa: F811
    a, _ = pair
    assert a("team", "create", "Lakeside BTAM")[0] == 0
    (tmp_path / "off.pw").write_text("Slate-River-Compass-88\n")
    (tmp_path / "new.pw").write_text("Slate-River-Compass-88\n")
    code, _, err = a("member", "add", OFFICER + " Two", "--role", "officer",
                     "--new-passphrase-file", str(tmp_path / "new.pw"))
    assert code == 0, err
    from btam_desktop.cli import main

    code = main(["--vault", str(tmp_path / "lead.btam"), "--passphrase-file",
                 str(tmp_path / "off.pw"), "--member", OFFICER + " Two", "referral", "card",
                 "-o", str(tmp_path / "x.btamcard")])
    assert code == 2 and not (tmp_path / "x.btamcard").exists()
