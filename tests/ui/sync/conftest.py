"""Fixtures for the Sync page tests: several laptops' vaults in one process, each with its own
Sync page in a host window, and helpers to enrol laptops and exchange bundles through the core.

The Qt-warning rule, the cheap key derivation (also for invitations: ``KdfParams.fresh`` is
patched) and the in-memory keyring come from ``tests/ui/conftest.py`` and
``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.core.session import Session
from btam_desktop.core.sync import exchange, team
from btam_desktop.ui import tasks
from btam_desktop.ui.pages.sync import SyncPage
from tests.conftest import cheap_kdf
from tests.ui.pages.conftest import Host

PASS = "Correct-Lantern-42"
OFFICER = "Sam Ortiz"
OFFICER_PASS = "Purple-Harbor-Gate-7"
INVITE_PASS = "KQ7M-R2XT-PW9H-4CDN-B8JV"

Laptops = Callable[[str], Session]
MakePage = Callable[[Session], SyncPage]


@pytest.fixture(autouse=True)
def _no_job_left() -> Iterator[None]:
    """A test must not leave a background job running into the next one."""
    yield
    tasks.cancel_all_and_wait(10_000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[Laptops]:
    """``laptops("A")`` opens a new vault for laptop A: its lead "Lead A" is signed in, and
    an officer (OFFICER) has a passphrase too. Every session is locked at the end."""
    opened: list[Session] = []

    def make(name: str) -> Session:
        session, _ = vault.create_vault(tmp_path / f"{name}.btam", member_name=f"Lead {name}",
                                        new_passphrase=PASS, agency="Lakeside PD")
        session.add_member(OFFICER, "officer", OFFICER_PASS)
        opened.append(session)
        return session

    yield make
    for session in opened:
        if session.is_open:
            session.lock()


@pytest.fixture
def make_page(qtbot: QtBot) -> MakePage:
    """A Sync page for a session, shown in its own host window (1024x768)."""
    made: list[Host] = []

    def make(session: Session) -> SyncPage:
        host = Host(session)
        host.resize(1024, 768)
        qtbot.addWidget(host)
        made.append(host)
        page = SyncPage(session, host.events)
        host.put(page)
        page.refresh()
        return page

    return make


def enrol(lead: Session, laptop: Session, tmp: Path, *, role: str = "member") -> None:
    """The invitation round through the core: invite, join, approve."""
    name = laptop.device_code
    team.invite(lead, tmp / f"invite-{name}.btaminvite", INVITE_PASS, kdf=cheap_kdf())
    team.join(laptop, tmp / f"invite-{name}.btaminvite", INVITE_PASS,
              tmp / f"request-{name}.btamjoin")
    team.approve(lead, str(tmp / f"request-{name}.btamjoin"), role=role)


def send(src: Session, dst: Session, tmp: Path) -> exchange.ImportSummary:
    """A bundle from ``src`` imported by ``dst`` (through the core)."""
    out = tmp / f"{src.device_code}-{src.db.meta('sync:out_seq') or 0}.btambundle"
    exchange.export_bundle(src, out)
    return exchange.import_file(dst, out)


@pytest.fixture
def pair(laptops: Laptops, tmp_path: Path) -> tuple[Session, Session]:
    """A lead laptop A (team "Lakeside BTAM") and laptop B enrolled in it."""
    a, b = laptops("A"), laptops("B")
    team.create_team(a, "Lakeside BTAM")
    enrol(a, b, tmp_path)
    return a, b


def conflicting(a: Session, b: Session, tmp: Path, **changes: Any) -> str:
    """A case made on B and sent to A, then changed differently on both (``changes`` maps a
    field to (A's value, B's value)); B's bundle reaches A. Returns the case id."""
    case = b.store.create_case("Statements about harming coworkers", concern="moderate")
    send(b, a, tmp)
    for field, (on_a, on_b) in changes.items():
        reason = {"reason": "Leakage to two colleagues"} if field == "concern" else {}
        a.store.update_case(case.id, {field: on_a}, **reason)
        reason = {"reason": "Bought a rifle"} if field == "concern" else {}
        b.store.update_case(case.id, {field: on_b}, **reason)
    send(b, a, tmp)
    return case.id
