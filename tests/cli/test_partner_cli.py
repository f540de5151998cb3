"""`btam partner add/update`: the resource-map fields the app's Partners page edits (prevention
tiers, age groups, area served, hours, capacity, usual wait in days) can be recorded and changed
from the command line, and a bad value is refused with a message naming the option, before the
vault is touched."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Run


def _add(btam: Run, *extra: str) -> dict[str, object]:
    code, out, err = btam("partner", "add", "Harbor Youth Counseling", "--discipline",
                          "mental_health", *extra, "--json")
    assert code == 0, err
    return dict(json.loads(out))


def _shown(btam: Run, partner_id: str) -> dict[str, object]:
    code, out, err = btam("partner", "list", "--json")
    assert code == 0, err
    return next(p for p in json.loads(out) if p["id"] == partner_id)


def test_add_records_the_resource_map_fields(initialised: Run) -> None:
    partner = _add(initialised, "--tiers", "intensive,selective", "--ages", "youth",
                   "--area-served", "Lakeside County", "--hours", "Mon-Fri 8-18",
                   "--capacity", "12 families", "--wait-days", "42", "--address",
                   "1 Harbor Rd", "--notes", "Ask for intake")
    stored = _shown(initialised, str(partner["id"]))
    # Tiers are kept in the vocabulary's order whatever order they were typed in.
    assert stored["tiers"] == ["selective", "intensive"]
    assert stored["ages"] == ["youth"]
    assert (stored["area_served"], stored["hours"], stored["capacity"]) == (
        "Lakeside County", "Mon-Fri 8-18", "12 families")
    assert stored["wait_days"] == 42
    assert (stored["address"], stored["notes"]) == ("1 Harbor Rd", "Ask for intake")


def test_update_changes_only_the_fields_given(initialised: Run) -> None:
    partner = _add(initialised, "--tiers", "universal", "--hours", "Mon-Fri", "--phone",
                   "555-0100")
    partner_id = str(partner["id"])
    code, out, err = initialised("partner", "update", partner_id, "--tiers",
                                 "selective,intensive", "--ages", "youth,adults",
                                 "--wait-days", "10", "--capacity", "waiting list")
    assert code == 0, err
    assert "Harbor Youth Counseling" in out
    stored = _shown(initialised, partner_id)
    assert stored["tiers"] == ["selective", "intensive"]
    assert stored["ages"] == ["youth", "adults"]
    assert stored["wait_days"] == 10
    assert stored["capacity"] == "waiting list"
    # What was not given stays as it was.
    assert (stored["hours"], stored["phone"]) == ("Mon-Fri", "555-0100")


def test_update_clears_a_list_and_the_wait_with_an_empty_value(initialised: Run) -> None:
    partner_id = str(_add(initialised, "--tiers", "universal", "--wait-days", "5")["id"])
    code, _out, err = initialised("partner", "update", partner_id, "--tiers", "",
                                  "--wait-days", "")
    assert code == 0, err
    stored = _shown(initialised, partner_id)
    assert stored["tiers"] == []
    assert stored["wait_days"] is None


def test_update_can_rename_and_change_the_discipline(initialised: Run) -> None:
    partner_id = str(_add(initialised)["id"])
    code, _out, err = initialised("partner", "update", partner_id, "--name",
                                  "Harbor Counseling", "--discipline", "social_services",
                                  "--json")
    assert code == 0, err
    stored = _shown(initialised, partner_id)
    assert (stored["name"], stored["discipline"]) == ("Harbor Counseling", "social_services")


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--tiers", "intensive,urgent", "unknown tier 'urgent'"),
    ("--ages", "seniors", "unknown age group 'seniors'"),
    ("--wait-days", "six weeks", "a whole number of days"),
    ("--wait-days", "-3", "between 0 and 3650"),
    ("--wait-days", "4000", "between 0 and 3650"),
])
def test_a_bad_value_is_refused_naming_the_option_and_nothing_changes(
        initialised: Run, option: str, value: str, said: str) -> None:
    partner_id = str(_add(initialised, "--tiers", "universal", "--wait-days", "7")["id"])
    for argv in (("partner", "add", "Other", "--discipline", "school"),
                 ("partner", "update", partner_id)):
        code, _out, err = initialised(*argv, option, value)
        assert code == 1
        assert option in err and said in err, err
    code, out, _err = initialised("partner", "list", "--json")
    partners = json.loads(out)
    assert [p["name"] for p in partners] == ["Harbor Youth Counseling"]
    assert (partners[0]["tiers"], partners[0]["wait_days"]) == (["universal"], 7)


def test_update_of_an_unknown_partner_or_with_nothing_to_change_says_so(
        initialised: Run) -> None:
    code, _out, err = initialised("partner", "update", "no-such-id", "--hours", "9-5")
    assert code == 1
    assert "no partner no-such-id" in err
    partner_id = str(_add(initialised)["id"])
    code, _out, err = initialised("partner", "update", partner_id)
    assert code == 1
    assert "nothing to change" in err


def test_list_shows_tiers_and_the_usual_wait(initialised: Run) -> None:
    _add(initialised, "--tiers", "intensive", "--wait-days", "42")
    code, out, err = initialised("partner", "list")
    assert code == 0, err
    assert "TIERS" in out and "intensive" in out
    assert "42 days" in out
