"""The merge rules users rely on: nothing typed on one laptop is lost on another, concurrent
edits land in the conflict queue, purges stay purged, and the same changes give the same
vault whatever order they arrive in."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from btam_desktop.core import audit
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, payload
from btam_desktop.core.sync.payload import PayloadError
from tests.core.test_submissions import valid_contact

from .conftest import relay, snapshot

Laptops = Callable[[str], Session]


def test_a_case_made_on_one_laptop_arrives_whole_on_another(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Threats after eviction notice", concern="moderate")
    a.store.add_note(case.id, "Landlord reports a note pushed under the door")
    person = a.store.add_person(family_name="Marchetti", given_names="Lio",
                                aliases=["lm_shadow"])
    a.store.link_person(case.id, person.id, "person_of_concern")
    a.store.add_task(case.id, "30-day review", due_on="2026-04-01", kind="review")
    a.store.add_attachment(case.id, "statement.txt", b"typed statement")
    sub = a.submissions.create(case.id, "contact_log", {"contact_summary": "Front desk"})

    report = relay(a, b)

    got = b.store.get_case(case.number)
    assert got.title == "Threats after eviction notice" and got.concern == "moderate"
    assert [e.summary for e in b.store.timeline(case.id)][-1].startswith("Landlord reports")
    assert [c.number for c in b.store.list_cases(text="lm_shadow")] == [case.number]
    assert [c.number for c in b.store.list_cases(text="pushed")] == [case.number]
    assert b.store.attachments(case.id)[0].filename == "statement.txt"
    assert b.submissions.get(sub.id).answers == a.submissions.get(sub.id).answers
    assert b.submissions.get(sub.id).answers["contact_summary"] == "Front desk"
    assert report.created["cases"] == 1 and report.new_conflicts == 0
    # Who did it travels: the history names laptop A's member, not B's.
    assert b.store.timeline(case.id)[-1].author_name == "Lead A"
    assert b.find_member("Lead A").role == "lead"
    assert audit.verify(b.db) == []
    assert b.check() == []  # members of other laptops have no key slot here, as they should


def test_import_is_idempotent(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("Repeated", concern="low")
    relay(a, b)
    before = snapshot(b)
    again = relay(a, b, full=True)
    assert again.applied == 0 and again.duplicates > 0
    assert snapshot(b)["changes"] == before["changes"]
    assert snapshot(b)["cases"] == before["cases"]


def test_concurrent_edits_converge_and_keep_the_other_value(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Original title", concern="moderate")
    relay(a, b)
    a.store.update_case(case.id, {"title": "Title typed on A"})
    b.store.update_case(case.id, {"title": "Title typed on B"})
    relay(a, b)
    relay(b, a)
    title_a, title_b = a.store.get_case(case.id).title, b.store.get_case(case.id).title
    assert title_a == title_b
    queue_a, queue_b = conflicts.listing(a.db), conflicts.listing(b.db)
    assert [c.id for c in queue_a] == [c.id for c in queue_b] and len(queue_a) == 1
    conflict = queue_a[0]
    assert {conflict.current.value, conflict.other.value} == {"Title typed on A",
                                                             "Title typed on B"}
    assert conflict.current.value == title_a
    assert not conflict.critical
    assert {conflict.current.member_name, conflict.other.member_name} == {"Lead A", "Lead B"}
    assert snapshot(a) == snapshot(b)


def test_concern_level_conflict_is_critical_and_identical_values_are_not_conflicts(
        laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Escalating posts", concern="moderate")
    relay(a, b)
    a.store.update_case(case.id, {"concern": "high"}, reason="Leakage to two colleagues")
    b.store.update_case(case.id, {"concern": "imminent"}, reason="Bought a rifle")
    a.store.update_case(case.id, {"summary": "Same words"})
    b.store.update_case(case.id, {"summary": "Same words"})
    relay(a, b)
    relay(b, a)
    queue = conflicts.listing(a.db)
    assert [(c.field, c.critical) for c in queue] == [("concern", True)]
    # Resolved by taking the other level: it lands on the timeline like any concern change.
    other = queue[0].other.value
    conflicts.resolve(a, queue[0].id, keep="incoming")
    assert a.store.get_case(case.id).concern == other
    latest = a.store.timeline(case.id, kinds=("concern_change",))[-1]
    assert latest.concern_to == other and "conflict resolved" in latest.summary
    relay(a, b)
    queue = conflicts.listing(b.db, include_resolved=True)
    assert queue[0].other.reason in ("Leakage to two colleagues", "Bought a rifle")
    # Both rationales are on the timeline: the concern-change entries are facts, merged by union.
    kinds = [e.details for e in a.store.timeline(case.id, kinds=("concern_change",))]
    assert {"Bought a rifle", "Leakage to two colleagues"} <= set(kinds)
    assert snapshot(a) == snapshot(b)


def test_a_resolution_travels_and_settles_the_conflict_everywhere(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Original", concern="low")
    relay(a, b)
    a.store.update_case(case.id, {"title": "From A"})
    b.store.update_case(case.id, {"title": "From B"})
    relay(a, b)
    relay(b, a)
    conflict = conflicts.listing(a.db)[0]
    conflicts.resolve(a, conflict.id, value="Agreed title")
    assert a.store.get_case(case.id).title == "Agreed title"
    assert conflicts.listing(a.db) == []
    relay(a, b)
    assert b.store.get_case(case.id).title == "Agreed title"
    assert conflicts.listing(b.db) == []
    assert conflicts.open_count(b.db) == 0
    relay(b, a)
    assert snapshot(a) == snapshot(b)


def test_keep_incoming_takes_the_other_value(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Original", concern="low")
    relay(a, b)
    a.store.update_case(case.id, {"title": "From A"})
    b.store.update_case(case.id, {"title": "From B"})
    relay(a, b)
    conflict = conflicts.listing(b.db)[0]
    other = conflict.other.value
    conflicts.resolve(b, conflict.id, keep="incoming")
    assert b.store.get_case(case.id).title == other


def test_form_answers_merge_per_answer(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Draft on two laptops", concern="low")
    sub = a.submissions.create(case.id, "contact_log", {"contact_summary": "Lobby"},
                               strict=False)
    relay(a, b)
    a.submissions.save_draft(sub.id, {"contact_summary": "Lobby", "outcome": "Calm"})
    b.submissions.save_draft(sub.id, {"contact_summary": "Parking lot"})
    relay(a, b)
    relay(b, a)
    merged = a.submissions.get(sub.id).answers
    assert merged == b.submissions.get(sub.id).answers
    assert merged["contact_summary"] == "Parking lot" and merged["outcome"] == "Calm"
    assert conflicts.listing(a.db) == []  # different answers: no conflict


def test_an_edit_of_a_case_deleted_elsewhere_is_a_conflict(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Trashed on A", concern="low")
    relay(a, b)
    a.store.delete_case(case.id)
    b.store.update_case(case.id, {"summary": "B kept working on it"})
    relay(a, b)
    relay(b, a)
    queue = conflicts.listing(a.db)
    assert [c.kind for c in queue] == ["trash"]
    assert a.store.get_case(case.id).deleted_at is not None
    conflicts.resolve(a, queue[0].id, keep="incoming")  # restore
    assert a.store.get_case(case.id).deleted_at is None
    assert a.store.get_case(case.id).summary == "B kept working on it"
    relay(a, b)
    assert b.store.get_case(case.id).deleted_at is None


def test_a_purge_travels_and_no_late_bundle_brings_the_record_back(laptops: Laptops) -> None:
    a, b, c = laptops("A"), laptops("B"), laptops("C")
    case = a.store.create_case("To be purged", concern="low")
    a.store.add_note(case.id, "secret detail that must go")
    relay(a, b)
    relay(a, c)
    # C adds to the case while A purges it: C's entry must go too, everywhere.
    c.store.add_note(case.id, "added on C meanwhile")
    a.store.delete_case(case.id)
    a.store.purge_case(case.id)
    relay(a, b)
    with pytest.raises(Exception, match="no case"):
        b.store.get_case(case.id)
    relay(c, b)  # the late bundle from C
    with pytest.raises(Exception, match="no case"):
        b.store.get_case(case.id)
    relay(b, c)
    relay(c, a)
    for laptop in (a, b, c):
        assert laptop.db.scalar("SELECT count(*) FROM timeline") == 0
        assert laptop.db.scalar("SELECT count(*) FROM change_log WHERE value LIKE '%secret%'") == 0
        assert laptop.store.list_cases(text="secret") == []
    assert snapshot(a)["tombstones"] == snapshot(b)["tombstones"] == snapshot(c)["tombstones"]


def test_a_record_whose_case_has_not_arrived_is_held_then_applied(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Parent", concern="low")
    entry = a.store.add_note(case.id, "child entry")
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    child_only = dict(doc, changes=[c for c in doc["changes"] if c[1] == "timeline"])
    rest = dict(doc, changes=[c for c in doc["changes"] if c[1] != "timeline"], audit=[])
    with b.operation("bundle.import") as op:
        report, _ = payload.apply(op, payload.parse(child_only), local_device=b.device_id)
    assert report.held == 1
    assert b.db.scalar("SELECT count(*) FROM timeline") == 0
    with b.operation("bundle.import") as op:
        report, _ = payload.apply(op, payload.parse(rest), local_device=b.device_id)
    assert report.released == 1 and report.held == 0
    assert b.store.get_entry(entry.id).summary == "child entry"


def test_a_form_waiting_for_its_definition_comes_in_once_the_form_is_stored_here(
        laptops: Laptops) -> None:
    """A held form is released when its definition is stored on this laptop by hand (a
    shipped form first used here), at the next import, whatever that import carries."""
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Form waits", concern="low")
    relay(a, b)
    sub = a.submissions.create(case.id, "contact_log", valid_contact(a), complete=True)
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    no_form = dict(doc, changes=[c for c in doc["changes"] if c[1] != "form_definitions"])
    with b.operation("bundle.import") as op:
        report, _ = payload.apply(op, payload.parse(no_form), local_device=b.device_id)
    assert report.held == 1 and b.db.scalar("SELECT count(*) FROM submissions") == 0
    b.forms.ensure_stored(b.forms.definition("contact_log"))  # B uses the shipped form
    a.store.create_case("Anything else", concern="low")
    report = relay(a, b)
    assert report.released == 1 and report.held == 0
    assert b.submissions.get(sub.id).answers == a.submissions.get(sub.id).answers


def test_records_held_over_several_imports_come_in_with_what_they_wait_for(
        laptops: Laptops) -> None:
    """A chain of records, each waiting for the one before (a note superseding a note, a
    person's link waiting for the person), arriving last first, one import each: each
    import lets in what it can, and the last one everything."""
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Chain", concern="low")
    person = a.store.add_person(family_name="Okafor", given_names="Ada")
    a.store.link_person(case.id, person.id, "person_of_concern")
    note = a.store.add_note(case.id, "first wording")
    for n in range(3):
        note = a.store.correct_entry(note.id, summary=f"wording {n + 2}", reason="typo")
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    rows = sorted(doc["changes"], key=lambda c: (c[6], c[0]))
    imports = [rows[k:k + 1] for k in range(len(rows))][::-1]  # one change an import
    held = []
    for changes in imports:
        with b.operation("bundle.import") as op:
            report, _ = payload.apply(op, payload.parse(dict(doc, changes=changes, audit=[])),
                                      local_device=b.device_id)
        held.append(report.held)
    assert held[-1] == 0 and max(held) >= 4
    assert snapshot(b)["timeline"] == snapshot(a)["timeline"]
    assert snapshot(b)["case_persons"] == snapshot(a)["case_persons"]
    assert b.store.get_entry(note.id).summary == "wording 4"


def test_a_large_import_releases_what_waits_for_it_and_keeps_what_still_waits(
        laptops: Laptops) -> None:
    """Hundreds of records arriving while a few changes wait (more arrivals than held
    changes): the one whose case came is applied, the one whose case did not still waits."""
    a, b = laptops("A"), laptops("B")
    first = a.store.create_case("Comes second", concern="low")
    later = a.store.create_case("Comes last", concern="low")
    entry = a.store.add_note(first.id, "waits for its case")
    still = a.store.add_note(later.id, "waits for another case")
    for i in range(520):
        a.store.create_case(f"Filler case {i}", concern="low")
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    notes = dict(doc, changes=[c for c in doc["changes"] if c[1] == "timeline"], audit=[])
    rest = dict(doc, changes=[c for c in doc["changes"] if c[1] != "timeline"
                              and c[2] != later.id], audit=[])
    with b.operation("bundle.import") as op:
        report, _ = payload.apply(op, payload.parse(notes), local_device=b.device_id)
    assert report.held == 2
    with b.operation("bundle.import") as op:
        report, _ = payload.apply(op, payload.parse(rest), local_device=b.device_id)
    assert report.released == 1 and report.held == 1
    assert b.store.get_entry(entry.id).summary == "waits for its case"
    assert [r["waiting_for"] for r in b.db.query("SELECT waiting_for FROM sync_pending")] == [
        f"cases:{later.id}"]
    assert [json.loads(r[0])["record_id"] for r in b.db.query(
        "SELECT change FROM sync_pending")] == [still.id]


def test_two_amendments_of_one_form_are_a_fork(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Amended twice", concern="low")
    done = a.submissions.create(case.id, "contact_log", valid_contact(a), complete=True)
    relay(a, b)
    a.submissions.amend(done.id, {**done.answers, "contact_summary": "Hall"}, "wrong place")
    b.submissions.amend(done.id, {**done.answers, "contact_summary": "Yard"}, "wrong too")
    relay(a, b)
    relay(b, a)
    queue = conflicts.listing(a.db)
    assert [c.kind for c in queue] == ["fork"]
    assert snapshot(a) == snapshot(b)
    conflicts.resolve(a, queue[0].id, keep="incoming")
    relay(a, b)
    assert conflicts.listing(b.db) == []
    standing = [s for s in b.submissions.for_case(case.id) if s.amends == done.id
                and s.id != queue[0].current.change_id]
    assert len([s for s in standing]) >= 1


def test_a_far_future_stamp_is_refused_and_never_moves_the_clock(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("From the future", concern="low")
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    future = "999999999999999.00000"
    doc["changes"][0][6] = future
    before = b.clock.last
    with pytest.raises(PayloadError, match="24 hours ahead"):
        payload.parse(json.loads(json.dumps(doc)))
    assert b.clock.last == before


def _first_insert(doc: dict) -> list:
    """The first '*' change of the payload (a new record, its value a JSON object)."""
    return next(c for c in doc["changes"] if c[3] == "*")


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["changes"][0].__setitem__(1, "sqlite_master"), "unknown table"),
    (lambda d: d["changes"][0].__setitem__(3, "password"), "unknown field"),
    (lambda d: d["changes"][0].__setitem__(6, "yesterday"), "not a clock stamp"),
    (lambda d: d["changes"][0].pop(), "wrong shape"),
    (lambda d: d.__setitem__("v", 99), "unknown payload layout"),
    (lambda d: d["audit"][0].__setitem__(2, -1), "number is wrong"),
    # A value is JSON inside the payload: parsed as strictly as the payload itself (another
    # laptop's parser could read a doubled key or NaN otherwise than this one does).
    (lambda d: _first_insert(d).__setitem__(4, '{"title": "A", "title": "B"}'),
     "not valid JSON"),
    (lambda d: _first_insert(d).__setitem__(4, '{"title": NaN}'), "not valid JSON"),
    (lambda d: _first_insert(d).__setitem__(4, '{"title": -Infinity}'), "not valid JSON"),
])
def test_malformed_records_are_refused(laptops: Laptops, mutate: Callable[[dict], object],
                                       message: str) -> None:
    a = laptops("A")
    a.store.create_case("Malformed", concern="low")
    doc = json.loads(json.dumps(payload.collect(a.db, device_id=a.device_id, ack={},
                                                roster=None)))
    mutate(doc)
    with pytest.raises(PayloadError, match=message):
        payload.parse(doc)


def test_an_altered_audit_entry_in_transit_is_refused(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("Audit", concern="low")
    doc = json.loads(json.dumps(payload.collect(a.db, device_id=a.device_id, ack={},
                                                roster=None)))
    doc["audit"][0][7] = "case.delete"  # the action of the first entry
    before = snapshot(b)
    with pytest.raises(PayloadError, match="altered"), b.operation("bundle.import") as op:
        payload.apply(op, payload.parse(doc), local_device=b.device_id)
    assert snapshot(b) == before


def test_audit_chains_of_every_laptop_verify_after_merge_and_detect_tampering(
        laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("Chains", concern="low")
    b.store.create_case("Chains B", concern="low")
    relay(a, b)
    relay(b, a)
    assert audit.verify(a.db) == [] and audit.verify(b.db) == []
    # Remove B's newest entry from A's copy: A knows B's head, so the cut is seen.
    a.db.execute("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit"
                 " WHERE device_id = ?)", (b.device_id,))
    problems = audit.verify(a.db)
    assert any("removed from the end" in p for p in problems)


def test_changes_of_this_laptop_it_never_made_are_refused(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    a.store.create_case("Mine", concern="low")
    doc = json.loads(json.dumps(payload.collect(a.db, device_id=a.device_id, ack={},
                                                roster=None)))
    doc["changes"][-1][7] = b.device_id  # claims to be from B, sent to B
    with pytest.raises(Exception, match="never made"), b.operation("bundle.import") as op:
        payload.apply(op, payload.parse(doc), local_device=b.device_id)


def test_field_history_shows_both_laptops_changes(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("History", concern="low")
    relay(a, b)
    b.store.update_case(case.id, {"summary": "B's words"})
    relay(b, a)
    history = a.store.field_history(case.id, "summary")
    assert [(h.new, h.member_name) for h in history] == [("B's words", "Lead B")]
    assert json.loads(a.db.scalar("SELECT value FROM change_log WHERE record_id = ? AND"
                                  " field = 'summary'", (case.id,))) == "B's words"


def test_a_purge_erases_the_referral_records_of_the_case_everywhere(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    case = a.store.create_case("Referred and purged", concern="low")
    relay(a, b)
    for laptop in (a, b):  # a referral handled on each laptop (reason and legal basis typed)
        laptop.db.execute(
            "INSERT INTO referrals (referral_id, direction, other_team_id, other_team_name,"
            " case_id, status, reason, legal_basis, bundle_id, file_hash, sender_device_id,"
            " created_at) VALUES (?, 'out', 't', 'Other team', ?, 'sent', 'secret reason',"
            " 'consent', 'b', 'h', 'd', '2026-01-01')", (f"r-{laptop.device_code}", case.id))
    a.store.delete_case(case.id)
    a.store.purge_case(case.id)
    relay(a, b)
    for laptop in (a, b):
        assert laptop.db.scalar("SELECT count(*) FROM referrals") == 0
