"""Session.open_reader: a read-only second connection for another thread. It reads what the
session committed, cannot write, is interrupted and closed by a lock (or a rekey, which
replaces the file) even in the middle of a read on another thread, and reads nothing after."""

from __future__ import annotations

import threading

import pytest

from btam_desktop.core import queries
from btam_desktop.core.db import DatabaseError
from btam_desktop.core.errors import VaultLocked
from btam_desktop.core.session import Session

ENDLESS = ("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)"
           " SELECT count(*) FROM n")


def test_a_reader_reads_what_the_session_wrote_and_cannot_write(session: Session) -> None:
    session.store.create_case("Bus depot threat")
    reader = session.open_reader()
    with reader.use() as db:
        assert db is not session.db
        rows = queries.case_rows_page(db, None, 10)
        assert [r.title for r in rows] == ["Bus depot threat"]
        with pytest.raises(DatabaseError):
            db.execute("DELETE FROM cases")
    session.store.create_case("Letters to the mayor")  # a write while the reader is open
    with reader.use() as db:
        assert queries.count_live_cases(db) == 2
    reader.close()
    assert session.store.list_cases()  # the session's own connection is untouched


def test_lock_interrupts_a_read_on_another_thread_and_closes_the_reader(
        session: Session) -> None:
    reader = session.open_reader()
    started, outcome = threading.Event(), []

    def read() -> None:
        try:
            with reader.use() as db:
                started.set()
                db.scalar(ENDLESS)  # ends only when interrupted
        except Exception as error:  # what the thread saw is the result
            outcome.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    assert started.wait(10)
    session.lock()  # returns: the read is interrupted and the connection closed
    thread.join(10)
    assert not thread.is_alive()
    assert outcome and "interrupt" in str(outcome[0])
    assert reader.closed
    with pytest.raises(VaultLocked), reader.use():
        pass
    with pytest.raises(VaultLocked):
        session.open_reader()


def test_a_rekey_closes_the_readers_of_the_old_file(session: Session) -> None:
    session.store.create_case("Workplace grievance")
    reader = session.open_reader()
    session.rekey()
    assert reader.closed
    fresh = session.open_reader()  # a new reader opens the new file with the new key
    with fresh.use() as db:
        assert queries.count_live_cases(db) == 1
    fresh.close()
