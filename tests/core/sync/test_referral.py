"""Referrals between two teams' vaults end to end: contact cards compared by fingerprint, a
redacted referral bundle, accept and decline with the acknowledgement back, statuses on both
sides, and every hostile or mistaken file refused with its reason and nothing changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from btam_desktop.core.errors import InvalidInput, PermissionDenied
from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, exchange, referral, team
from btam_desktop.core.sync import card as card_mod
from btam_desktop.core.sync.bundle import BundleRefused, BundleTampered
from btam_desktop.core.sync.card import CardRefused
from tests.core.test_submissions import valid_contact

from .test_exchange import enrol, unchanged

Laptops = Callable[[str], Session]
SECRET = "Rivenshaw"  # a sentence tagged mental_health: must not reach the other team


def exchange_cards(a: Session, b: Session, tmp: Path) -> None:
    for src, dst in ((a, b), (b, a)):
        path = tmp / f"{src.device_code}.btamcard"
        card_mod.write_own_card(src, path, overwrite=True)
        card_mod.import_card(dst, card_mod.read_card_file(path))


@pytest.fixture
def teams(laptops: Laptops, tmp_path: Path) -> tuple[Session, Session]:
    """Two teams, each with its own vault and roster, that exchanged contact cards."""
    a, b = laptops("A"), laptops("B")
    team.create_team(a, "Lakeside BTAM")
    team.create_team(b, "County Threat Assessment")
    b.set_setting("agency", "County Sheriff")
    exchange_cards(a, b, tmp_path)
    return a, b


def make_case(session: Session) -> tuple[str, str]:
    store = session.store
    case = store.create_case("Threats after expulsion", concern="high",
                             summary="Student posted threats; Tamsin Oakby reported it")
    poc = store.add_person("Merrow", "Jude", phone="555-0101")
    witness = store.add_person("Oakby", "Tamsin", phone="555-0199")
    store.link_person(case.id, poc.id, "person_of_concern")
    store.link_person(case.id, witness.id, "reporting_party")
    store.add_entry(case.id, "concerning_behaviour", "Posted a photo of a rifle",
                    context="Two days after the expulsion", occurred_at="2026-03-02T19:30")
    store.add_note(case.id, "Internal: the officer thinks the father is evasive")
    answers = valid_contact(session)
    answers["contact_summary"] = f"{SECRET}: disclosed a psychiatric history"
    session.submissions.create(case.id, "contact_log", answers, complete=True)
    return case.id, case.number


def send(a: Session, b: Session, case_id: str, tmp: Path, name: str = "ref",
         **kw: object) -> referral.SendResult:
    return referral.send(a, case_id, to_team="County Threat Assessment",
                         profile=str(kw.pop("profile", "school_partner")),
                         reason="The student moved to the county", legal_basis="State code 1",
                         out=tmp / f"{name}.btambundle", **kw)  # type: ignore[arg-type]


def test_cards_are_listed_fingerprinted_and_withdrawn(teams: tuple[Session, Session],
                                                     tmp_path: Path) -> None:
    a, b = teams
    held = card_mod.cards(b)
    assert [c.card.team_name for c in held] == ["Lakeside BTAM"]
    own = card_mod.own_card(a)
    assert held[0].card.leads[0].public == own.leads[0].public
    assert len(held[0].card.fingerprint()) == 39 and held[0].state() == "active"
    # Re-importing the same card changes nothing; an altered card is refused.
    path = tmp_path / "again.btamcard"
    data = (tmp_path / f"{a.device_code}.btamcard").read_bytes()
    assert card_mod.import_card(b, card_mod.parse_card(data)) == "unchanged"
    path.write_bytes(data.replace(b"Lakeside", b"Lakesidf"))
    with pytest.raises(CardRefused, match="signature"):
        card_mod.read_card_file(path)
    with pytest.raises(CardRefused, match="own team"):
        card_mod.import_card(a, card_mod.own_card(a))
    withdrawn = card_mod.withdraw_card(b, "Lakeside BTAM")
    assert withdrawn.state() == "withdrawn"
    with pytest.raises(CardRefused, match="withdrawn"):
        card_mod.usable_card(b, withdrawn.card.team_id)
    later = datetime.now(UTC) + timedelta(days=card_mod.DEFAULT_DAYS + 1)
    assert card_mod.cards(a)[0].state(later) == "expired"


def test_referral_accepted_end_to_end_with_redaction_and_ack(
        teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = teams
    case_id, number = make_case(a)
    sent = send(a, b, case_id, tmp_path)
    assert sent.counts == {"people": 2, "entries": 1, "forms": 1}  # the note is dropped
    log = [d for d in a.db.query("SELECT * FROM disseminations WHERE case_id = ?", (case_id,))]
    assert len(log) == 1 and log[0]["what"] == "referral"
    assert log[0]["redaction_profile"] == "school_partner"
    assert log[0]["sha256"] == bundle.file_hash((tmp_path / "ref.btambundle").read_bytes())
    assert "County Threat Assessment" in log[0]["recipient"]
    assert [r.status for r in referral.for_case(a, case_id)] == ["sent"]

    before_cases = b.store.count_cases()
    result = referral.import_file(b, tmp_path / "ref.btambundle")
    assert result.status == "received" and result.counts["forms"] == 1
    assert b.store.count_cases() == before_cases  # nothing merged before an accept
    incoming = referral.list_referrals(b, direction="in")
    assert [r.status for r in incoming] == ["received"]

    new_case = referral.accept(b, result.referral_id, out=tmp_path / "ack.btambundle")
    assert new_case.number != number and new_case.number.endswith(b.device_code)
    assert new_case.id != case_id and new_case.concern == "high"
    timeline = b.store.timeline(new_case.id)
    assert any(number in e.summary for e in timeline)
    assert not any("evasive" in e.summary for e in timeline)  # school profile drops notes
    behaviour = next(e for e in timeline if e.kind == "concerning_behaviour")
    assert behaviour.context == ""  # school profile drops entry context
    people = b.store.case_persons(new_case.id)
    names = sorted(p.person.display_name for p in people)
    assert any("Merrow" in n for n in names)
    assert not any("Oakby" in n or "Tamsin" in n for n in names)  # third party by role
    assert all(p.person.phone == "" for p in people)
    assert "Tamsin" not in (new_case.summary or "")
    subs = b.submissions.for_case(new_case.id)
    assert len(subs) == 1 and subs[0].status == "complete"
    assert "contact_summary" not in subs[0].answers
    # The tagged answer is nowhere in the other vault, not even in search.
    assert not b.store.list_cases(text=SECRET)
    assert SECRET not in json.dumps([dict(r) for r in b.db.query("SELECT * FROM change_log")])
    assert b.store.list_cases(text="rifle")[0].id == new_case.id
    assert [r.status for r in referral.for_case(b, new_case.id)] == ["accepted"]

    ack = referral.import_file(a, tmp_path / "ack.btambundle")
    assert ack.kind == "ack" and ack.status == "accepted"
    mine = referral.for_case(a, case_id)[0]
    assert mine.status == "accepted" and mine.their_case_number == new_case.number
    assert any(new_case.number in e.summary for e in a.store.timeline(case_id))

    # A follow-up travels the same way and joins the accepted case.
    a.store.add_entry(case_id, "contact", "Met the family again")
    follow = send(a, b, case_id, tmp_path, name="follow", follow_up_of=sent.referral_id,
                  entries=[a.store.timeline(case_id)[-1].id], people=[], forms=[])
    got = referral.import_file(b, follow.path)
    again = referral.accept(b, got.referral_id)
    assert again.id == new_case.id
    assert any(e.summary == "Met the family again" for e in b.store.timeline(new_case.id))


def test_declined_referral_creates_nothing_and_tells_the_sender(
        teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = teams
    case_id, _ = make_case(a)
    send(a, b, case_id, tmp_path)
    got = referral.import_file(b, tmp_path / "ref.btambundle")
    cases = b.store.count_cases()
    declined = referral.decline(b, got.referral_id, "Not in our county",
                                out=tmp_path / "ack.btambundle")
    assert declined.status == "declined" and b.store.count_cases() == cases
    assert b.db.scalar("SELECT payload FROM referrals") is None  # content dropped
    with pytest.raises(InvalidInput, match="already declined"):
        referral.accept(b, got.referral_id)
    referral.import_file(a, tmp_path / "ack.btambundle")
    mine = referral.for_case(a, case_id)[0]
    assert mine.status == "declined" and mine.decision_reason == "Not in our county"


def refused(session: Session, path: Path, match: str,
            kind: type[Exception] = BundleRefused) -> None:
    before = unchanged(session)
    with pytest.raises(kind, match=match):
        referral.import_file(session, path)
    assert unchanged(session) == before


def test_hostile_and_mistaken_referrals_change_nothing(
        teams: tuple[Session, Session], laptops: Laptops, tmp_path: Path) -> None:
    a, b = teams
    case_id, _ = make_case(a)
    sent = send(a, b, case_id, tmp_path)
    data = sent.path.read_bytes()

    # Tampered: one byte of the ciphertext, and of the signature.
    for offset in (len(data) - 100, len(data) - 1):
        bad = bytearray(data)
        bad[offset] ^= 1
        path = tmp_path / f"bad{offset}.btambundle"
        path.write_bytes(bytes(bad))
        refused(b, path, "signature", BundleTampered)

    # Meant for another team: C imported A's card and gets A's referral for B.
    c = laptops("C")
    team.create_team(c, "Harbour BTAM")
    exchange_cards(a, c, tmp_path)
    refused(c, sent.path, "not addressed to this device")

    # A sync bundle passed as a referral, and a referral passed as a sync bundle.
    a2 = laptops("D")
    enrol(a, a2, tmp_path)
    exchange.export_bundle(a, tmp_path / "sync.btambundle")
    refused(b, tmp_path / "sync.btambundle", "sync bundle")
    with pytest.raises(BundleRefused, match="referral bundle, not a sync bundle"):
        exchange.import_bytes(a2, data)

    # Unknown team: E never imported A's card.
    e = laptops("E")
    team.create_team(e, "Elsewhere BTAM")
    card_mod.import_card(a, card_mod.own_card(e))
    to_e = referral.send(a, case_id, to_team="Elsewhere BTAM", profile="none", reason="r",
                         legal_basis="l", out=tmp_path / "to-e.btambundle")
    refused(e, to_e.path, "unknown team")

    # Replayed: the first import works, the second is refused.
    referral.import_file(b, sent.path)
    refused(b, sent.path, "already imported")

    # Expired and withdrawn cards.
    second = send(a, b, case_id, tmp_path, name="second")
    later = datetime.now(UTC) + timedelta(days=card_mod.DEFAULT_DAYS + 1)
    before = unchanged(b)
    with pytest.raises(BundleRefused, match="expired"):
        referral.import_file(b, second.path, now=later)
    assert unchanged(b) == before
    card_mod.withdraw_card(b, "Lakeside BTAM")
    refused(b, second.path, "withdrawn")

    # An acknowledgement of a referral never sent from here.
    card_mod.import_card(b, card_mod.own_card(a))  # a new card after a phone call
    got = referral.list_referrals(b, direction="in")[0]
    referral.decline(b, got.referral_id, "no", out=tmp_path / "ack.btambundle")
    refused(c, tmp_path / "ack.btambundle", "not addressed|unknown team")
    referral.import_file(a, tmp_path / "ack.btambundle")
    referral.write_ack(b, got.referral_id, tmp_path / "ack2.btambundle")
    refused(a, tmp_path / "ack2.btambundle", "already acknowledged")


def test_only_a_lead_device_refers(teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = teams
    case_id, _ = make_case(a)
    a.add_member("Sam Ortiz", "officer", "Slate-River-Compass-88")
    from btam_desktop.core import vault

    officer, _ = vault.unlock(a.path, passphrase_text="Slate-River-Compass-88",
                              member="Sam Ortiz")
    try:
        with pytest.raises(PermissionDenied):
            referral.send(officer, case_id, to_team="County Threat Assessment",
                          profile="none", reason="r", legal_basis="l",
                          out=tmp_path / "x.btambundle")
        assert not (tmp_path / "x.btambundle").exists()
    finally:
        officer.lock()
    with pytest.raises(InvalidInput, match="legal basis"):
        referral.send(a, case_id, to_team="County Threat Assessment", profile="none",
                      reason="r", legal_basis=" ", out=tmp_path / "y.btambundle")
    assert not (tmp_path / "y.btambundle").exists()


CRISIS = "Crisis team saw Jude after a panic attack"  # tagged mental_health
ARREST = "Arrested in 2024 for assault, charges dropped"  # a task tagged criminal_history
ORIGINAL = "Mother says the therapist changed his pills"  # tagged only in its correction
CORRECTED = "Mother says the psychiatrist stopped his medication"
UNTAGGED = "Father reached by phone; agrees to a meeting"
UNTAGGED_LATER = "Stayed three nights on the ward"  # a correction of a tagged entry


def _everything(session: Session) -> str:
    """Every text cell of every table of a vault, for 'is this text anywhere' checks."""
    tables = [r["name"] for r in session.db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table'")]
    cells: list[str] = []
    for name in tables:
        for row in session.db.query(f'SELECT * FROM "{name}"'):
            cells += [v if isinstance(v, str) else v.decode("utf-8", "replace")
                      for v in tuple(row) if isinstance(v, str | bytes)]
    return "\n".join(cells)


def test_tagged_entries_and_tasks_do_not_reach_the_other_team(
        teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = teams
    case_id, _ = make_case(a)
    store = a.store
    store.add_entry(case_id, "contact", CRISIS, details="Seen at the county hospital",
                    sensitivity=["mental_health"], occurred_at="2026-03-03T10:00")
    store.add_task(case_id, ARREST, notes="Ask the records unit",
                   sensitivity=["criminal_history"])
    # Tagged only when corrected: the correction's tag covers the original too.
    first = store.add_entry(case_id, "contact", ORIGINAL, details=ORIGINAL,
                            occurred_at="2026-03-04T10:00")
    store.correct_entry(first.id, summary=CORRECTED, details=CORRECTED,
                        sensitivity=("mental_health",))
    # Tagged, then corrected without the tag: the original's tag still covers the fact.
    tagged = store.add_entry(case_id, "contact", "Hospital stay", sensitivity=["medical"],
                             occurred_at="2026-03-04T12:00")
    store.correct_entry(tagged.id, summary=UNTAGGED_LATER, sensitivity=())
    store.add_entry(case_id, "contact", UNTAGGED, occurred_at="2026-03-05T10:00")

    sent = send(a, b, case_id, tmp_path)
    assert sent.withheld == ["3 timeline entries (medical, mental health)"]
    got = referral.import_file(b, sent.path)
    preview = referral.incoming_preview(b, got.referral_id)
    # The receiving team reads what the profile removed from this referral.
    told = preview["profile"]["summary"]
    assert any(line.startswith("Timeline entries tagged") for line in told)
    assert not any("Report sections" in line for line in told)
    carried = json.dumps(preview)
    new_case = referral.accept(b, got.referral_id)
    everything = _everything(b)
    for text in (CRISIS, "county hospital", ARREST, "records unit", ORIGINAL, CORRECTED,
                 "Hospital stay", UNTAGGED_LATER):
        assert text not in carried, text
        assert text not in everything, text
    # Replace mode: the entries are there, their text is not.
    timeline = b.store.timeline(new_case.id)
    assert UNTAGGED in [e.summary for e in timeline]
    assert sum(e.summary == "[redacted]" for e in timeline) == 3
    assert not b.store.list_cases(text="panic")


def test_omit_profile_leaves_tagged_entries_out_of_the_referral(
        teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = teams
    case_id, _ = make_case(a)
    a.store.add_entry(case_id, "contact", CRISIS, sensitivity=["mental_health"])
    a.store.add_entry(case_id, "contact", UNTAGGED)
    sent = send(a, b, case_id, tmp_path, profile="public_health_partner")
    got = referral.import_file(b, sent.path)
    entries = referral.incoming_preview(b, got.referral_id)["entries"]
    assert UNTAGGED in [e["summary"] for e in entries]
    assert CRISIS not in json.dumps(entries) and "[redacted]" not in json.dumps(entries)


def test_what_a_referral_leaves_out_is_counted_beforehand(
        teams: tuple[Session, Session]) -> None:
    from btam_desktop.core.pdf.redaction import get_profile

    a, _b = teams
    case_id, _ = make_case(a)
    a.store.add_entry(case_id, "contact", CRISIS, sensitivity=["mental_health"])
    first = a.store.add_entry(case_id, "contact", ORIGINAL)
    a.store.correct_entry(first.id, summary=CORRECTED, sensitivity=("criminal_history",))
    a.store.add_task(case_id, ARREST, sensitivity=["criminal_history"])
    # Only what the referral would carry: current entries (tasks never travel).
    assert referral.withheld_items(a, case_id, get_profile("school_partner")) == [
        "2 timeline entries (criminal history, mental health)"]
    assert referral.withheld_items(a, case_id, get_profile("none")) == []
