"""Fixtures for the Cases page tests: a vault with a few cases, unlocked, on the Cases page.

The Qt warning rule, the cheap key derivation and the in-memory keyring come from
``tests/ui/conftest.py`` (this folder is below it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.pages.cases import CasesPage
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import unlock


def days(n: int) -> str:
    """An ISO date ``n`` days from today."""
    return (date.today() + timedelta(days=n)).isoformat()


@dataclass
class Seeded:
    """What the seeded vault holds."""

    school: str  # high concern, overdue review, person "Okafor, Daniel" alias "DJ Blaze"
    letters: str  # a note mentions "Pennywhistle Lane"
    grievance: str  # monitoring, no review date
    closed: str
    partner: str


def seed(path: Path) -> Seeded:
    """Add cases, a person, a note and a partner to the vault at ``path``."""
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS)
    store = session.store
    school = store.create_case("Threats posted about Northgate High", concern="high",
                               tier="intensive", next_review=days(-3))
    letters = store.create_case("Letters to the mayor", concern="moderate",
                                next_review=days(14))
    grievance = store.create_case("Workplace grievance", status="monitoring")
    closed = store.create_case("Old neighbour dispute")
    store.update_case(closed.id, {"status": "closed", "closure_reason": "Resolved"})
    person = store.add_person("Okafor", "Daniel", aliases=["DJ Blaze"])
    store.link_person(school.id, person.id, "person_of_concern")
    store.add_note(letters.id, "Seen near Pennywhistle Lane at night")
    store.add_entry(school.id, "concerning_behaviour", "Posted a photo of the school gate",
                    context="After being suspended")
    partner = store.add_partner("Riverbend Behavioral Health", "mental_health")
    session.lock()
    return Seeded(school.id, letters.id, grievance.id, closed.id, partner.id)


@dataclass
class CasesApp:
    """A running app on the Cases page."""

    controller: AppController
    main: MainWindow
    page: CasesPage
    seeded: Seeded


@pytest.fixture
def seeded_vault(existing_vault: Path) -> tuple[Path, Seeded]:
    """The lead's vault with the seeded cases."""
    return existing_vault, seed(existing_vault)


@pytest.fixture
def cases_app(qtbot: QtBot, make_controller: Callable[..., AppController],
              seeded_vault: tuple[Path, Seeded]) -> CasesApp:
    """Unlocked, Cases page on screen, list loaded."""
    path, seeded = seeded_vault
    controller = make_controller(path)
    main = unlock(qtbot, controller, LEAD_PASS)
    main.resize(1280, 800)
    main.show_page("cases")
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    qtbot.waitUntil(lambda: page.list.model.loaded, timeout=5000)
    return CasesApp(controller, main, page, seeded)

