"""A file a user hands to an importer cannot hang it or make it read without end.

Found in the hostile-file walk: the core's readers checked a size limit with ``stat()`` (0 bytes
for a pipe and for a device) and then opened and read the file whole. A named pipe blocked
``open()`` for ever (Sync import and referral import hung a background job; a contact card or a
form question's attachment froze the window) and a ``form.yaml`` linked to ``/dev/zero`` was
read until the kernel killed the program (23 GB). The CLI and two dialogs were guarded; these
tests hold every core importer to it: refused at once, with a message naming the file.

Each call runs in a forked child with a memory cap and a deadline, so a hang is seen as one
(and killed) and an endless read ends in MemoryError instead of eating the machine.
"""

from __future__ import annotations

import os
import resource
import signal
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core import backup, handed
from btam_desktop.core.forms.documents import read_document
from btam_desktop.core.forms.xlsform import XLSFormImportError, read_xlsform
from btam_desktop.core.pdf.safety import read_untrusted
from btam_desktop.core.session import Session
from btam_desktop.core.store import read_attachment_file
from btam_desktop.core.sync import bundle, card, exchange, referral, team

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                reason="named pipes and /dev/zero are POSIX")

DEADLINE = 20  # seconds; a refusal takes milliseconds, a blocked open() never ends
HEADROOM = 1024**3  # the child may grow by this much before MemoryError (an endless read)


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def in_child(call: Callable[[], Any]) -> str:
    """Run ``call`` in a forked child under a memory cap; 'returned', 'hung', or
    '<ExceptionClass>: <message>' of what it raised."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        outcome = "returned"
        try:
            os.close(read_end)
            cap = _vm_size() + HEADROOM
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            call()
        except BaseException as exc:  # reported to the parent, whatever it is
            outcome = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, MemoryError):
                outcome += traceback.format_exc()[-300:]
        os.write(write_end, outcome.encode("utf-8", "replace")[:4000])
        os._exit(0)
    os.close(write_end)
    try:
        signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError()))
        signal.alarm(DEADLINE)
        try:
            chunks = []
            while chunk := os.read(read_end, 4096):
                chunks.append(chunk)
            return b"".join(chunks).decode("utf-8")
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            return "hung"
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)


def _team(session: Session) -> Session:
    team.create_team(session, "Lakeside BTAM")
    return session


# Each importer, by the name a user knows, with the file suffix it expects and how it is called.
Importer = Callable[[Session, Path], Any]
IMPORTERS: dict[str, tuple[str, Importer]] = {
    "bundle file": (".btambundle", lambda s, p: bundle.read_bundle_file(p)),
    "sync import": (".btambundle", lambda s, p: exchange.import_file(_team(s), p)),
    "bundle inspect": (".btambundle", lambda s, p: exchange.inspect(p)),
    "referral import": (".btamref", lambda s, p: referral.import_file(_team(s), p)),
    "contact card": (".btamcard", lambda s, p: card.read_card_file(p)),
    "team join (invitation)": (".btaminvite", lambda s, p: team.join(
        s, p, "invitation passphrase", p.parent / "request.btamreq")),
    "team approve (join request)": (".btamreq", lambda s, p: team.receive_request(
        _team(s), p)),
    "backup header": (".btambackup", lambda s, p: backup.read_header(p)),
    "backup check": (".btambackup", lambda s, p: backup.read(p)),
    "backup restore": (".btambackup", lambda s, p: backup.restore(
        p, p.parent / "restored.btam", passphrase_text="whatever it is")),
    "form document": (".yaml", lambda s, p: read_document(p)),
    "form library": (".yaml", lambda s, p: s.forms.load_file(p)),
    "form workbook": (".xlsx", lambda s, p: read_xlsform(p)),
    "attachment": (".jpg", lambda s, p: read_attachment_file(p)),
    "returned PDF": (".pdf", lambda s, p: read_untrusted(p)),
}


def _refused(outcome: str) -> bool:
    """Refused with a message a user can act on (the importers' own error classes, or the
    forms engine's problem lists), naming what the file is."""
    return "not a regular file" in outcome and not outcome.startswith(("MemoryError", "hung"))


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_a_named_pipe_is_refused_without_waiting(name: str, session: Session,
                                                 tmp_path: Path) -> None:
    suffix, call = IMPORTERS[name]
    pipe = tmp_path / f"handed-over{suffix}"
    os.mkfifo(pipe)
    outcome = in_child(lambda: call(session, pipe))
    assert outcome != "hung", f"{name}: a named pipe blocked it for {DEADLINE} s"
    assert _refused(outcome), outcome
    assert pipe.name in outcome, outcome  # the message names the file


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_an_endless_device_is_refused_unread(name: str, session: Session,
                                             tmp_path: Path) -> None:
    suffix, call = IMPORTERS[name]
    device = tmp_path / f"handed-over{suffix}"
    device.symlink_to("/dev/zero")
    outcome = in_child(lambda: call(session, device))
    assert _refused(outcome), outcome


def test_a_link_to_a_regular_file_is_read(tmp_path: Path) -> None:
    """Links are a legitimate way to hand a file (a share's alias): followed, not refused."""
    real = tmp_path / "real.btamcard"
    real.write_bytes(b"card bytes")
    link = tmp_path / "link.btamcard"
    link.symlink_to(real)
    assert handed.read_handed(link, 100) == b"card bytes"


def test_a_file_that_grows_while_read_is_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The size on the opened descriptor said it fitted, but more arrived before the read:
    at most limit + 1 bytes are read and the file is refused."""
    grown = tmp_path / "grown.btambundle"
    grown.write_bytes(b"x" * 5000)
    real_fstat = os.fstat

    def fstat_before_growth(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, *info[1:6], 10, *info[7:]))

    monkeypatch.setattr(os, "fstat", fstat_before_growth)
    with pytest.raises(handed.HandedFileTooLarge, match="grew past"):
        handed.read_handed(grown, 100)
    monkeypatch.undo()
    with pytest.raises(handed.HandedFileTooLarge) as caught:
        handed.read_handed(grown, 100)
    assert caught.value.size == 5000 and "grown.btambundle" in str(caught.value)


def test_the_bundle_reader_refuses_growth_within_its_limit(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("btam_desktop.core.sync.limits.MAX_BUNDLE_BYTES", 100)
    grown = tmp_path / "grown.btambundle"
    grown.write_bytes(b"x" * 5000)
    real_fstat = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result(
        (real_fstat(fd).st_mode, *real_fstat(fd)[1:6], 10, *real_fstat(fd)[7:])))
    with pytest.raises(bundle.BundleRefused, match="grew past"):
        bundle.read_bundle_file(grown)


def test_a_folder_is_named_as_one(tmp_path: Path) -> None:
    with pytest.raises(handed.HandedFileRefused, match=r"not a regular file \(a folder\)"):
        handed.read_handed(tmp_path, 100)
    with pytest.raises(XLSFormImportError):
        read_xlsform(tmp_path / "missing.xlsx")


def test_a_named_pipe_as_the_vault_s_key_file_is_an_integrity_problem(tmp_path: Path) -> None:
    """A vault opened from a share: a pipe in place of ``<vault>.keys`` blocked the unlock
    for ever (found in the same walk, by hand)."""
    from btam_desktop.core import keyfile

    vault_file = tmp_path / "shared.btam"
    vault_file.write_bytes(b"not opened")
    os.mkfifo(keyfile.keys_path_for(vault_file))
    outcome = in_child(lambda: keyfile.load(vault_file))
    assert outcome.startswith("IntegrityProblem") and "not a regular file" in outcome, outcome


def test_a_named_pipe_as_the_vault_is_named_so(created: tuple[Session, str],
                                               vault_path: Path) -> None:
    """SQLite's refusal of a pipe was an 'internal error (OperationalError)'."""
    from btam_desktop.core import keyfile, vault
    from tests.conftest import LEAD_PASS

    session, _ = created
    session.lock()
    keys = keyfile.load(vault_path)
    vault_path.rename(vault_path.with_name("moved.btam"))
    os.mkfifo(vault_path)
    keyfile.save(vault_path, keys)
    outcome = in_child(lambda: vault.unlock(vault_path, passphrase_text=LEAD_PASS))
    assert outcome.startswith("IntegrityProblem") and "not a regular file" in outcome, outcome


def test_a_small_file_is_read_without_a_buffer_the_size_of_the_limit(tmp_path: Path) -> None:
    """read(limit + 1) allocates the limit up front: 512 MB for every small bundle (and under
    a memory cap, refused for want of it). The read asks for the file's own size + 1."""
    import tracemalloc

    small = tmp_path / "small.btambundle"
    small.write_bytes(b"b" * 4096)
    tracemalloc.start()
    try:
        assert handed.read_handed(small, 256 * 1024 * 1024) == b"b" * 4096
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024, peak
