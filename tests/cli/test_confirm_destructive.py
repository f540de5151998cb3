"""Commands that cannot be undone ask first, as `btam team approve` does (one helper,
cli.common.confirm): `btam case purge` and `btam team revoke` ask in a terminal ([y/N]), and
without a terminal they change nothing unless given --yes (scripts). Before, both went
through at once. A laptop that may not do it is refused before it is asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from btam_desktop.cli import common

from .test_sync_cli import Laptop, enrol, laptop, pair  # noqa: F401  (fixtures)


def _trashed_case(run: Laptop) -> str:
    code, out, err = run("case", "add", "--title", "Letters to the clinic", "--json")
    assert code == 0, err
    number = str(json.loads(out)["number"])
    assert run("case", "delete", number)[0] == 0
    return number


def _in_trash(run: Laptop) -> list[str]:
    return [c["number"] for c in json.loads(run("case", "trash", "--json")[1])]


def test_case_purge_asks_first(pair: tuple[Laptop, Laptop],  # noqa: F811
                               monkeypatch: pytest.MonkeyPatch) -> None:
    lead, _ = pair
    number = _trashed_case(lead)
    # Without a terminal and without --yes: nothing purged, and the way to do it is said.
    code, out, err = lead("case", "purge", number)
    assert code == 1 and "--yes" in err and "not purged" in err
    assert number in out  # what would be purged is shown
    assert _in_trash(lead) == [number]
    # In a terminal: asked; "no" (or just Enter) purges nothing.
    monkeypatch.setattr(common, "_interactive", lambda: True)
    for answer in ("n", ""):
        monkeypatch.setattr("builtins.input", lambda _prompt, a=answer: a)
        code, out, _ = lead("case", "purge", number)
        assert code == 1 and "Not purged" in out
        assert _in_trash(lead) == [number]
    monkeypatch.setattr("builtins.input", lambda _prompt: "y")
    code, out, _ = lead("case", "purge", number)
    assert code == 0 and "purged" in out and _in_trash(lead) == []
    # A script says --yes.
    monkeypatch.setattr(common, "_interactive", lambda: False)
    other = _trashed_case(lead)
    assert lead("case", "purge", other, "--yes")[0] == 0 and _in_trash(lead) == []


def test_case_purge_refuses_before_asking(pair: tuple[Laptop, Laptop],  # noqa: F811
                                         tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = pair
    enrol(lead, officer, tmp_path)
    monkeypatch.setattr(common, "_interactive", lambda: True)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")
    code, out, _ = lead("case", "add", "--title", "Not trashed", "--json")
    live = str(json.loads(out)["number"])
    code, _, err = lead("case", "purge", live)
    assert code == 1 and "trash before purging" in err
    number = _trashed_case(officer)  # a member laptop of the team
    code, _, err = officer("case", "purge", number)
    assert code == 2 and "not a lead laptop" in err
    assert asked == [] and _in_trash(officer) == [number]


def test_team_revoke_asks_first(pair: tuple[Laptop, Laptop], tmp_path: Path,  # noqa: F811
                                monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = pair
    enrol(lead, officer, tmp_path)
    code_of = json.loads(officer("device", "show", "--json")[1])["code"]
    lead_code = json.loads(lead("device", "show", "--json")[1])["code"]

    def active() -> bool:
        roster = json.loads(lead("team", "roster", "--json")[1])
        return not {d["code"]: d for d in roster["devices"]}[code_of]["revoked_at"]

    code, out, err = lead("team", "revoke", code_of)
    assert code == 1 and "--yes" in err and "not revoked" in err
    assert code_of in out and active()
    monkeypatch.setattr(common, "_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _prompt: "n")
    code, out, _ = lead("team", "revoke", code_of)
    assert code == 1 and "Not revoked" in out and active()
    # Refused before asking: the member laptop may not revoke, nor a lead its own laptop.
    monkeypatch.setattr("builtins.input", lambda _prompt: pytest.fail("asked"))
    assert officer("team", "revoke", lead_code)[0] == 2
    code, _, err = lead("team", "revoke", lead_code)
    assert code == 1 and "its own laptop" in err
    monkeypatch.setattr("builtins.input", lambda _prompt: "y")
    code, out, _ = lead("team", "revoke", code_of)
    assert code == 0 and "Revoked" in out and not active()


def test_team_revoke_with_yes_in_a_script(pair: tuple[Laptop, Laptop],  # noqa: F811
                                          tmp_path: Path) -> None:
    lead, officer = pair
    enrol(lead, officer, tmp_path)
    code_of = json.loads(officer("device", "show", "--json")[1])["code"]
    code, out, err = lead("team", "revoke", code_of, "--yes", "--json")
    assert code == 0, err
    assert json.loads(out)["code"] == code_of


def test_asked_in_json_mode_stdout_holds_only_the_json(pair: tuple[Laptop, Laptop],  # noqa: F811
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    lead, _ = pair
    number = _trashed_case(lead)
    monkeypatch.setattr(common, "_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _prompt: "y")
    code, out, err = lead("case", "purge", number, "--json")
    assert code == 0 and json.loads(out)["action"] == "purge"
    assert "Purge this case? [y/N]" in err
