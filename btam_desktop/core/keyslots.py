"""Key slots: each team member's own sealed copy of the vault's random database key.

The database key is random (32 bytes). Each slot has an X25519 key pair; its private key is
encrypted with AES-256-GCM under a key derived from the member's passphrase with Argon2id, and
the database key is sealed to its public key with HPKE (RFC 9180). Sealing to a public key is
what lets ``rekey`` give every member the new database key without knowing their passphrases,
while adding a member or changing one passphrase never touches the database itself (LUKS-like).

Each slot also holds the member's audit signing key (Ed25519, see :mod:`audit_anchor`),
encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the slot's X25519 private
key: only whoever opens the slot (passphrase, recovery key or the device keyring) can sign
audit entries in its name; the database key alone does not give it.

During a rekey a slot seals both the new and the old key, so a crash between replacing the
database file and rewriting the slots still opens; ``open_keys`` returns candidates in order.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from btam_desktop.core.errors import WrongPassphrase

DB_KEY_BYTES = 32
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
MEMBER = "member"
RECOVERY = "recovery"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored per slot so they can be raised later without a migration."""

    salt: bytes
    memory_kib: int = 65_536
    iterations: int = 3
    lanes: int = 4

    @classmethod
    def fresh(cls) -> KdfParams:
        """Default cost (about 0.1-0.3 s on a patrol laptop) with a new random salt."""
        return cls(salt=os.urandom(16))

    def derive(self, secret: str) -> bytes:
        """The 32-byte key-encryption key for ``secret``."""
        kdf = Argon2id(
            salt=self.salt,
            length=32,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(secret.encode("utf-8"))


@dataclass(frozen=True)
class KeySlot:
    """One member's (or the recovery key's) sealed access to the database key."""

    slot_id: str
    kind: str
    label: str
    kdf: KdfParams
    public_key: bytes
    wrapped_private: bytes
    sealed_keys: bytes
    failed_attempts: int = 0
    locked_until: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # nonce(12) || AES-GCM(HKDF(slot private key), Ed25519 private key); None until the slot's
    # holder first unlocks (slots made before audit signing, or after a passphrase change).
    signing_key: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialisable form for the keys file."""
        return {
            "slot_id": self.slot_id,
            "kind": self.kind,
            "label": self.label,
            "kdf": {
                "algorithm": "argon2id",
                "salt": _b64(self.kdf.salt),
                "memory_kib": self.kdf.memory_kib,
                "iterations": self.kdf.iterations,
                "lanes": self.kdf.lanes,
            },
            "public_key": _b64(self.public_key),
            "wrapped_private": _b64(self.wrapped_private),
            "sealed_keys": _b64(self.sealed_keys),
            "failed_attempts": self.failed_attempts,
            "locked_until": self.locked_until,
            **({"signing_key": _b64(self.signing_key)} if self.signing_key else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySlot:
        """Inverse of :meth:`to_json`; KeyError/ValueError on malformed input."""
        kdf = data["kdf"]
        if kdf.get("algorithm") != "argon2id":
            raise ValueError(f"unsupported key derivation {kdf.get('algorithm')!r}")
        return cls(
            slot_id=str(data["slot_id"]),
            kind=str(data["kind"]),
            label=str(data["label"]),
            kdf=_checked_kdf(KdfParams(
                salt=_unb64(kdf["salt"]),
                memory_kib=_int(kdf["memory_kib"]),
                iterations=_int(kdf["iterations"]),
                lanes=_int(kdf["lanes"]),
            )),
            public_key=_unb64(data["public_key"]),
            wrapped_private=_unb64(data["wrapped_private"]),
            sealed_keys=_unb64(data["sealed_keys"]),
            failed_attempts=int(data.get("failed_attempts", 0)),
            locked_until=data.get("locked_until"),
            signing_key=_unb64(data["signing_key"]) if data.get("signing_key") else None,
        )


# Bounds on stored Argon2id parameters: a damaged or hostile key file must not make an unlock
# allocate terabytes or run for hours, and must not reach Argon2 with values it refuses.
MAX_MEMORY_KIB = 4 * 1024 * 1024  # 4 GiB
MAX_ITERATIONS = 64
MAX_LANES = 64


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a key derivation parameter is not a whole number")
    return value


def _checked_kdf(kdf: KdfParams) -> KdfParams:
    if not 16 <= len(kdf.salt) <= 64:
        raise ValueError("the key derivation salt has the wrong length")
    if not 1 <= kdf.lanes <= MAX_LANES or not 1 <= kdf.iterations <= MAX_ITERATIONS:
        raise ValueError("key derivation parameters out of range")
    if not 8 * kdf.lanes <= kdf.memory_kib <= MAX_MEMORY_KIB:
        raise ValueError("key derivation memory out of range")
    return kdf


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _slot_aad(vault_id: str, slot_id: str, kind: str) -> bytes:
    # Binding the slot's identity means a slot copied to another member id, another vault or
    # another kind fails authentication instead of quietly working.
    return f"btam-slot/1|{vault_id}|{slot_id}|{kind}".encode()


def _hpke_info(vault_id: str, slot_id: str) -> bytes:
    return f"btam-vault-key/1|{vault_id}|{slot_id}".encode()


def _signing_wrap_key(private_raw: bytes, vault_id: str, slot_id: str) -> tuple[bytes, bytes]:
    # A key derived from the slot's private key (not from the database key, which every
    # member holds); the label doubles as AES-GCM associated data binding vault and slot.
    label = f"btam-audit-signing/1|{vault_id}|{slot_id}".encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(private_raw)
    return key, label


def wrap_signing_key(slot: KeySlot, private_raw: bytes, vault_id: str,
                     signing_raw: bytes) -> KeySlot:
    """The slot holding ``signing_raw`` (an Ed25519 private key), sealed under its own key."""
    key, label = _signing_wrap_key(private_raw, vault_id, slot.slot_id)
    nonce = os.urandom(12)
    return replace(slot, signing_key=nonce + AESGCM(key).encrypt(nonce, signing_raw, label))


def unwrap_signing_key(slot: KeySlot, private_raw: bytes, vault_id: str) -> bytes | None:
    """The slot's Ed25519 private key; None when it has none. ValueError when it holds one
    that does not open with the slot's key (replaced or damaged)."""
    if not slot.signing_key:
        return None
    key, label = _signing_wrap_key(private_raw, vault_id, slot.slot_id)
    try:
        return AESGCM(key).decrypt(slot.signing_key[:12], slot.signing_key[12:], label)
    except InvalidTag:
        raise ValueError("the slot's audit signing key does not open with its key") from None


def new_db_key() -> bytes:
    """A fresh random database key."""
    return secrets.token_bytes(DB_KEY_BYTES)


def seal_keys(public_key: bytes, db_keys: list[bytes], vault_id: str, slot_id: str) -> bytes:
    """Seal the candidate database keys (newest first) to a slot's public key."""
    if not db_keys or any(len(k) != DB_KEY_BYTES for k in db_keys):
        raise ValueError("database keys must be 32 bytes each")
    recipient = X25519PublicKey.from_public_bytes(public_key)
    return _SUITE.encrypt(b"".join(db_keys), recipient, info=_hpke_info(vault_id, slot_id))


def make_slot(
    *,
    vault_id: str,
    slot_id: str,
    kind: str,
    label: str,
    secret: str,
    db_keys: list[bytes],
    kdf: KdfParams | None = None,
) -> tuple[KeySlot, bytes]:
    """Create a slot for ``secret``; returns the slot and its raw private key (for keyring)."""
    kdf = kdf or KdfParams.fresh()
    private = X25519PrivateKey.generate()
    private_raw = private.private_bytes_raw()
    public_raw = private.public_key().public_bytes_raw()
    nonce = os.urandom(12)
    wrapped = nonce + AESGCM(kdf.derive(secret)).encrypt(
        nonce, private_raw, _slot_aad(vault_id, slot_id, kind)
    )
    slot = KeySlot(
        slot_id=slot_id,
        kind=kind,
        label=label,
        kdf=kdf,
        public_key=public_raw,
        wrapped_private=wrapped,
        sealed_keys=seal_keys(public_raw, db_keys, vault_id, slot_id),
    )
    return slot, private_raw


def unwrap_private(slot: KeySlot, secret: str, vault_id: str) -> bytes:
    """The slot's private key, or :class:`WrongPassphrase`."""
    nonce, body = slot.wrapped_private[:12], slot.wrapped_private[12:]
    try:
        return AESGCM(slot.kdf.derive(secret)).decrypt(
            nonce, body, _slot_aad(vault_id, slot.slot_id, slot.kind)
        )
    except InvalidTag:
        raise WrongPassphrase() from None


def open_keys(slot: KeySlot, private_raw: bytes, vault_id: str) -> list[bytes]:
    """Candidate database keys sealed in ``slot`` (newest first), or :class:`WrongPassphrase`."""
    try:
        private = X25519PrivateKey.from_private_bytes(private_raw)
        if private.public_key().public_bytes_raw() != slot.public_key:
            raise WrongPassphrase()
        blob = _SUITE.decrypt(slot.sealed_keys, private, info=_hpke_info(vault_id, slot.slot_id))
    except (InvalidTag, ValueError):
        raise WrongPassphrase() from None
    if not blob or len(blob) % DB_KEY_BYTES:
        raise WrongPassphrase()
    return [blob[i : i + DB_KEY_BYTES] for i in range(0, len(blob), DB_KEY_BYTES)]


def reseal(slot: KeySlot, db_keys: list[bytes], vault_id: str) -> KeySlot:
    """The same slot with new database keys sealed to it (no passphrase needed)."""
    return replace(
        slot, sealed_keys=seal_keys(slot.public_key, db_keys, vault_id, slot.slot_id)
    )


def new_recovery_key() -> str:
    """A recovery key to write on paper: eight groups of six digits (about 159 bits)."""
    return "-".join(f"{secrets.randbelow(1_000_000):06d}" for _ in range(8))


def normalise_recovery_key(text: str) -> str:
    """Accept the key with spaces, dashes or line breaks as typed from paper."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) != 48:
        raise WrongPassphrase("a recovery key has 48 digits in eight groups of six")
    return "-".join(digits[i : i + 6] for i in range(0, 48, 6))
