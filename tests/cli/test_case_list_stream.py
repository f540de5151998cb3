"""`btam case list` prints as it reads: under ``--json`` one JSON array, one case per line,
written a page of full records at a time (never every case in memory at once), with the same
cases, keys, values and order as the whole list built by ``CaseStore.list_cases``; the text
table likewise, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.cli import case_commands
from btam_desktop.cli.common import table
from btam_desktop.core import queries, vault
from tests.cli.conftest import Run
from tests.conftest import LEAD, LEAD_PASS

FILTERS: list[tuple[list[str], dict[str, Any]]] = [
    ([], {}),
    (["--status", "active"], {"status": "active"}),
    (["--concern", "high"], {"concern": "high"}),
    (["--tier", "selective", "--concern", "high"], {"tier": "selective", "concern": "high"}),
    (["--overdue"], {"overdue": True}),
    (["--search", "harbor"], {"text": "harbor"}),
    (["--search", "harbor", "--status", "open"], {"text": "harbor", "status": "open"}),
    (["--search", "nothing-like-it"], {"text": "nothing-like-it"}),
    (["--limit", "3"], {"limit": 3}),
    (["--mine"], {"assigned_to": "me"}),
]


@pytest.fixture
def cases(initialised: Run, tmp_path: Path) -> Path:
    """Eleven cases of every kind (one trashed, some assigned, some overdue, one with
    non-ASCII text), made through the core."""
    path = tmp_path / "v.btam"
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS, member=LEAD)
    store = session.store
    kinds = [("open", "low", "universal"), ("active", "high", "selective"),
             ("monitoring", "moderate", "intensive"), ("open", "high", "selective"),
             ("closed", "imminent", "intensive")]
    made = []
    for n in range(11):
        status, concern, tier = kinds[n % len(kinds)]
        title = f"Harbor school threat {n}" if n % 3 == 0 else f"Case \u00e9t\u00e9 \u201c{n}\u201d"
        case = store.create_case(
            title, concern="low", tier=tier, summary=f"Summary {n}\nsecond line",
            opened_on=f"2025-0{1 + n % 9}-1{n % 10}",
            next_review="2020-01-01" if n % 4 == 0 else "2099-01-01")
        if status != "open" or concern != "low":
            values: dict[str, Any] = {"concern": concern}
            if status != "open":
                values["status"] = status
            if status == "closed":
                values["closure_reason"] = "Resolved"
            store.update_case(case.id, values, reason="Reassessed")
        if n % 2:
            store.assign(case.id, LEAD)
        made.append(case)
    store.delete_case(made[5].id)  # trashed: never listed
    session.lock()
    return path


def _store_lists(path: Path, **filters: Any) -> tuple[str, str]:
    """What the command printed before it streamed: the whole list as JSON and as text."""
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS, member=LEAD)
    if filters.get("assigned_to") == "me":
        filters["assigned_to"] = session.member_id
    listed = session.store.list_cases(**filters)
    session.lock()
    as_json = "[\n" + ",\n".join(json.dumps(c.to_json(), ensure_ascii=False, sort_keys=True)
                                  for c in listed) + "\n]\n" if listed else "[]\n"
    as_text = table([case_commands._case_row(c) for c in listed],
                    case_commands.CASE_HEADERS) + "\n"
    return as_json, as_text


@pytest.mark.parametrize(("argv", "filters"), FILTERS)
def test_the_list_is_the_stores_list(
        initialised: Run, cases: Path, argv: list[str], filters: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(case_commands, "LIST_PAGE", 2)  # several pages even for 10 cases
    as_json, as_text = _store_lists(cases, **filters)
    code, out, err = initialised("case", "list", *argv, "--json")
    assert code == 0, err
    assert json.loads(out) == json.loads(as_json)
    assert out == as_json  # one case per line
    code, out, err = initialised("case", "list", *argv)
    assert code == 0, err
    assert out == as_text


def test_json_is_written_a_page_at_a_time(initialised: Run, cases: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(case_commands, "LIST_PAGE", 3)
    read = queries.cases_by_ids
    pages: list[int] = []
    written_before: list[str] = []

    def spy(db: Any, ids: Any) -> Any:
        pages.append(len(ids))
        written_before.append(capsys.readouterr().out)  # what was printed up to now
        return read(db, ids)

    monkeypatch.setattr(queries, "cases_by_ids", spy)
    code, out, err = initialised("case", "list", "--json")
    assert code == 0, err
    assert pages == [3, 3, 3, 1]  # ten live cases, never more than a page in memory
    # Each page was printed before the next one was read.
    assert [text.count('"number"') for text in written_before] == [0, 3, 3, 3]
    whole = "".join(written_before) + out
    assert whole == _store_lists(cases)[0]
    assert len(json.loads(whole)) == 10
