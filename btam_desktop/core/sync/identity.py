"""Device identity: each vault's Ed25519 signing key and X25519 key-agreement key.

Keys are per device, not per team, so one stolen laptop exposes no other laptop's bundles.
The fingerprint is what people compare by phone: SHA-256 over a length-prefixed encoding of the
device id and both public keys, its first 160 bits written as eight groups of four base32
characters.

This module also holds the small encoding helpers the other sync modules share (canonical
JSON, strict base64, UTC timestamps), so there is one definition of each.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from btam_desktop.core.errors import InvalidInput

KEY_BYTES = 32
SIGNATURE_BYTES = 64
FINGERPRINT_RE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$")
_FINGERPRINT_CONTEXT = b"btam-device-fingerprint/1\x00"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class MalformedSyncData(InvalidInput):
    """A key, id or timestamp in sync data is malformed (each module re-raises its own type)."""


# -- shared encoding helpers ------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no whitespace: the one byte form that is signed/hashed.

    ``allow_nan=False`` because NaN/Infinity are not JSON and would not round-trip.
    """
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers that disagree on a duplicated key are a classic signature bypass; refuse it.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key in JSON object")
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


decode_strict_text = json.JSONDecoder(object_pairs_hook=_no_duplicates,
                                      parse_constant=_no_constant).decode
"""Parse untrusted JSON text as :func:`strict_json_loads` does (floats allowed): ValueError."""


def strict_json_loads(data: bytes, *, allow_float: bool = True) -> Any:
    """Parse untrusted UTF-8 JSON: no duplicate keys, no NaN/Infinity, optionally no floats.

    Raises ValueError (including UnicodeDecodeError) or RecursionError on hostile input.
    """
    text = data.decode("utf-8")  # strict: invalid UTF-8 raises

    def no_float(token: str) -> Any:
        raise ValueError("floating-point numbers are not allowed here")

    return json.loads(
        text,
        object_pairs_hook=_no_duplicates,
        parse_constant=_no_constant,
        parse_float=None if allow_float else no_float,
    )


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, *, length: int | None = None, what: str = "value") -> bytes:
    """Strict base64 decode of untrusted input; optional exact decoded length."""
    if not isinstance(text, str):
        raise MalformedSyncData(f"{what} is not base64 text")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise MalformedSyncData(f"{what} is not valid base64") from None
    if length is not None and len(raw) != length:
        raise MalformedSyncData(f"{what} must be {length} bytes")
    return raw


def utc_now() -> str:
    """UTC time with milliseconds, ISO 8601 with a trailing Z (as the audit trail writes it)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_time(text: object, what: str = "timestamp") -> datetime:
    """A UTC ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` timestamp, or MalformedSyncData."""
    if not isinstance(text, str) or not _TIME_RE.match(text):
        raise MalformedSyncData(f"{what} is not a UTC timestamp")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise MalformedSyncData(f"{what} is not a valid date and time") from None


def check_id(value: object, what: str = "id") -> str:
    """A device/team/record id: 1-128 characters of letters, digits and ``._:-``."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise MalformedSyncData(f"{what} is not a valid id")
    return value


def normalise_fingerprint(text: str) -> str:
    """A fingerprint as typed or read aloud (any case, spaces or dashes) in its display form."""
    chars = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


# -- keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DevicePublic:
    """A device's public identity, as listed in the roster and named in bundle headers."""

    device_id: str
    sign_public: bytes
    kem_public: bytes

    def __post_init__(self) -> None:
        check_id(self.device_id, "device id")
        if len(self.sign_public) != KEY_BYTES or len(self.kem_public) != KEY_BYTES:
            raise MalformedSyncData("device public keys must be 32 bytes each")

    def fingerprint(self) -> str:
        """Eight groups of four base32 characters (160 bits), meant to be read aloud."""
        device = self.device_id.encode("utf-8")
        # Length-prefixing the id keeps the encoding unambiguous (no id/key boundary games).
        material = (
            _FINGERPRINT_CONTEXT
            + struct.pack(">H", len(device))
            + device
            + self.sign_public
            + self.kem_public
        )
        text = base64.b32encode(hashlib.sha256(material).digest()[:20]).decode("ascii")
        return "-".join(text[i : i + 4] for i in range(0, 32, 4))

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` is this device's Ed25519 signature of ``data``."""
        if len(signature) != SIGNATURE_BYTES:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.sign_public).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        """Serialisable form (base64 keys)."""
        return {
            "device_id": self.device_id,
            "sign_public": b64(self.sign_public),
            "kem_public": b64(self.kem_public),
        }

    @classmethod
    def from_json(cls, data: object) -> DevicePublic:
        """Inverse of :meth:`to_json`; MalformedSyncData on anything else."""
        if not isinstance(data, dict):
            raise MalformedSyncData("device public key is not an object")
        return cls(
            device_id=check_id(data.get("device_id"), "device id"),
            sign_public=unb64(data.get("sign_public"), length=KEY_BYTES, what="signing key"),
            kem_public=unb64(data.get("kem_public"), length=KEY_BYTES, what="encryption key"),
        )


@dataclass(frozen=True)
class DeviceKeys:
    """A device's private keys. Kept in the vault; never logged (``repr`` hides the keys)."""

    device_id: str
    sign_private: bytes = field(repr=False)
    kem_private: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_id(self.device_id, "device id")
        if len(self.sign_private) != KEY_BYTES or len(self.kem_private) != KEY_BYTES:
            raise MalformedSyncData("device private keys must be 32 bytes each")

    @classmethod
    def generate(cls, device_id: str) -> DeviceKeys:
        """Fresh key pairs for ``device_id``."""
        return cls(
            device_id=device_id,
            sign_private=Ed25519PrivateKey.generate().private_bytes_raw(),
            kem_private=X25519PrivateKey.generate().private_bytes_raw(),
        )

    def public(self) -> DevicePublic:
        """The matching public identity."""
        sign = Ed25519PrivateKey.from_private_bytes(self.sign_private)
        kem = X25519PrivateKey.from_private_bytes(self.kem_private)
        return DevicePublic(
            device_id=self.device_id,
            sign_public=sign.public_key().public_bytes_raw(),
            kem_public=kem.public_key().public_bytes_raw(),
        )

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature of ``data`` (64 bytes)."""
        return Ed25519PrivateKey.from_private_bytes(self.sign_private).sign(data)

    def kem_key(self) -> X25519PrivateKey:
        """The X25519 private key object (for opening HPKE-sealed keys)."""
        return X25519PrivateKey.from_private_bytes(self.kem_private)

    def to_json(self) -> dict[str, Any]:
        """Serialisable form (base64 keys) for storage inside the encrypted vault only."""
        return {
            "device_id": self.device_id,
            "sign_private": b64(self.sign_private),
            "kem_private": b64(self.kem_private),
        }

    @classmethod
    def from_json(cls, data: object) -> DeviceKeys:
        """Inverse of :meth:`to_json`; MalformedSyncData on anything else."""
        if not isinstance(data, dict):
            raise MalformedSyncData("device keys are not an object")
        return cls(
            device_id=check_id(data.get("device_id"), "device id"),
            sign_private=unb64(data.get("sign_private"), length=KEY_BYTES, what="signing key"),
            kem_private=unb64(data.get("kem_private"), length=KEY_BYTES, what="encryption key"),
        )
