"""The unlock window: passphrase, lockout, remember on this device, recovery key, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.core import keyfile, vault
from btam_desktop.ui import messages
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.unlock import (
    TYPE_AFTER_LOCK,
    TYPE_PASSPHRASE,
    RecoveryKeyDialog,
    last_member,
    remember_last_member,
)
from tests.ui.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS, MemoryKeyring
from tests.ui.helpers import (
    is_deleted,
    main_window,
    type_and_submit,
    unlock,
    unlock_window,
)

Make = Callable[..., AppController]


def test_existing_vault_shows_the_unlock_window(make_controller: Make,
                                                existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    assert controller.wizard is None
    assert window.passphrase.echoMode() == QLineEdit.EchoMode.Password
    assert window.passphrase.hasFocus() or window.focusWidget() is window.passphrase
    # One member: nobody to choose, so no picker.
    assert window.member.isHidden()
    assert window.member_label.isHidden()
    for widget in (window.passphrase, window.remember, window.unlock_button,
                   window.recovery_button):
        assert widget.accessibleName(), widget


def test_right_passphrase_shows_the_main_window(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    main = unlock(qtbot, controller, LEAD_PASS)
    assert controller.session is not None
    assert controller.session.is_open
    assert controller.session.actor_name == LEAD
    assert LEAD in main.who.text()
    qtbot.waitUntil(lambda: is_deleted(window), timeout=5000)  # once the main window painted
    assert controller.unlock_window is None


def test_wrong_passphrase_says_so_and_leaves_the_vault_file_untouched(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    before = existing_vault.read_bytes()
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    type_and_submit(qtbot, window, "Not-The-Passphrase-1")
    assert window.message.isVisible()
    assert window.message.text() == (
        "Wrong passphrase. 4 attempts left before a 10-minute lock."
    )
    assert window.message.kind == "error"
    assert window.passphrase.text() == ""  # cleared after every attempt
    assert controller.session is None
    assert controller.main_window is None
    assert existing_vault.read_bytes() == before


def test_the_field_is_cleared_after_a_successful_attempt_too(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    with qtbot.waitSignal(window.unlocked, timeout=5000):
        qtbot.keyClicks(window.passphrase, LEAD_PASS)
        qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert window.passphrase.text() == ""


def test_five_wrong_attempts_show_the_lockout(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    for left in (4, 3, 2, 1):
        type_and_submit(qtbot, window, "Not-The-Passphrase-1")
        assert window.message.text().startswith("Wrong passphrase.")
        assert window.message.text().endswith(
            f"{left} {'attempt' if left == 1 else 'attempts'} left before a 10-minute lock."
        )
    type_and_submit(qtbot, window, "Not-The-Passphrase-1")
    text = window.message.text()
    assert f"Account '{LEAD}' is locked" in text
    assert "Try again after" in text
    slot = vault.member_slots(existing_vault)[0]
    assert slot.locked_until is not None
    # Even the right passphrase is refused while locked, with the same message.
    type_and_submit(qtbot, window, LEAD_PASS)
    assert "is locked" in window.message.text()
    assert controller.main_window is None


def test_a_locked_member_is_told_before_typing(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    for _ in range(5):
        with pytest.raises(vault.AuthError):
            vault.unlock(existing_vault, passphrase_text="Not-The-Passphrase-1")
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    assert "is locked" in window.message.text()


def test_remember_checkbox_hidden_without_a_keyring(
    make_controller: Make, existing_vault: Path, no_keyring: None
) -> None:
    window = unlock_window(make_controller(existing_vault))
    assert window.remember.isHidden()


def test_remember_checkbox_shown_with_a_keyring(make_controller: Make,
                                                existing_vault: Path) -> None:
    window = unlock_window(make_controller(existing_vault))
    assert window.remember.isVisible()
    assert not window.remember.isChecked()  # opt in, never by default


def _remember_and_lock(qtbot: QtBot, controller: AppController,
                       memory_keyring: MemoryKeyring) -> None:
    """Unlock with "Remember on this device" ticked, then lock by hand."""
    window = unlock_window(controller)
    qtbot.mouseClick(window.remember, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(controller.session_started, timeout=5000):
        type_and_submit(qtbot, window, LEAD_PASS)
    assert memory_keyring.store  # the key went to the keyring
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.lock()


def _failed_attempts(path: Path) -> int:
    return max(slot.failed_attempts for slot in keyfile.load(path).slots)


def test_remembered_key_unlocks_without_typing_after_start(
    qtbot: QtBot, make_controller: Make, existing_vault: Path, memory_keyring: MemoryKeyring
) -> None:
    first = make_controller(existing_vault)
    _remember_and_lock(qtbot, first, memory_keyring)
    first.shutdown()

    # The app starts again: the first unlock opens with Enter on an empty field.
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    assert window.allow_device_key
    assert window.passphrase.text() == ""
    with qtbot.waitSignal(controller.session_started, timeout=5000):
        qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)  # nothing typed
    main_window(controller)


def test_after_a_lock_the_remembered_key_is_not_enough(
    qtbot: QtBot, make_controller: Make, existing_vault: Path, memory_keyring: MemoryKeyring
) -> None:
    controller = make_controller(existing_vault)
    _remember_and_lock(qtbot, controller, memory_keyring)
    window = unlock_window(controller)
    assert not window.allow_device_key
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)  # nothing typed
    assert controller.session is None
    assert controller.main_window is None
    assert window.message.text() == TYPE_AFTER_LOCK
    assert window.message.kind == "info"
    assert _failed_attempts(existing_vault) == 0  # asking is not a failed attempt
    # The passphrase still works, and the key stays remembered for the next start.
    unlock(qtbot, controller, LEAD_PASS)
    assert memory_keyring.store


def test_after_an_idle_lock_the_remembered_key_is_not_enough(
    qtbot: QtBot, make_controller: Make, existing_vault: Path, memory_keyring: MemoryKeyring
) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    qtbot.mouseClick(window.remember, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(controller.session_started, timeout=5000):
        type_and_submit(qtbot, window, LEAD_PASS)
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.idle.timed_out.emit()  # as the idle timer does
    window = unlock_window(controller)
    assert "without activity" in window.message.text()
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    assert controller.session is None
    assert window.message.text() == TYPE_AFTER_LOCK


def test_a_typed_passphrase_is_checked_even_with_a_remembered_key(
    qtbot: QtBot, make_controller: Make, existing_vault: Path, memory_keyring: MemoryKeyring
) -> None:
    first = make_controller(existing_vault)
    _remember_and_lock(qtbot, first, memory_keyring)
    first.shutdown()

    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    assert window.allow_device_key
    type_and_submit(qtbot, window, "Not-The-Passphrase-1")
    assert controller.session is None  # the remembered key did not step in
    assert window.message.text().startswith("Wrong passphrase. ")
    assert window.message.kind == "error"
    assert _failed_attempts(existing_vault) == 1
    # A right one typed is checked too (and works).
    unlock(qtbot, controller, LEAD_PASS)
    assert _failed_attempts(existing_vault) == 0


def test_empty_passphrase_without_a_remembered_key_asks_for_it(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    assert window.message.text() == TYPE_PASSPHRASE
    assert window.message.kind == "info"
    # Not counted as a failed attempt.
    keys = keyfile.load(existing_vault)
    assert all(slot.failed_attempts == 0 for slot in keys.slots)


def test_member_picker_with_several_members(
    qtbot: QtBot, make_controller: Make, two_member_vault: Path
) -> None:
    controller = make_controller(two_member_vault)
    window = unlock_window(controller)
    assert window.member.isVisible()
    assert [window.member.itemText(i) for i in range(window.member.count())] == [
        LEAD, OFFICER]
    window.member.setCurrentIndex(1)
    # The lead's passphrase does not open the officer's slot.
    type_and_submit(qtbot, window, LEAD_PASS)
    assert window.message.text().startswith("Wrong passphrase. ")
    main = unlock(qtbot, controller, OFFICER_PASS)
    assert OFFICER in main.who.text()
    assert "Officer" in main.who.text()


def test_the_member_who_unlocked_last_is_chosen_next_time(
    qtbot: QtBot, make_controller: Make, two_member_vault: Path, tmp_path: Path
) -> None:
    controller = make_controller(two_member_vault)
    window = unlock_window(controller)
    assert window.member.currentText() == LEAD  # nobody yet: the first member
    window.member.setCurrentIndex(window.member.findText(OFFICER))
    type_and_submit(qtbot, window, "Not-The-Passphrase-1")
    assert last_member(two_member_vault) == ""  # a failed attempt remembers nobody
    unlock(qtbot, controller, OFFICER_PASS)
    assert last_member(two_member_vault) == OFFICER
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.lock()
    assert unlock_window(controller).member.currentText() == OFFICER
    # The next start of the app on this laptop too, whichever way the path is written.
    controller.shutdown()
    again = make_controller(two_member_vault.parent / "." / two_member_vault.name)
    window = unlock_window(again)
    assert window.member.currentText() == OFFICER
    assert window.message.text() == ""  # and nothing about the officer's passphrase
    assert window.passphrase.text() == ""
    # Per vault: another vault on the same laptop keeps its own.
    other = tmp_path / "other" / "team.btam"
    other.parent.mkdir()
    session, _ = vault.create_vault(other, member_name=LEAD, new_passphrase=LEAD_PASS)
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.lock()
    assert last_member(other) == ""
    window = unlock_window(make_controller(other))
    assert window.member.currentText() == LEAD


def test_a_remembered_member_who_is_gone_is_not_chosen(
    make_controller: Make, two_member_vault: Path
) -> None:
    remember_last_member(two_member_vault, "Somebody Removed")
    window = unlock_window(make_controller(two_member_vault))
    assert window.member.currentText() == LEAD


def test_recovery_key_unlocks(
    qtbot: QtBot, make_controller: Make, recovery_vault: tuple[Path, str]
) -> None:
    path, recovery = recovery_vault
    controller = make_controller(path)
    window = unlock_window(controller)
    qtbot.mouseClick(window.recovery_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(RecoveryKeyDialog)
    assert dialog is not None
    assert dialog.isVisible()

    # A key of the wrong length is refused before any attempt is counted.
    qtbot.keyClicks(dialog.key, recovery[:20])
    qtbot.keyClick(dialog.key, Qt.Key.Key_Return)
    assert "48 digits" in dialog.message.text()
    assert dialog.isVisible()

    # A wrong key of the right length: a plain message, the field emptied.
    dialog.key.clear()
    wrong = "".join("1" if ch == "0" else "0" if ch.isdigit() else ch for ch in recovery)
    qtbot.keyClicks(dialog.key, wrong)
    qtbot.keyClick(dialog.key, Qt.Key.Key_Return)
    assert dialog.message.text() == messages.WRONG_RECOVERY_KEY
    assert dialog.key.text() == ""

    # Typed from paper with spaces instead of dashes.
    with qtbot.waitSignal(controller.session_started, timeout=5000) as started:
        qtbot.keyClicks(dialog.key, recovery.replace("-", " "))
        qtbot.keyClick(dialog.key, Qt.Key.Key_Return)
    assert started.args[0].member is None
    main = main_window(controller)
    assert "Recovery key" in main.who.text()
    assert "recovery key" in main.statusBar().currentMessage()


def test_escape_closes_the_recovery_dialog(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    dialog = window.open_recovery()
    with qtbot.waitSignal(dialog.rejected, timeout=5000):
        qtbot.keyClick(dialog.key, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert unlock_window(controller) is window


def test_a_damaged_key_file_gives_a_plain_message(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    keyfile.keys_path_for(existing_vault).write_text("{ this is not a key file")
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    text = window.message.text()
    assert window.message.isVisible()
    assert window.message.kind == "error"
    assert "Traceback" not in text
    assert "Error" not in text.split()[0]
    assert not window.unlock_button.isEnabled()


@pytest.mark.unexpected_errors_expected
def test_an_unexpected_error_is_shown_without_a_traceback(
    qtbot: QtBot, make_controller: Make, existing_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("sqlite3 internal: boom at 0xdeadbeef")

    monkeypatch.setattr(vault, "unlock", broken)
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    type_and_submit(qtbot, window, LEAD_PASS)
    assert window.message.text() == messages.UNEXPECTED
    assert "boom" not in window.message.text()


def test_closing_the_unlock_window_ends_the_application(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    with qtbot.waitSignal(controller.finished, timeout=5000):
        window.close()


# -- no blank screen between unlock and the dashboard -----------------------------------------
class _HideWatcher(QObject):
    """Counts the main window's paints at the moment the unlock window is hidden."""

    def __init__(self, main_paints: Callable[[], int]) -> None:
        super().__init__()
        self.main_paints = main_paints
        self.paints_when_hidden: int | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Hide and self.paints_when_hidden is None:
            self.paints_when_hidden = self.main_paints()
        return False


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_opening_is_shown_in_place_until_the_dashboard_is_painted(
    qtbot: QtBot, make_controller: Make, existing_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    during_unlock: list[tuple[bool, bool, bool, str]] = []
    real_unlock = vault.unlock

    def watching_unlock(*args: object, **kwargs: object) -> object:
        during_unlock.append((window.isVisible(), window.opening.isVisible(),
                              window.accepts_input(), window.opening_label.text()))
        return real_unlock(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(vault, "unlock", watching_unlock)
    paints = _Paints()
    hide = _HideWatcher(lambda: paints.count)
    window.installEventFilter(hide)
    at_start: list[tuple[bool, bool, bool, bool]] = []

    def started(_session: object) -> None:
        main = controller.main_window
        assert main is not None
        main.installEventFilter(paints)
        at_start.append((window.isVisible(), window.opening.isVisible(),
                         window.accepts_input(), window.unlock_button.isEnabled()))

    controller.session_started.connect(started)
    with qtbot.waitSignal(controller.session_started, timeout=5000):
        type_and_submit(qtbot, window, LEAD_PASS)
    # While the key is derived and the dashboard built: the unlock window, busy, input off.
    assert during_unlock == [(True, True, False, "Opening\u2026")]
    assert at_start == [(True, True, False, False)]
    main = main_window(controller)
    qtbot.waitUntil(lambda: is_deleted(window), timeout=5000)
    # Switched only once the main window had been painted: no blank screen in between.
    assert hide.paints_when_hidden is not None and hide.paints_when_hidden > 0
    assert main.isVisible()


def test_a_wrong_passphrase_ends_the_opening_state(qtbot: QtBot, make_controller: Make,
                                                   existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    type_and_submit(qtbot, window, "Not-The-Passphrase-1")
    assert not window.opening.isVisible()
    assert window.accepts_input()
    assert window.passphrase.hasFocus() or window.focusWidget() is window.passphrase


# -- what an officer at night trips on (seen under Xvfb) ------------------------------------------
def test_a_wrong_passphrase_with_caps_lock_on_says_so(qtbot: QtBot, make_controller: Make,
                                                      existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    window = unlock_window(controller)
    qtbot.keyClicks(window.passphrase, "cORRECT-lANTERN-42")  # Caps Lock on, Shift for C
    assert window.caps_warning.isVisible()
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    assert "Caps Lock may be on" in window.message.text()
    assert window.caps_warning.isVisible()  # still on: the warning stays


def test_the_unlock_window_is_centred_and_never_squeezed(qtbot: QtBot, make_controller: Make,
                                                         existing_vault: Path) -> None:
    controller = make_controller(existing_vault, idle_ms=60_000)
    window = unlock_window(controller)
    screen = window.screen().availableGeometry()
    centre = window.frameGeometry().center()
    assert abs(centre.x() - screen.center().x()) <= 2
    assert abs(centre.y() - screen.center().y()) <= 2
    window.message.show_error("Wrong passphrase. 4 attempts left before a 10-minute lock.")
    window.set_opening(True)
    assert not window.recovery_button.isVisible()  # nothing else to press while opening
    # Everything shown fits: the passphrase field keeps its full height.
    assert window.passphrase.height() >= window.passphrase.sizeHint().height()


def test_a_lock_while_opening_leaves_one_unlock_window(qtbot: QtBot, make_controller: Make,
                                                       existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    first = unlock_window(controller)
    locked_at_once: list[None] = []

    def lock_now(_session: object) -> None:
        controller.lock()  # the idle deadline or Ctrl+L before the dashboard was painted
        locked_at_once.append(None)

    controller.session_started.connect(lock_now)
    with qtbot.waitSignal(controller.session_started, timeout=5000):
        type_and_submit(qtbot, first, LEAD_PASS)
    assert locked_at_once == [None]
    assert controller.opening_window is None
    assert not first.isVisible()
    assert unlock_window(controller) is not first
