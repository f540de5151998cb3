"""Need to know: a laptop limited to its assigned cases receives only those, loses a case that
leaves its scope (never what was typed on it), and gets a case back whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.session import Session
from btam_desktop.core.sync import exchange, limits, payload, team

from .test_exchange import enrol

Laptops = Callable[[str], Session]


def _send(src: Session, dst: Session, tmp: Path) -> exchange.ImportSummary:
    out = tmp / exchange.default_name(src)
    exchange.export_bundle(src, out, to=[dst.device_code])
    return exchange.import_file(dst, out)


@pytest.fixture
def scoped(laptops: Laptops, tmp_path: Path) -> tuple[Session, Session, list[str]]:
    """Lead A with three cases; officer laptop B limited to its assigned cases."""
    lead, b = laptops("A"), laptops("B")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, b, tmp_path)
    _send(b, lead, tmp_path)  # B's members reach the lead
    cases = [lead.store.create_case(f"Case {i}", concern="low").id for i in range(3)]
    for case_id in cases:
        lead.store.add_note(case_id, f"private detail of {case_id[-4:]}")
    lead.store.assign(cases[0], "Lead B")
    team.set_scope(lead, b.device_code, "assigned")
    return lead, b, cases


def _held(session: Session) -> set[str]:
    return {c.id for c in session.store.list_cases(include_deleted=True)}


def test_a_limited_laptop_receives_only_its_assigned_cases(
        scoped: tuple[Session, Session, list[str]], tmp_path: Path) -> None:
    lead, b, cases = scoped
    summary = _send(lead, b, tmp_path)
    assert _held(b) == {cases[0]}
    assert b.store.timeline(cases[0])[-1].summary.startswith("private detail")
    assert summary.audit_entries == 0  # the lead's audit trail names other cases
    assert b.db.scalar("SELECT count(*) FROM change_log WHERE record_id IN (?, ?)",
                       (cases[1], cases[2])) == 0
    assert team.require_roster(b).device(b.device_id).scope == "assigned"


def test_a_case_leaving_the_scope_is_withdrawn_and_a_new_one_arrives_whole(
        scoped: tuple[Session, Session, list[str]], tmp_path: Path) -> None:
    lead, b, cases = scoped
    _send(lead, b, tmp_path)
    _send(b, lead, tmp_path)  # B says what it holds
    lead.store.unassign(cases[0], "Lead B")
    lead.store.assign(cases[1], "Lead B")
    summary = _send(lead, b, tmp_path)
    assert summary.report.withdrawn == 1
    assert _held(b) == {cases[1]}
    assert b.store.list_cases(text="private") == [b.store.get_case(cases[1])]
    assert b.db.scalar("SELECT count(*) FROM change_log WHERE record_id = ?", (cases[0],)) == 0
    assert [e.action for e in b.store.audit_trail(cases[0])][:1] == ["case.withdraw"]
    assert "removed from it" in "\n".join(summary.lines())


def test_a_withdrawal_waits_for_what_was_typed_on_the_laptop(
        scoped: tuple[Session, Session, list[str]], tmp_path: Path) -> None:
    lead, b, cases = scoped
    _send(lead, b, tmp_path)
    _send(b, lead, tmp_path)
    b.store.add_note(cases[0], "typed on B before it heard of the change")
    lead.store.unassign(cases[0], "Lead B")
    summary = _send(lead, b, tmp_path)
    assert summary.report.withdraw_waiting == 1 and cases[0] in _held(b)
    _send(b, lead, tmp_path)  # B's note reaches the lead
    assert any("typed on B" in e.summary for e in lead.store.timeline(cases[0]))
    summary = _send(lead, b, tmp_path)
    assert summary.report.withdrawn == 1 and cases[0] not in _held(b)


def test_a_lost_bundle_costs_nothing(scoped: tuple[Session, Session, list[str]],
                                     tmp_path: Path) -> None:
    lead, b, cases = scoped
    exchange.export_bundle(lead, tmp_path / "lost.btambundle", to=[b.device_code])
    _send(lead, b, tmp_path)  # B never said what it holds: the case comes whole again
    assert _held(b) == {cases[0]}
    assert b.store.timeline(cases[0])


def test_limited_laptops_get_bundles_of_their_own(
        scoped: tuple[Session, Session, list[str]], laptops: Laptops, tmp_path: Path) -> None:
    lead, b, _ = scoped
    c = laptops("C")
    enrol(lead, c, tmp_path)
    result = exchange.export_bundle(lead, tmp_path / "default.btambundle")
    assert result.recipients == [c.device_id]  # the limited laptop is not in the default
    with pytest.raises(InvalidInput, match="bundle of its own"):
        exchange.export_bundle(lead, tmp_path / "mixed.btambundle",
                               to=[b.device_code, c.device_code])
    groups = team.export_groups(team.require_roster(lead), lead.device_id, None)
    assert [[d.device_id for d in g] for g in groups] == [[c.device_id], [b.device_id]]


def test_a_lead_device_always_holds_everything(
        scoped: tuple[Session, Session, list[str]]) -> None:
    lead, b, _ = scoped
    with pytest.raises(InvalidInput, match="whole case file"):
        team.set_scope(lead, lead.device_code, "assigned")
    roster = team.set_role(lead, b.device_code, "lead")
    assert roster.device(b.device_id).scope == "all"


def test_a_limited_laptop_gets_large_attachments_in_parts(
        scoped: tuple[Session, Session, list[str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A few cases, but each attachment may be up to 200 MiB: a limited laptop's bundle is cut
    in parts as a full export is (it was refused as "larger than the bundle limit"). Imported
    last part first, the laptop ends with its case whole, nothing of other cases, and says it
    holds all of it (the lead's next bundle carries nothing again)."""
    lead, b, cases = scoped
    photos = {f"photo-{i}.jpg": bytes((i * 7 + n * 13) % 251 for n in range(40_000))
              for i in range(3)}
    for name, content in photos.items():
        lead.store.add_attachment(cases[0], name, content)
    lead.store.add_attachment(cases[1], "not-for-b.jpg", b"other case " * 4000)
    _send(b, lead, tmp_path)  # nothing new from B yet; the lead learns what B holds
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", 128 * 1024)  # all three do not fit in one
    monkeypatch.setattr(payload, "PART_BYTES", 48 * 1024)
    result = exchange.export_bundle(lead, tmp_path / "for-b.btambundle", to=[b.device_code])
    assert len(result.parts) >= 3
    for path in reversed(result.paths):
        exchange.import_file(b, path)
    assert _held(b) == {cases[0]}
    held = {a.filename: a for a in b.store.attachments(cases[0])}
    assert set(held) == set(photos)
    for name, content in photos.items():
        stored = b.db.scalar("SELECT content FROM attachments WHERE id = ?", (held[name].id,))
        assert bytes(stored) == content
    assert b.db.scalar("SELECT count(*) FROM change_log WHERE record_id = ?", (cases[1],)) == 0
    _send(b, lead, tmp_path)  # B's acknowledgement
    again = exchange.export_bundle(lead, tmp_path / "again.btambundle", to=[b.device_code])
    assert again.counts["changes"] == 0 and again.parts == []
