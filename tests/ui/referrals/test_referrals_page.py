"""Referrals between two teams' vaults driven through the app: the Referrals page (cards
saved, imported after the fingerprint check, listed with expiry, withdrawn; referrals
imported, accepted as a new case, declined with a reason, acknowledgements saved and
imported) and the case's Referrals tab ("Refer to another team…" and the status shown)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.core.sync import card as card_mod
from btam_desktop.core.sync import referral, team
from btam_desktop.ui.case.referrals_tab import ReferralsTab
from btam_desktop.ui.referrals.dialogs import DeclineDialog, ImportCardDialog, ReferDialog
from btam_desktop.ui.referrals.page import ReferralsPage
from btam_desktop.ui.sync import words
from tests.ui.pages.conftest import Host
from tests.ui.small_screens import button_problems
from tests.ui.sync.conftest import Laptops, _no_job_left, laptops  # noqa: F401 (fixtures)

_HOSTS: list[Host] = []


@pytest.fixture(autouse=True)
def _drop_hosts() -> Iterator[None]:
    yield
    _HOSTS.clear()


@pytest.fixture
def two_teams(laptops: Laptops) -> tuple[Session, Session]:  # noqa: F811
    a, b = laptops("A"), laptops("B")
    team.create_team(a, "Lakeside BTAM")
    team.create_team(b, "County Threat Assessment")
    b.set_setting("agency", "County Sheriff")
    return a, b


def _host(qtbot: QtBot, session: Session) -> Host:
    host = Host(session)
    host.resize(1024, 768)
    qtbot.addWidget(host)
    _HOSTS.append(host)  # qtbot holds hosts weakly; a collected host deletes its page
    return host


def _page(qtbot: QtBot, session: Session) -> ReferralsPage:
    host = _host(qtbot, session)
    page = ReferralsPage(session, host.events)
    host.put(page)
    page.refresh()
    return page


def _wait(qtbot: QtBot, page: ReferralsPage) -> None:
    job = page.last_job
    assert job is not None
    if job.running:
        with qtbot.waitSignal(job.finished, timeout=20_000):
            pass


def _swap_cards(qtbot: QtBot, pa: ReferralsPage, pb: ReferralsPage, tmp: Path) -> None:
    for src, dst in ((pa, pb), (pb, pa)):
        path = tmp / f"{src._session.device_code}.btamcard"
        src.save_card(path)
        _wait(qtbot, src)
        dialog = dst.import_card_file(path)
        assert isinstance(dialog, ImportCardDialog)
        dialog.confirmed.setChecked(True)
        dialog.ok_button.click()
        assert not dialog.isVisible()


def _yes(box: QMessageBox | None) -> None:
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()


def _case_tab(qtbot: QtBot, session: Session, case_id: str) -> ReferralsTab:
    host = _host(qtbot, session)
    tab = ReferralsTab(session, case_id)
    host.put(tab)
    tab.refresh()
    return tab


def _refer(qtbot: QtBot, tab: ReferralsTab, out: Path, untick: str = "") -> ReferDialog:
    dialog = tab.refer_to_team()
    assert isinstance(dialog, ReferDialog)
    for row in range(dialog.people.count()):
        item = dialog.people.item(row)
        assert item.checkState() == Qt.CheckState.Checked  # everyone, to start with
        if untick and untick in item.text():
            item.setCheckState(Qt.CheckState.Unchecked)
    dialog.ok_button.click()  # nothing filled in: refused, says what is missing
    assert dialog.isVisible() and "team" in dialog.message.text()
    dialog.team.setCurrentIndex(0)
    qtbot.keyClicks(dialog.reason, "The family moved to the county")
    qtbot.keyClicks(dialog.legal_basis, "State code 12-34(b)")
    dialog.profile.setCurrentIndex(dialog.profile.findData("school_partner"))
    assert dialog.height() >= dialog.sizeHint().height()  # the description is not cut
    assert dialog.sizeHint().height() <= 700  # fits a 768-pixel screen
    dialog.output.set_path(out)
    with qtbot.waitSignal(dialog.succeeded, timeout=20_000):
        dialog.ok_button.click()
    return dialog


def test_cards_are_saved_imported_after_the_phone_check_listed_and_withdrawn(
        qtbot: QtBot, two_teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = two_teams
    pa, pb = _page(qtbot, a), _page(qtbot, b)
    path = tmp_path / "lakeside.btamcard"
    pa.save_card(path)
    _wait(qtbot, pa)
    card = card_mod.read_card_file(path)
    # The fingerprint shown is the saved card's, in groups to read aloud.
    assert pa.own_fingerprint.isVisible()
    assert pa.own_fingerprint.text().split() == card.fingerprint().split("-")
    assert pa.own_fingerprint.accessibleDescription() == words.fingerprint_spoken(
        card.fingerprint())
    dialog = pb.import_card_file(path)
    assert isinstance(dialog, ImportCardDialog)
    assert dialog.code.text() == words.fingerprint_lines(card.fingerprint())
    dialog.ok_button.click()  # not compared yet: nothing kept
    assert dialog.isVisible() and "phone" in dialog.message.text()
    assert card_mod.cards(b) == []
    dialog.confirmed.setChecked(True)
    dialog.ok_button.click()
    assert not dialog.isVisible()
    assert pb.cards_model.rowCount() == 1
    held = pb.cards_model.record(0)
    assert held.card.team_name == "Lakeside BTAM" and held.state() == "active"
    assert pb.cards_model.index(0, 3).data() == card.expires_at[:10]
    pb.cards_table.selectRow(0)
    _yes(pb.withdraw_selected())
    assert pb.cards_model.index(0, 4).data() == "Withdrawn"
    # A hostile card file: refused in words, nothing kept.
    bad = tmp_path / "bad.btamcard"
    bad.write_bytes(path.read_bytes().replace(b"Lakeside", b"Lakesidf"))
    assert pb.import_card_file(bad) is None
    assert "refused" in pb.message.text()


def test_a_referral_goes_from_a_case_to_the_other_team_accepted_and_acknowledged(
        qtbot: QtBot, two_teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = two_teams
    pa, pb = _page(qtbot, a), _page(qtbot, b)
    _swap_cards(qtbot, pa, pb, tmp_path)
    case = a.store.create_case("Threats after expulsion", concern="high")
    poc = a.store.add_person("Merrow", "Jude")
    a.store.link_person(case.id, poc.id, "person_of_concern")
    witness = a.store.add_person("Oakby", "Tamsin")
    a.store.link_person(case.id, witness.id, "witness")
    tab = _case_tab(qtbot, a, case.id)
    assert not tab.teams_table.isVisible()
    out = tmp_path / "ref"
    _refer(qtbot, tab, out, untick="Oakby")
    sent = out.with_name("ref.btambundle")
    assert sent.is_file()
    tab.refresh()
    assert tab.teams_table.isVisible()
    assert tab.teams_model.index(0, 4).data() == "Sent"
    logged = a.db.query_one("SELECT recipient, purpose, legal_basis, redaction_profile FROM"
                            " disseminations WHERE what = 'referral'")
    assert logged is not None and "County Threat Assessment" in logged["recipient"]
    assert logged["purpose"] == "The family moved to the county"
    assert logged["redaction_profile"] == "school_partner"

    pb.import_path(sent)
    _wait(qtbot, pb)
    assert "received" in pb.message.text()
    assert pb.tabs.currentIndex() == 1
    assert pb.refs_model.index(0, 5).data() == "To decide"
    before = len(b.store.list_cases())
    pb.refs_table.selectRow(0)
    _yes(pb.accept_selected())
    _wait(qtbot, pb)
    cases = b.store.list_cases()
    assert len(cases) == before + 1
    new = next(c for c in cases if c.title == "Threats after expulsion")
    # Only the people left ticked went over.
    names = [link.person.family_name for link in b.store.case_persons(new.id)]
    assert "Merrow" in names and "Oakby" not in names
    assert f"case {new.number}" in pb.message.text()
    assert pb.refs_model.index(0, 5).data() == "Accepted"
    assert pb.refs_model.index(0, 3).data() == new.number
    ack = tmp_path / "ack.btambundle"
    pb.refs_table.selectRow(0)
    pb.save_ack(pb.selected_referral().referral_id, ack)  # type: ignore[union-attr]
    _wait(qtbot, pb)
    assert ack.is_file()
    # A replayed referral is refused with the reason and changes nothing.
    pb.import_path(sent)
    _wait(qtbot, pb)
    assert "already" in pb.message.text()
    assert len(b.store.list_cases()) == before + 1

    pa.import_path(ack)
    _wait(qtbot, pa)
    assert f"accepted the referral as their case {new.number}" in pa.message.text()
    tab.refresh()
    assert tab.teams_model.index(0, 4).data() == "Accepted"
    assert tab.teams_model.index(0, 3).data() == new.number
    # B's new case shows where it came from.
    tab_b = _case_tab(qtbot, b, new.id)
    assert tab_b.teams_model.index(0, 1).data() == "Received from"
    assert tab_b.teams_model.index(0, 3).data() == case.number

    # A later update goes the same way and joins the case it became over there.
    a.store.add_note(case.id, "He was seen near the school again")
    dialog = tab.refer_to_team()
    assert isinstance(dialog, ReferDialog)
    dialog.team.setCurrentIndex(0)
    assert dialog.follow_up.isVisible() and dialog.follow_up.isChecked()
    qtbot.keyClicks(dialog.reason, "New incident")
    qtbot.keyClicks(dialog.legal_basis, "State code 12-34(b)")
    dialog.profile.setCurrentIndex(dialog.profile.findData("school_partner"))
    dialog.output.set_path(tmp_path / "update.btambundle")
    with qtbot.waitSignal(dialog.succeeded, timeout=20_000):
        dialog.ok_button.click()
    pb.import_path(tmp_path / "update.btambundle")
    _wait(qtbot, pb)
    pb.refs_table.selectRow(next(r for r in range(pb.refs_model.rowCount())
                                 if pb.refs_model.record(r).status == "received"))
    _yes(pb.accept_selected())
    _wait(qtbot, pb)
    assert len(b.store.list_cases()) == before + 1  # no second case
    assert f"case {new.number}" in pb.message.text()


def test_a_declined_referral_creates_nothing_and_the_sender_sees_why(
        qtbot: QtBot, two_teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = two_teams
    pa, pb = _page(qtbot, a), _page(qtbot, b)
    _swap_cards(qtbot, pa, pb, tmp_path)
    case = a.store.create_case("Letters to the mayor", concern="moderate")
    tab = _case_tab(qtbot, a, case.id)
    _refer(qtbot, tab, tmp_path / "ref.btambundle")
    pb.import_path(tmp_path / "ref.btambundle")
    _wait(qtbot, pb)
    before = len(b.store.list_cases())
    pb.refs_table.selectRow(0)
    dialog = pb.decline_selected()
    assert isinstance(dialog, DeclineDialog)
    dialog.ok_button.click()  # no reason: refused
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.reason, "Outside our county")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    assert pb.refs_model.index(0, 5).data() == "Declined"
    assert len(b.store.list_cases()) == before
    ref_id = referral.list_referrals(b)[0].referral_id
    pb.save_ack(ref_id, tmp_path / "ack.btambundle")
    _wait(qtbot, pb)
    pa.import_path(tmp_path / "ack.btambundle")
    _wait(qtbot, pa)
    assert "declined" in pa.message.text()
    tab.refresh()
    assert tab.teams_model.index(0, 4).data() == "Declined"
    assert tab.teams_model.index(0, 5).data() == "Outside our county"


def test_without_a_team_the_page_says_referrals_are_a_leads_work(
        qtbot: QtBot, laptops: Laptops) -> None:  # noqa: F811
    page = _page(qtbot, laptops("A"))
    assert "lead" in page.message.text()
    assert not page.save_card_button.isEnabled() and not page.import_button.isEnabled()


def test_the_page_fits_a_small_screen(qtbot: QtBot, two_teams: tuple[Session, Session]
                                      ) -> None:
    page = _page(qtbot, two_teams[0])
    for tab in range(2):
        page.tabs.setCurrentIndex(tab)
        qtbot.wait(1)
        for button in (page.save_card_button, page.import_card_button, page.withdraw_button)\
                if tab == 0 else (page.import_button, page.accept_button,
                                  page.decline_button, page.ack_button):
            assert button.isVisible()
            right = button.mapTo(page.window(), button.rect().bottomRight())
            assert right.x() <= 1024 and right.y() <= 768, button.text()
        assert button_problems(page.window(), f"referrals tab {tab}") == []


def test_the_refer_dialog_says_what_the_profile_leaves_out(
        qtbot: QtBot, two_teams: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = two_teams
    pa, pb = _page(qtbot, a), _page(qtbot, b)
    _swap_cards(qtbot, pa, pb, tmp_path)
    case = a.store.create_case("Threats after expulsion", concern="high")
    a.store.add_entry(case.id, "contact", "Crisis team visit", sensitivity=["mental_health"])
    first = a.store.add_entry(case.id, "contact", "Records check")
    a.store.correct_entry(first.id, summary="Records check done",
                          sensitivity=("criminal_history",))
    a.store.add_entry(case.id, "contact", "Met the family")
    tab = _case_tab(qtbot, a, case.id)
    dialog = tab.refer_to_team()
    assert isinstance(dialog, ReferDialog)
    assert not dialog.left_out.isVisible()
    dialog.profile.setCurrentIndex(dialog.profile.findData("school_partner"))
    assert dialog.left_out.isVisible()
    assert dialog.left_out.text() == (
        "Left out of this copy: 2 timeline entries (criminal history, mental health).")
    dialog.profile.setCurrentIndex(dialog.profile.findData("mental_health_partner"))
    assert dialog.left_out.text() == (
        "Left out of this copy: 1 timeline entry (criminal history).")
    # The rules shown for each profile are the referral's own (no report sections).
    rules = str(dialog.profile.itemData(dialog.profile.findData("school_partner"),
                                        Qt.ItemDataRole.ToolTipRole))
    assert "Timeline entries tagged" in rules and "Report sections" not in rules
    dialog.reject()


def test_a_named_pipe_picked_as_a_card_is_refused_without_freezing(
        qtbot: QtBot, two_teams: tuple[Session, Session], tmp_path: Path) -> None:
    """Found in the hostile-file walk: a card is read on the UI thread, and a named pipe
    picked as one blocked open() for ever, the window frozen (not even the idle lock ran).
    If the read blocks, a timer opens the pipe's other end after a while, so the test ends
    (failing) instead of hanging the suite."""
    import os
    import threading

    _a, b = two_teams
    page = _page(qtbot, b)
    pipe = tmp_path / "lakeside.btamcard"
    os.mkfifo(pipe)

    blocked: list[bool] = []

    def unblock() -> None:
        try:
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # the reader sees the end
            blocked.append(True)
        except OSError:
            pass  # nobody was reading: not blocked

    timer = threading.Timer(10, unblock)
    timer.start()
    try:
        assert page.import_card_file(pipe) is None
    finally:
        timer.cancel()
    assert not blocked, "the window waited on the pipe"
    assert "not a regular file" in page.message.text()
    assert "lakeside.btamcard" in page.message.text() and card_mod.cards(b) == []
