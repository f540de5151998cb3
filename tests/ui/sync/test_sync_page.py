"""The Sync page driven through its widgets: a team set up from two laptops' pages (create,
invite, join, approve), bundles exported and imported (file dialog and drag and drop) with
their summaries, the history and the roster; keyboard and small-screen checks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QPushButton, QTabBar, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.core.sync import exchange, team
from btam_desktop.ui.pages.sync import SyncPage
from btam_desktop.ui.sync import words
from btam_desktop.ui.sync.dialogs import (
    ApproveDialog,
    CreateTeamDialog,
    InfoDialog,
    InviteDialog,
    JoinDialog,
)

from .conftest import INVITE_PASS, Laptops, MakePage, enrol

DIALOGS = "btam_desktop.ui.sync.dialogs.QFileDialog"
PAGE = "btam_desktop.ui.pages.sync.QFileDialog"


def _wait_job(qtbot: QtBot, page: SyncPage) -> None:
    job = page.last_job
    assert job is not None
    if job.running:
        with qtbot.waitSignal(job.finished, timeout=20_000):
            pass


def _click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    if isinstance(button, QPushButton):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    else:  # a radio button: the click must land on its text, wherever the layout put it
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)


def _save_to(monkeypatch: pytest.MonkeyPatch, where: str, path: Path,
             seen: list[str] | None = None) -> None:
    def fake(_parent: Any, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        if seen is not None:
            seen.append(suggested)
        return str(path), ""

    monkeypatch.setattr(f"{where}.getSaveFileName", fake)


def test_a_lead_creates_a_team_and_sees_this_laptop(qtbot: QtBot, laptops: Laptops,
                                                   make_page: MakePage) -> None:
    a = laptops("A")
    page = make_page(a)
    ex = page.exchange
    info = team.device_info(a)
    assert ex.device_code.text() == a.device_code
    assert ex.fingerprint.text() == words.fingerprint_lines(info["fingerprint"])
    assert ex.fingerprint.text().replace("\n", " ").split() == info["fingerprint"].split("-")
    assert ex.team.text() == "Not in a team yet"
    assert ex.join_team.isVisible() and not ex.export_box.isVisible()
    assert not page.tabs.isTabVisible(2)  # no roster before a team
    _click(qtbot, ex.create_team)
    dialog = page.dialog
    assert isinstance(dialog, CreateTeamDialog)
    dialog.ok_button.click()  # no name: refused, stays open
    assert dialog.isVisible() and "name" in dialog.message.text()
    qtbot.keyClicks(dialog.team_name, "Lakeside BTAM")
    dialog.ok_button.click()
    assert team.require_roster(a).team_name == "Lakeside BTAM"
    assert ex.team.text() == "Lakeside BTAM"
    assert ex.role.text() == "Lead laptop"
    assert not ex.create_team.isVisible() and not ex.join_team.isVisible()
    assert ex.export_box.isVisible() and page.tabs.isTabVisible(2)
    assert page.team.model.rowCount() == 1
    first = page.team.model.index(0, 0).data()
    assert "this laptop" in first


def test_invite_join_and_approve_through_both_pages(
        qtbot: QtBot, laptops: Laptops, make_page: MakePage, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = laptops("A"), laptops("B")
    team.create_team(a, "Lakeside BTAM")
    page_a, page_b = make_page(a), make_page(b)
    # The lead invites: a passphrase shown large, then the invitation file saved.
    page_a.tabs.setCurrentWidget(page_a.team)
    _click(qtbot, page_a.team.invite)
    invite = page_a.dialog
    assert isinstance(invite, InviteDialog)
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){4}", invite.code.text())
    assert any("never send it with the file" in label.text()
               for label in invite.findChildren(type(invite.code)))
    invitation = tmp_path / "for-b"
    _save_to(monkeypatch, DIALOGS, invitation)
    invite.ok_button.click()
    job = invite.job
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=20_000):
        pass
    written = invitation.with_name("for-b.btaminvite")
    assert written.exists()
    assert invite.message.kind == "ok" and str(written) in invite.message.text()
    assert invite.isVisible() and not invite.ok_button.isVisible()  # passphrase stays shown
    passphrase = invite.passphrase
    invite.cancel_button.click()

    # The officer joins: invitation file, passphrase, then the join request saved.
    _click(qtbot, page_b.exchange.join_team)
    join = page_b.dialog
    assert isinstance(join, JoinDialog)
    monkeypatch.setattr(f"{DIALOGS}.getOpenFileName",
                        lambda *_args, **_kw: (str(written), ""))
    _click(qtbot, join.browse)
    assert join.invitation.text() == str(written)
    qtbot.keyClicks(join.passphrase, passphrase)
    request = tmp_path / "request-b.btamjoin"
    _save_to(monkeypatch, DIALOGS, request)
    join.ok_button.click()
    # Two jobs: the invitation opened with the passphrase, then (after the Save dialog) the
    # join request written.
    qtbot.waitUntil(lambda: isinstance(page_b.dialog, InfoDialog), timeout=30_000)
    _wait_job(qtbot, page_b)
    assert request.exists()
    done = page_b.dialog
    assert isinstance(done, InfoDialog) and done.code is not None
    fingerprint_b = team.device_info(b)["fingerprint"]
    assert done.code.text() == words.fingerprint_lines(fingerprint_b)
    assert page_b.exchange.team.text() == "Lakeside BTAM"
    assert "waiting for the lead" in page_b.exchange.role.text()
    done.ok_button.click()

    # The lead approves after comparing the fingerprint.
    monkeypatch.setattr(f"{PAGE}.getOpenFileName", lambda *_args, **_kw: (str(request), ""))
    _click(qtbot, page_a.team.approve)
    approve = page_a.dialog
    assert isinstance(approve, ApproveDialog)
    assert approve.code.text() == words.fingerprint_lines(fingerprint_b)
    approve.ok_button.click()  # not confirmed yet: refused
    assert approve.isVisible() and "fingerprint" in approve.message.text()
    assert len(team.require_roster(a).devices) == 1
    approve.confirmed.setChecked(True)
    approve.ok_button.click()
    assert {d.device_id for d in team.require_roster(a).devices} == {a.device_id, b.device_id}
    assert page_a.team.model.rowCount() == 2
    assert "is in the team" in page_a.message.text()


def test_a_wrong_passphrase_reopens_the_join_dialog_with_the_reason(
        qtbot: QtBot, laptops: Laptops, make_page: MakePage, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = laptops("A"), laptops("B")
    team.create_team(a, "Lakeside BTAM")
    invitation = tmp_path / "i.btaminvite"
    team.invite(a, invitation, "KQ7M-R2XT-PW9H-4CDN-B8JV")
    page = make_page(b)
    join = page.join_team()
    join.invitation.setText(str(invitation))
    qtbot.keyClicks(join.passphrase, "WRONG-PASS-PHRA-SE00-0000")
    _save_to(monkeypatch, DIALOGS, tmp_path / "r.btamjoin")
    join.ok_button.click()
    qtbot.waitUntil(lambda: page.last_job is not None, timeout=5_000)
    _wait_job(qtbot, page)
    again = page.dialog
    assert isinstance(again, JoinDialog) and again is not join
    assert again.invitation.text() == str(invitation)
    assert again.message.kind == "error" and again.message.text()
    assert team.roster(b) is None and not (tmp_path / "r.btamjoin").exists()


def test_export_then_import_with_a_summary_per_file(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    case = b.store.create_case("Reported at the front desk", concern="moderate")
    page_b = make_page(b)
    assert page_b.exchange.to_all.isChecked() and page_b.exchange.since_last.isChecked()
    seen: list[str] = []
    out = tmp_path / "usb" / "to-lead"
    out.parent.mkdir()
    _save_to(monkeypatch, PAGE, out, seen)
    _click(qtbot, page_b.exchange.export_button)
    _wait_job(qtbot, page_b)
    assert Path(seen[0]).name == exchange.default_name(b, 1)
    bundle = out.with_name("to-lead.btambundle")
    assert bundle.exists()
    result = page_b.exchange.export_result
    assert result.kind == "ok" and "Bundle #1" in result.text() and "1 case" in result.text()
    page_b.tabs.setCurrentWidget(page_b.history)
    assert page_b.history.model.rowCount() == 1
    assert page_b.history.model.index(0, 1).data() == "\u2191 Sent"

    garbage = tmp_path / "usb" / "broken.btambundle"
    garbage.write_bytes(b"PK\x03\x04 not a bundle at all")
    page_a = make_page(a)
    monkeypatch.setattr(f"{PAGE}.getOpenFileNames",
                        lambda *_args, **_kw: ([str(bundle), str(garbage)], ""))
    _click(qtbot, page_a.exchange.import_button)
    _wait_job(qtbot, page_a)
    summary = page_a.dialog
    assert isinstance(summary, InfoDialog) and summary.isVisible()
    text = summary.text.toPlainText()
    assert "to-lead.btambundle" in text and "1 new case," in text
    assert "broken.btambundle" in text and "Not imported:" in text
    assert "1 bundle imported, 1 refused" in summary.intro.text()
    assert a.store.get_case(case.id).title == "Reported at the front desk"
    assert page_a.history.model.rowCount() == 1
    assert page_a.history.model.index(0, 1).data() == "\u2193 Received"
    assert "from " in page_a.history.model.index(0, 2).data()
    summary.ok_button.click()

    # Importing the same file again: "already imported", nothing changed.
    monkeypatch.setattr(f"{PAGE}.getOpenFileNames", lambda *_args, **_kw: ([str(bundle)], ""))
    _click(qtbot, page_a.exchange.import_button)
    _wait_job(qtbot, page_a)
    assert isinstance(page_a.dialog, InfoDialog)
    assert "already imported" in page_a.dialog.text.toPlainText()


def test_export_to_picked_laptops_only(qtbot: QtBot, laptops: Laptops, make_page: MakePage,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = laptops("A"), laptops("B"), laptops("C")
    team.create_team(a, "Lakeside BTAM")
    enrol(a, b, tmp_path)
    enrol(a, c, tmp_path)
    page = make_page(a)
    ex = page.exchange
    assert ex.recipients.count() == 2 and not ex.recipients.isEnabled()
    _click(qtbot, ex.to_picked)
    assert ex.recipients.isEnabled()
    _click(qtbot, ex.export_button)  # nothing ticked: said, nothing asked
    assert ex.export_result.kind == "error"
    ex.recipients.item(0).setCheckState(Qt.CheckState.Checked)
    chosen = ex.picked()
    _click(qtbot, ex.everything)
    _save_to(monkeypatch, PAGE, tmp_path / "one.btambundle")
    _click(qtbot, ex.export_button)
    _wait_job(qtbot, page)
    header = exchange.inspect(tmp_path / "one.btambundle")
    assert [r.device_id for r in header.recipients] == chosen
    assert "(everything)" in page.history.model.index(0, 4).data()


def test_an_export_larger_than_a_part_says_every_part_must_be_imported(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from btam_desktop.core.sync import limits, payload

    _, b = pair
    for i in range(6):
        b.store.create_case(f"Reported at the front desk {i}", concern="moderate",
                            summary="Letters to the clinic, again and again. " * 40)
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", 24 * 1024)
    monkeypatch.setattr(payload, "PART_BYTES", 4 * 1024, raising=False)  # new with parts
    page = make_page(b)
    _click(qtbot, page.exchange.everything)
    _save_to(monkeypatch, PAGE, tmp_path / "to-lead.btambundle")
    page.exchange.export_button.setFocus()
    qtbot.keyClick(page.exchange.export_button, Qt.Key.Key_Space)  # by keyboard
    _wait_job(qtbot, page)
    result = page.exchange.export_result
    files = sorted(tmp_path.glob("to-lead-part-*.btambundle"))
    assert len(files) >= 2 and not (tmp_path / "to-lead.btambundle").exists()
    assert result.kind == "ok", result.text()
    text = result.text()
    assert f"Written in {len(files)} parts" in text and "Every part must be imported" in text
    assert all(f.name in text for f in files)
    assert page.history.model.rowCount() == len(files)
    shown = {page.history.model.index(row, 4).data() for row in range(len(files))}
    assert any(f"(part 1 of {len(files)}) (everything)" in text for text in shown)


def test_dropping_bundle_files_on_the_page_imports_them(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage,
        tmp_path: Path) -> None:
    a, b = pair
    b.store.create_case("Dropped in", concern="low")
    bundle = tmp_path / "dropped.btambundle"
    exchange.export_bundle(b, bundle)
    other = tmp_path / "notes.txt"
    other.write_text("not a bundle")
    page = make_page(a)

    ignored = QMimeData()
    ignored.setUrls([QUrl.fromLocalFile(str(other))])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, ignored,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(page, enter)
    assert not enter.isAccepted()

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bundle)), QUrl.fromLocalFile(str(other))])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(page, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(page, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: page.last_job is not None, timeout=5_000)
    _wait_job(qtbot, page)
    summary = page.dialog
    assert isinstance(summary, InfoDialog)
    text = summary.text.toPlainText()
    assert "dropped.btambundle" in text and "1 new case," in text
    assert "notes.txt" not in text  # only bundle files are taken
    assert page.history.model.rowCount() == 1


def test_the_lead_revokes_and_changes_roles(qtbot: QtBot, pair: tuple[Session, Session],
                                            make_page: MakePage) -> None:
    a, b = pair
    page = make_page(a)
    page.tabs.setCurrentWidget(page.team)
    tab = page.team
    assert not tab.revoke.isEnabled()  # nothing selected
    row = next(r for r in range(tab.model.rowCount())
               if tab.model.device(r).device_id == b.device_id)
    tab.table.selectRow(row)
    _click(qtbot, tab.make_lead)
    assert team.require_roster(a).device(b.device_id).role == "lead"  # type: ignore[union-attr]
    _click(qtbot, tab.make_member)
    assert team.require_roster(a).device(b.device_id).role == "member"  # type: ignore[union-attr]
    # Need to know: the button says what it will do, and does it.
    assert "Assigned cases" in tab.scope.text()
    _click(qtbot, tab.scope)
    assert team.require_roster(a).device(b.device_id).scope == "assigned"  # type: ignore[union-attr]
    assert tab.model.index(row, 4).data() == "Assigned cases only"
    assert "Whole case" in tab.scope.text()
    _click(qtbot, tab.scope)
    assert team.require_roster(a).device(b.device_id).scope == "all"  # type: ignore[union-attr]
    _click(qtbot, tab.revoke)
    box = page.dialog
    assert box is not None and box.isVisible()
    name = team.require_roster(a).device(b.device_id).name  # type: ignore[union-attr]
    assert name in box.text()  # type: ignore[attr-defined]
    yes = next(button for button in box.findChildren(QPushButton) if button.text() == "Revoke")
    yes.click()
    assert team.require_roster(a).device(b.device_id).status == "revoked"  # type: ignore[union-attr]
    assert tab.model.index(row, 3).data() == "Revoked"
    assert page.exchange.recipients.count() == 0


def test_members_see_the_roster_without_team_buttons(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage) -> None:
    _a, b = pair
    page = make_page(b)  # B's lead member, but B is a member laptop
    page.tabs.setCurrentWidget(page.team)
    assert not page.team.invite.isVisible() and not page.team.revoke.isVisible()
    assert "Only a team lead" in page.team.note.text()


def test_forks_and_held_records_are_shown(qtbot: QtBot, pair: tuple[Session, Session],
                                          make_page: MakePage, tmp_path: Path) -> None:
    a, b = pair
    b.store.create_case("Original", concern="low")
    first = tmp_path / "first.btambundle"
    exchange.export_bundle(b, first)
    exchange.import_file(a, first)
    # A clone of B sends a different bundle under the same number.
    b.db.set_meta("sync:out_seq", "0")
    b.store.create_case("From the clone", concern="low")
    clone = tmp_path / "clone.btambundle"
    exchange.export_bundle(b, clone)
    page = make_page(a)
    page.import_paths([clone])
    _wait_job(qtbot, page)
    assert isinstance(page.dialog, InfoDialog)
    assert "cloned" in page.dialog.text.toPlainText()
    page.tabs.setCurrentWidget(page.history)
    assert page.history.forks.isVisible()
    warning = page.history.forks.text()
    assert "Two different bundles numbered #1 from" in warning
    assert "cloned or restored from a copy" in warning


def _mnemonics(widget: QWidget) -> list[str]:
    letters = []
    for button in widget.findChildren(QAbstractButton):
        if not button.text() or isinstance(button.parent(), QTabBar):
            continue  # the tab bar's scroll arrows, the tables' corner buttons
        letters += [m.lower() for m in re.findall(r"&(\w)", button.text())]
        assert button.accessibleName(), button.text()
        if isinstance(button, QPushButton):
            assert not button.isDefault() and not button.autoDefault(), button.text()
    return letters


def test_keyboard_mnemonics_are_unique_and_buttons_named(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, _b = pair
    page = make_page(a)
    titles = [m.lower() for i in range(page.tabs.count())
              for m in re.findall(r"&(\w)", page.tabs.tabText(i))]
    # The tab titles are always on screen; each tab's own buttons only while it is shown
    # (Qt ignores the mnemonics of hidden widgets), so each tab with the titles is unique.
    for index in range(page.tabs.count()):
        letters = titles + _mnemonics(page.tabs.widget(index))
        assert len(letters) == len(set(letters)), (page.tabs.tabText(index), sorted(letters))
        assert not {"v", "g"} & set(letters)  # the main window's Vault and Go menus
    window = page.window()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    page.exchange.export_button.setFocus()
    # Alt+O on the first tab is the outbox folder, not the Team tab's hidden Approve button.
    asked: list[str] = []
    monkeypatch.setattr(f"{PAGE.replace('pages.sync', 'sync.watching')}.getExistingDirectory",
                        lambda _parent, title, _start: asked.append(title) or "")
    qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_O,
                   Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(asked), timeout=3000)  # a mnemonic animates the click
    assert len(asked) == 1 and "outbox" in asked[0]
    assert not isinstance(page.dialog, ApproveDialog)
    # Alt+letter of a tab switches to it.
    qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_C,
                   Qt.KeyboardModifier.AltModifier)
    assert page.tabs.currentWidget() is page.queue


def test_the_page_fits_a_1024_by_768_screen(qtbot: QtBot, pair: tuple[Session, Session],
                                            make_page: MakePage) -> None:
    a, _b = pair
    page = make_page(a)
    # The main window's navigation takes 240 pixels; menus and status bar about 60.
    hint = page.minimumSizeHint()
    assert hint.width() <= 1024 - 240 and hint.height() <= 768 - 60, hint


def test_a_damaged_join_request_is_named_as_such(
        qtbot: QtBot, laptops: Laptops, make_page: MakePage, tmp_path: Path) -> None:
    """Found by hand: approving a truncated join request said "invitation refused: truncated
    join request" (the lead holds both kinds of file); nothing is approved."""
    a, b = laptops("A"), laptops("B")
    team.create_team(a, "Lakeside BTAM")
    invitation = tmp_path / "i.btaminvite"
    team.invite(a, invitation, INVITE_PASS)
    request = tmp_path / "r.btamjoin"
    team.join(b, invitation, INVITE_PASS, request)
    damaged = tmp_path / "half.btamjoin"
    damaged.write_bytes(request.read_bytes()[:200])
    page = make_page(a)
    assert page.approve_file(damaged) is None
    text = page.message.text()
    assert page.message.kind == "error"
    assert "join request refused" in text.lower() and "invitation" not in text.lower(), text
    assert len(team.require_roster(a).devices) == 1
