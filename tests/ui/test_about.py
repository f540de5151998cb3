"""Help › About shows the one version number and the licence of every bundled library and
font, with the licence text of the selected one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from btam_desktop import __version__
from btam_desktop.ui.about import AboutDialog
from btam_desktop.ui.controller import AppController
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import unlock


def _rows(dialog: AboutDialog) -> dict[str, list[str]]:
    table = dialog.table
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 4)]
            for r in range(table.rowCount())}


def test_help_about_shows_the_version_and_licences(
        qtbot: QtBot, make_controller: Callable[..., AppController],
        existing_vault: Path) -> None:
    main = unlock(qtbot, make_controller(existing_vault), LEAD_PASS)
    assert main.about_action in main.help_menu.actions()
    main.about_action.trigger()
    dialogs = [w for w in main.findChildren(AboutDialog) if w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert __version__ in dialog.version_label.text()
    rows = _rows(dialog)
    assert rows["BTAM Desktop"] == ["Application", __version__, "Proprietary"]
    # The libraries the app is built on, with the licence their metadata states.
    assert rows["PySide6_Essentials"][0] == "Library"
    assert "LGPL-3.0" in rows["PySide6_Essentials"][2]
    assert rows["cryptography"][2] == "Apache-2.0 OR BSD-3-Clause"
    for name in ("sqlcipher3", "reportlab", "pyxform", "keyring", "zxcvbn", "pypdf"):
        assert name in rows, name
    # The fonts embedded in PDFs, with their licence text from resources/fonts.
    assert rows["DejaVu Sans"][0:2] == ["Font", "2.37"]
    assert "Bitstream" in rows["DejaVu Sans"][2]
    dialog.select("DejaVu Sans")
    assert "Bitstream Vera" in dialog.licence_text.toPlainText()
    dialog.select("sqlcipher3")
    assert "Gerhard H" in dialog.licence_text.toPlainText()  # its zlib-style LICENSE file
    dialog.close()
