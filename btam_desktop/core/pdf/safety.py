"""Opening a PDF that came from outside (a partner's filled form) without trusting it.

A returned form is read only after these checks, each with a plain-words refusal:

* size (at most :data:`MAX_BYTES`), starts with ``%PDF-``, ends with ``%%EOF`` (a cut-off
  download or e-mail attachment is refused rather than half-read);
* it parses at all (any parser error is "damaged", never a traceback);
* not encrypted, at most :data:`MAX_PAGES` pages, at most :data:`MAX_OBJECTS` objects;
* no active content anywhere reachable from the document (fields' parents and actions'
  ``/Next`` chains included): JavaScript, an OpenAction or additional actions (``/AA``), any
  action that is not a plain GoTo (URI, GoToR, launch, submit, import, ...), embedded files,
  rich media or XFA forms. A destination to open at (an ``/OpenAction`` array) is allowed.

The raw bytes are also scanned for script and launch names (``#xx`` escapes decoded), so a
structure the parser skips but a viewer might read still gets refused.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from btam_desktop.core import handed
from btam_desktop.core.pdf.errors import PdfRefused

__all__ = ["MAX_BYTES", "MAX_FIELDS", "MAX_PAGES", "open_untrusted", "read_untrusted"]

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 100
MAX_FIELDS = 5000
MAX_OBJECTS = 200_000

_ACTIVE_KEYS = {
    "/JS": "JavaScript", "/JavaScript": "JavaScript", "/AA": "automatic actions",
    "/XFA": "an XFA form", "/EmbeddedFiles": "embedded files",
    "/EmbeddedFile": "embedded files", "/RichMedia": "rich media", "/Launch": "a launch action",
}
_RAW_NAMES = re.compile(rb"/((?:[A-Za-z]|#[0-9A-Fa-f]{2}){2,16})")
_STREAMS = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_RAW_ACTIVE = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles",
               b"RichMedia", b"XFA", b"AA"}


@contextlib.contextmanager
def _quiet_parser() -> Iterator[None]:
    """pypdf logs repairs of sloppy files as warnings; they are not the user's business."""
    logger = logging.getLogger("pypdf")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def read_untrusted(path: Path) -> bytes:
    """The file's bytes, refused when missing, empty or too large."""
    path = Path(path)
    try:
        # Checked on the opened file and read to MAX_BYTES + 1 at most: a pipe is refused
        # without waiting and a device (0 bytes to stat) is not read without end.
        data = handed.read_handed(path, MAX_BYTES)
    except FileNotFoundError:
        raise PdfRefused(f"cannot read {path}: no such file") from None
    except handed.HandedFileTooLarge as exc:
        size = f"{exc.size / 1024 / 1024:.1f} MB" if exc.size is not None else "growing"
        raise PdfRefused(
            f"{path.name} is {size}; returned forms are at most "
            f"{MAX_BYTES // 1024 // 1024} MB (a filled form is usually well under 1 MB)"
        ) from None
    except handed.HandedFileRefused as exc:
        raise PdfRefused(str(exc)) from None
    except OSError as exc:
        raise PdfRefused(f"cannot read {path.name}: {exc.strerror}") from None
    if not data:
        raise PdfRefused(f"{path.name} is empty")
    return data


def _raw_scan(data: bytes) -> str | None:
    # Stream contents (fonts, images, page drawing) are binary: by chance they contain
    # "/JS"-like bytes. Only the object syntax between streams is scanned; objects packed
    # inside object streams are checked by the structural walk.
    syntax = _STREAMS.sub(b" ", data)
    for match in _RAW_NAMES.finditer(syntax):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                      match.group(1))
        if name in _RAW_ACTIVE:
            return _ACTIVE_KEYS.get("/" + name.decode("latin-1"), "active content")
    return None


def _not_goto(value: Any) -> str | None:
    """The kind of the first action in ``value`` (an action or an array of them) that is not a
    plain GoTo, or None. Their own ``/Next`` chains are checked as the walk reaches them."""
    value = value.get_object() if isinstance(value, IndirectObject) else value
    actions = list(value) if isinstance(value, ArrayObject) else [value]
    for action in actions:
        action = action.get_object() if isinstance(action, IndirectObject) else action
        if isinstance(action, DictionaryObject) and action.get("/S") != "/GoTo":
            kind = str(action["/S"])[1:] if "/S" in action else ""
            return f"a {kind} action" if kind else "an action of unknown kind"
    return None


def _walk(reader: PdfReader) -> str | None:
    """First kind of active content reachable from the trailer, or None."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            raise PdfRefused(f"the PDF has more than {MAX_OBJECTS} objects")
        if isinstance(item, DictionaryObject):
            for name, value in item.items():
                if name in _ACTIVE_KEYS:
                    return _ACTIVE_KEYS[name]
                if name == "/OpenAction":
                    target = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(target, DictionaryObject):
                        return "an action that runs when the file opens"
                if name == "/A" or (name == "/Next" and "/S" in item):
                    # An action, or (an action's /Next; an outline item's /Next is its next
                    # sibling) an action or array of actions run after it: only a plain GoTo
                    # within the document is allowed, however deep the chain.
                    found = _not_goto(value)
                    if found:
                        return found
                if name == "/S" and isinstance(value, NameObject) and value in (
                        "/JavaScript", "/Launch", "/SubmitForm", "/ImportData"):
                    return f"a {value[1:]} action"
                # /Parent too: a field's parent need not be listed in any field list, and a
                # script on it inside a compressed object stream escapes the raw scan.
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return None


def open_untrusted(data: bytes, name: str = "the file") -> PdfReader:
    """Parse and check untrusted PDF bytes; PdfRefused with the reason when unsafe."""
    head = data[:1024].lstrip()
    if not head.startswith(b"%PDF-"):
        raise PdfRefused(f"{name} is not a PDF")
    if b"%%EOF" not in data[-2048:]:
        raise PdfRefused(f"{name} is incomplete (cut off while copying or downloading?); "
                         "ask for the file again")
    active = _raw_scan(data)
    if active:
        raise PdfRefused(f"{name} contains {active}; only plain filled forms are accepted")
    try:
        with _quiet_parser():
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise PdfRefused(f"{name} is encrypted or password-protected; ask the sender "
                                 "to save an unprotected copy")
            pages = len(reader.pages)
            if pages > MAX_PAGES:
                raise PdfRefused(f"{name} has {pages} pages; a returned form has at most "
                                 f"{MAX_PAGES}")
            active = _walk(reader)
    except PdfRefused:
        raise
    except RecursionError:
        raise PdfRefused(f"{name} is damaged (its structure is nested too deeply)") from None
    except Exception:  # any parser failure on untrusted input is "damaged"
        raise PdfRefused(f"{name} is damaged and cannot be read as a PDF") from None
    if active:
        raise PdfRefused(f"{name} contains {active}; only plain filled forms are accepted")
    return reader
