"""The new-user walk's two repros, through `btam` and real bundle files: an officer's laptop
(lead of its own vault, member of the team) may not purge a case or settle a conflict for the
team, and a lead's laptop does not apply either when one arrives from such a laptop."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.core.sync import team

from .test_sync_cli import Laptop, enrol, laptop, pair  # noqa: F401  (fixtures)


@pytest.fixture
def synced(pair: tuple[Laptop, Laptop], tmp_path: Path) -> tuple[Laptop, Laptop, str]:  # noqa: F811
    """A team of two sharing one case made by the lead."""
    lead, officer = pair
    enrol(lead, officer, tmp_path)
    code, out, err = lead("case", "add", "--title", "Letters to the clinic", "--json")
    assert code == 0, err
    number = json.loads(out)["number"]
    exchange(lead, officer, tmp_path / "l1.btambundle")
    return lead, officer, number


def exchange(src: Laptop, dst: Laptop, path: Path) -> str:
    code, _, err = src("bundle", "export", "-o", str(path))
    assert code == 0, err
    code, out, err = dst("bundle", "import", str(path))
    assert code == 0, err
    return out


def test_an_officer_laptop_cannot_purge_a_case_for_the_team(
        synced: tuple[Laptop, Laptop, str]) -> None:
    _, officer, number = synced
    assert officer("case", "delete", number)[0] == 0
    code, _, err = officer("case", "purge", number)
    assert code != 0
    assert "member laptop of team Lakeside BTAM" in err and "lead laptop" in err
    code, out, _ = officer("case", "show", number)
    assert code == 0 and "Letters to the clinic" in out


def test_a_purge_from_an_officer_laptop_does_not_erase_the_lead_s_case(
        synced: tuple[Laptop, Laptop, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer, number = synced
    assert officer("case", "delete", number)[0] == 0
    with monkeypatch.context() as older_version:  # a laptop that does not check the roster
        older_version.setattr(team, "lead_refusal", lambda session: None)
        assert officer("case", "purge", number, "--yes")[0] == 0
    out = exchange(officer, lead, tmp_path / "o1.btambundle")
    assert "made on a laptop that is not a lead laptop" in out and "not applied" in out
    code, out, _ = lead("case", "show", number)
    assert code == 0 and "Letters to the clinic" in out


def test_an_officer_laptop_cannot_settle_a_critical_conflict(
        synced: tuple[Laptop, Laptop, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer, number = synced
    assert officer("case", "update", number, "--status", "active")[0] == 0
    assert lead("case", "update", number, "--status", "monitoring")[0] == 0
    exchange(lead, officer, tmp_path / "l2.btambundle")
    listed = json.loads(officer("conflicts", "list", "--json")[1])
    (status,) = [c for c in listed if c["field"] == "status"]
    code, _, err = officer("conflicts", "resolve", status["short_id"], "--keep", "local")
    assert code != 0 and "member laptop" in err
    # An older officer laptop settles it anyway: the lead still sees the conflict.
    with monkeypatch.context() as older_version:
        older_version.setattr(team, "lead_refusal", lambda session: None)
        assert officer("conflicts", "resolve", status["short_id"], "--keep", "local")[0] == 0
    out = exchange(officer, lead, tmp_path / "o2.btambundle")
    assert "1 conflict resolution" in out and "not applied" in out
    code, out, _ = lead("conflicts", "list")
    assert code == 0 and "No open conflicts" not in out and "status" in out
    on_lead = json.loads(lead("conflicts", "list", "--json")[1])
    assert [c["field"] for c in on_lead] == ["status"] and on_lead[0]["critical"]


def test_a_vault_with_no_team_still_purges(laptop: Callable[[str], Laptop],  # noqa: F811
                                           tmp_path: Path) -> None:
    alone = laptop("lead")
    assert alone("init", "--member", "Alone", "--role", "lead", "--recovery-key-file",
                 str(tmp_path / "alone.rk"))[0] == 0
    code, out, _ = alone("case", "add", "--title", "On its own", "--json")
    number = json.loads(out)["number"]
    assert alone("case", "delete", number)[0] == 0
    code, out, err = alone("case", "purge", number, "--yes")
    assert code == 0, err


def test_the_member_list_says_whose_lead_a_synced_member_is(
        synced: tuple[Laptop, Laptop, str], tmp_path: Path) -> None:
    lead, officer, _ = synced
    exchange(officer, lead, tmp_path / "o1.btambundle")
    listed = json.loads(lead("member", "list", "--json")[1])
    theirs = next(m for m in listed if m["role"] == "lead" and m["team_role"] != "lead")
    assert theirs["team_role"] == team.OWN_LAPTOP_LEAD
    code, out, _ = lead("member", "list")
    assert code == 0 and "lead of their own laptop, not of the team" in out
