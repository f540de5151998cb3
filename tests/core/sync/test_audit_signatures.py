"""Audit chains travel between laptops with their signatures (issue 10): each laptop checks
that another laptop's entries are signed by the member they name, and a chain cut or
rewritten on one laptop is refused by the laptops that already hold it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from btam_desktop.core import audit
from btam_desktop.core.session import Session
from btam_desktop.core.sync import payload
from btam_desktop.core.sync.payload import PayloadError
from tests.core.sync.conftest import relay, snapshot

Laptops = Callable[[str], Session]


def _doc(src: Session) -> dict:
    return json.loads(json.dumps(payload.collect(src.db, device_id=src.device_id, ack={},
                                                 roster=None)))


def _apply(dst: Session, doc: dict) -> None:
    with dst.operation("bundle.import") as op:
        payload.apply(op, payload.parse(doc), local_device=dst.device_id)


def test_entries_from_another_laptop_arrive_signed_and_verify(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("Signed on A", concern="low")
    relay(a, b)
    rows = b.db.query("SELECT member_id, signer_key, signature FROM audit WHERE device_id = ?",
                      (a.device_id,))
    assert rows and all(r["signature"] for r in rows)
    owners = audit.signers(b.db)
    assert {owners[r["signer_key"]] for r in rows} == {(a.device_id, a.member_id)}
    assert audit.verify(b.db) == [] and audit.notes(b.db) == []


def test_a_remote_entry_whose_signature_does_not_match_is_refused(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("Forged", concern="low")
    doc = _doc(a)
    doc["audit"][-1][14] = doc["audit"][0][14]  # another entry's signature
    before = snapshot(b)
    with pytest.raises(PayloadError, match="not signed by the member it names"):
        _apply(b, doc)
    assert snapshot(b) == before


def test_a_remote_entry_with_its_signature_removed_is_refused(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("Stripped", concern="low")
    doc = _doc(a)
    doc["audit"][-1][13] = doc["audit"][-1][14] = None
    with pytest.raises(PayloadError, match="not signed by the member it names"):
        _apply(b, doc)


def test_one_members_key_claimed_for_another_is_refused(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("First", concern="low")
    relay(a, b)
    doc = _doc(a)
    for signer in doc["signers"]:
        signer[2] = "someone-else"
    with pytest.raises(PayloadError, match="one member's audit signing key as another's"):
        _apply(b, doc)


def test_older_senders_unsigned_rows_are_accepted_as_legacy(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("Old sender", concern="low")
    doc = _doc(a)
    doc["audit"] = [row[:13] for row in doc["audit"]]  # an older laptop's 13-column rows
    del doc["signers"]
    _apply(b, doc)
    assert audit.verify(b.db) == []
    assert any("unsigned, legacy" in n for n in audit.notes(b.db))


def test_a_chain_cut_on_one_laptop_is_refused_by_the_laptop_that_holds_it(
        laptops: Laptops) -> None:
    """An insider on A cuts A's chain and moves its head; the next entries A writes reuse
    the numbers B already holds with other content, so B refuses them."""
    a, b = laptops("A"), laptops("B")
    for n in range(3):
        a.store.create_case(f"Case {n}", concern="low")
    relay(a, b)
    a.db.execute("DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE device_id = ?"
                 " ORDER BY seq DESC LIMIT 2)", (a.device_id,))
    top = a.db.query_one("SELECT device_seq, hash FROM audit WHERE device_id = ?"
                         " ORDER BY device_seq DESC LIMIT 1", (a.device_id,))
    a.db.set_meta(audit.head_key(a.device_id), f"{top[0]}:{top[1]}")
    for n in range(3):
        a.store.create_case(f"After the cut {n}", concern="low")
    before = snapshot(b)
    with pytest.raises(PayloadError, match=r"altered|differs"):
        relay(a, b)
    assert snapshot(b) == before
