""""Remember on this device": a convenience copy of a member's slot key in the OS keyring.

The keyring only ever saves typing. Any trouble (no backend, a locked or broken keyring, a
stale entry) means "ask for the passphrase": every function here swallows keyring errors.
Plaintext file backends (``keyrings.alt``) count as unavailable: no plaintext fallback.
"""

from __future__ import annotations

import base64
import contextlib
import logging
from typing import Any

import keyring
import keyring.errors

SERVICE = "BTAM Desktop"
_log = logging.getLogger(__name__)
_REFUSED_MODULE_PREFIXES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def _usable(backend: Any) -> bool:
    module = type(backend).__module__
    if module.startswith(_REFUSED_MODULE_PREFIXES):
        return False
    inner = getattr(backend, "backends", None)
    if inner is not None:  # the chainer backend: usable if any member is
        return any(_usable(b) for b in inner)
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


def available() -> bool:
    """True when a real OS keyring (or a test's in-memory one) is there."""
    try:
        return _usable(keyring.get_keyring())
    except Exception:
        return False


def _username(vault_id: str, slot_id: str) -> str:
    return f"{vault_id}/{slot_id}"


def remember(vault_id: str, slot_id: str, secret: bytes) -> bool:
    """Store ``secret``; False (never an exception) when it could not be stored."""
    if not available():
        return False
    try:
        keyring.set_password(
            SERVICE, _username(vault_id, slot_id), base64.b64encode(secret).decode()
        )
        return True
    except Exception:
        _log.warning("could not store the key in the OS keyring")
        return False


def recall(vault_id: str, slot_id: str) -> bytes | None:
    """The stored secret, or None for any reason at all."""
    if not available():
        return None
    try:
        text = keyring.get_password(SERVICE, _username(vault_id, slot_id))
        return base64.b64decode(text) if text else None
    except Exception:
        return None


def forget(vault_id: str, slot_id: str) -> None:
    """Remove a stored secret; silent when there is none or no keyring."""
    if not available():
        return
    with contextlib.suppress(Exception):
        keyring.delete_password(SERVICE, _username(vault_id, slot_id))
