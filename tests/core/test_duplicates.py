"""Possible duplicate persons (btam_desktop.core.duplicates)."""

from __future__ import annotations

import pytest

from btam_desktop.core import duplicates
from btam_desktop.core.duplicates import (
    SAME_EMAIL,
    SAME_NAME,
    SAME_PHONE,
    SIMILAR_NAME,
    TRANSPOSED,
    compare_names,
    find_duplicates,
    fold,
    phone_key,
)
from btam_desktop.core.session import Session


def _pair_reasons(session: Session) -> dict[frozenset[str], tuple[str, ...]]:
    return {frozenset((p.first_id, p.second_id)): p.reasons for p in find_duplicates(session)}


def test_fold_removes_case_diacritics_and_punctuation() -> None:
    assert fold("  Lương  Thị-Hồng ") == "luong thi hong"
    assert fold("O'Brien") == "o brien"
    assert fold("Đặng") == "dang"
    assert fold("Søren Łukasz Straße") == "soren lukasz strasse"


def test_phone_key_ignores_separators_and_the_country_code() -> None:
    assert phone_key("(555) 555-0142") == "5555550142"
    assert phone_key("+1 555.555.0142") == "5555550142"
    assert phone_key("") == ""


@pytest.mark.parametrize(("first", "second", "reason"), [
    (("Reyes", "Dana"), ("REYES", "dana"), SAME_NAME),
    (("Lương", "Thị Hồng"), ("Luong", "Thi Hong"), SAME_NAME),
    (("Nguyen", "Van An"), ("Van An", "Nguyen"), TRANSPOSED),
    (("Garcia", "Maria Elena"), ("Garcia", "Maria"), SIMILAR_NAME),
    (("Smith", "Jon"), ("Smith", "John"), SIMILAR_NAME),
    (("Smith", "Anna"), ("Smith", "Emma"), None),
    (("Okafor", "Chidi"), ("Larsen", "Chidi"), None),
    (("", ""), ("Smith", "Jon"), None),
])
def test_compare_names(first: tuple[str, str], second: tuple[str, str],
                       reason: str | None) -> None:
    assert compare_names(first, second) == reason


def test_pairs_with_reasons(session: Session) -> None:
    store = session.store
    a = store.add_person("Lương", "Thị Hồng", date_of_birth="1990-04-02")
    b = store.add_person("Luong", "Thi Hong", date_of_birth="1990-04-02")
    c = store.add_person("Hong", "Luong Thi", date_of_birth="1990-04-02")
    other_dob = store.add_person("Luong", "Thi Hong", date_of_birth="1991-04-02")
    d = store.add_person("Ortiz", "Sam", phone="(555) 555-0142")
    e = store.add_person("Ortiz", "Samuel", phone="+1 555 555 0142", email="S.Ortiz@mail.example")
    f = store.add_person("Unrelated", "Person", email=" s.ortiz@mail.example ")
    store.add_person("Nobody", "Else", date_of_birth="1990-04-02")
    pairs = _pair_reasons(session)
    assert pairs[frozenset((a.id, b.id))] == (SAME_NAME,)
    assert pairs[frozenset((a.id, c.id))] == (TRANSPOSED,)
    assert pairs[frozenset((d.id, e.id))] == (SAME_PHONE,)
    assert pairs[frozenset((e.id, f.id))] == (SAME_EMAIL,)
    assert not any(other_dob.id in pair for pair in pairs)
    assert len(pairs) == 5  # a-b, a-c, b-c, d-e, e-f


def test_a_pair_with_several_reasons_is_listed_once(session: Session) -> None:
    store = session.store
    a = store.add_person("Reyes", "Dana", date_of_birth="1980-01-01", phone="555-0100",
                         email="dana@mail.example")
    b = store.add_person("Reyes", "Dana", date_of_birth="1980-01-01", phone="5550100",
                         email="DANA@mail.example")
    [pair] = find_duplicates(session)
    assert {pair.first_id, pair.second_id} == {a.id, b.id}
    assert pair.reasons == (SAME_NAME, SAME_PHONE, SAME_EMAIL)
    assert "same phone number" in pair.reason
    assert pair.other(a.id) == (b.id, "Reyes, Dana")


def test_a_switchboard_number_is_not_evidence(session: Session) -> None:
    for i in range(duplicates.MAX_SHARED + 1):
        session.store.add_person(f"Pupil{i}", "Someone", phone="555-0199")
    assert find_duplicates(session) == []


def test_trashed_persons_are_ignored(session: Session) -> None:
    store = session.store
    a = store.add_person("Reyes", "Dana", date_of_birth="1980-01-01")
    b = store.add_person("Reyes", "Dana", date_of_birth="1980-01-01")
    with session.operation("person.trash") as op:
        op.trash("persons", b.id)
        op.audit("person.trash", "person", b.id)
    assert find_duplicates(session) == []
    assert find_duplicates(session, [a.id]) == []


def test_restricted_to_some_persons(session: Session) -> None:
    store = session.store
    a = store.add_person("Reyes", "Dana", date_of_birth="1980-01-01")
    b = store.add_person("Reyes", "Dana", date_of_birth="1980-01-01")
    c = store.add_person("Ortiz", "Sam", email="sam@mail.example")
    d = store.add_person("Ortiz", "Sam", email="sam@mail.example")
    only = find_duplicates(session, [c.id])
    assert [{p.first_id, p.second_id} for p in only] == [{c.id, d.id}]
    assert len(find_duplicates(session, [a.id, d.id])) == 2
    assert find_duplicates(session, []) == []
    assert {b.id} <= {x for p in find_duplicates(session, [a.id]) for x in (p.first_id,
                                                                           p.second_id)}


def test_a_crowded_birth_date_is_compared_by_name_key(session: Session) -> None:
    # A placeholder date used for many people: linear comparison of exact name keys.
    with session.operation("person.bulk") as op:
        for i in range(duplicates.PAIRWISE_LIMIT + 10):
            op.insert("persons", {"family_name": f"Family{i}", "given_names": "Pat",
                                  "date_of_birth": "1900-01-01", "created_at": "2026"})
        op.insert("persons", {"family_name": "Family1", "given_names": "Pat",
                              "date_of_birth": "1900-01-01", "created_at": "2026"})
        op.audit("person.bulk")
    pairs = find_duplicates(session)
    assert [p.reasons for p in pairs] == [(SAME_NAME,)]
