"""Invitation and join-request files: how an officer's laptop joins a team.

1. The lead writes an *invitation* (``make_invitation``) protected by a one-time passphrase
   given to the officer in person or by phone. It carries the team, the signed roster and the
   lead's public keys, encrypted with AES-256-GCM under a key derived from the passphrase with
   Argon2id (salt and cost in the plain part, bounded on read). The lead keeps the returned
   :class:`InvitationSecret` (encrypted, in its vault).
2. The officer's laptop opens it (``open_invitation``) and answers with a *join request*
   (``make_join_request``): its public keys in the plain part, its name, device code and
   members encrypted under a *request key* derived (HKDF-SHA256) from the same Argon2id output
   and the invitation id, and the whole file signed with the new device's Ed25519 key. So the
   request proves both that its maker knew the passphrase and that it holds the device key.
3. The lead opens it (``open_join_request``) with the stored secret, compares the device's
   fingerprint with the officer by phone, and approves it with ``Roster.with_device``.

Formats are in ``docs/bundle-format.md``. Every refusal is an :class:`InviteError` with a plain
reason; no passphrase or key ever appears in one.
"""

from __future__ import annotations

import functools
import secrets
import struct
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.ids import new_id, read_aloud
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.model import ROLES as MEMBER_ROLES
from btam_desktop.core.sync import limits
from btam_desktop.core.sync.identity import (
    SIGNATURE_BYTES,
    DeviceKeys,
    DevicePublic,
    MalformedSyncData,
    b64,
    canonical_json,
    check_id,
    parse_time,
    strict_json_loads,
    unb64,
    utc_now,
)
from btam_desktop.core.sync.roster import (
    CODE_RE,
    Roster,
    RosterRejected,
    check_name,
    verify_self_signed,
)

INVITE_MAGIC = b"BTAMINVT"
JOIN_MAGIC = b"BTAMJOIN"
FORMAT_MAJOR = 1
FORMAT_MINOR = 0
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MIN_PASSPHRASE_CHARS = 8
SALT_MIN_BYTES = 16
SALT_MAX_BYTES = 64
JOIN_SIGNATURE_CONTEXT = b"btam-join-request-signature/1\x00"
_FILE_KEY_INFO = b"btam-invite/1|invitation-file"
_REQUEST_KEY_INFO = "btam-invite/1|join-request|{invitation_id}"
_PREFIX = struct.Struct(">8sI")
_U32 = struct.Struct(">I")
_MAX_HEADER = 4096


class InviteError(InvalidInput):
    """An invitation or join request that is refused, with the reason (the CLI exits 1);
    ``what`` names the file refused, as the message does ("join request refused: ...")."""

    def __init__(self, reason: str, *, what: str = "invitation") -> None:
        super().__init__(f"{what} refused: {reason}")
        self.reason, self.what = reason, what


_Opener = TypeVar("_Opener", bound=Callable[..., Any])


def _refusing(what: str) -> Callable[[_Opener], _Opener]:
    """Name every InviteError raised inside the decorated reader after ``what`` it reads (the
    shared checks below do not know which file they check; a lead holds both kinds, so
    "invitation refused" for a damaged join request sent them looking at the wrong file)."""
    def decorate(reader: _Opener) -> _Opener:
        @functools.wraps(reader)
        def named(*args: Any, **kwargs: Any) -> Any:
            try:
                return reader(*args, **kwargs)
            except InviteError as exc:
                if exc.what == what:
                    raise
                raise type(exc)(exc.reason, what=what) from None
        return cast(_Opener, named)
    return decorate


class InvitationExpired(InviteError):
    """The invitation's expiry has passed; the lead must issue a new one."""


@dataclass(frozen=True)
class InvitationSecret:
    """What the lead keeps (encrypted, in its vault) to open join requests for an invitation."""

    invitation_id: str
    team_id: str
    request_key: bytes = field(repr=False)
    expires_at: str

    def to_json(self) -> dict[str, Any]:
        """Serialisable form; holds a key, so store it only inside the encrypted vault."""
        return {
            "invitation_id": self.invitation_id,
            "team_id": self.team_id,
            "request_key": b64(self.request_key),
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_json(cls, data: object) -> InvitationSecret:
        """Inverse of :meth:`to_json`."""
        if not isinstance(data, dict):
            raise InviteError("malformed invitation record")
        try:
            expires_at = data.get("expires_at")
            parse_time(expires_at, "expiry")
            assert isinstance(expires_at, str)
            return cls(
                invitation_id=check_id(data.get("invitation_id"), "invitation id"),
                team_id=check_id(data.get("team_id"), "team id"),
                request_key=unb64(data.get("request_key"), length=KEY_BYTES, what="key"),
                expires_at=expires_at,
            )
        except MalformedSyncData as exc:
            raise InviteError(f"malformed invitation record: {exc}") from None


@dataclass(frozen=True)
class Invitation:
    """An opened invitation, as the joining laptop sees it."""

    invitation_id: str
    team_id: str
    team_name: str
    roster: Roster
    lead: DevicePublic
    created_at: str
    expires_at: str
    request_key: bytes = field(repr=False)


@dataclass(frozen=True)
class JoinMember:
    """A member of the joining laptop, so entries from it show their real author."""

    name: str
    role: str
    badge: str

    def to_json(self) -> dict[str, str]:
        """Serialisable form."""
        return {"name": self.name, "role": self.role, "badge": self.badge}


@dataclass(frozen=True)
class JoinRequest:
    """An opened join request, for the lead to compare (fingerprint) and approve."""

    invitation_id: str
    team_id: str
    device: DevicePublic
    device_name: str
    device_code: str
    members: tuple[JoinMember, ...]
    created_at: str


# -- helpers -----------------------------------------------------------------------------------


def new_invite_passphrase() -> str:
    """A one-time passphrase to read out: five groups of four characters (about 98 bits)."""
    chars = read_aloud(20)
    return "-".join(chars[i : i + 4] for i in range(0, 20, 4))


def _normalise(passphrase: str) -> str:
    # The same passphrase typed on two keyboards must give the same key, and one read out on
    # the phone must work however it is typed: case, spaces and dashes do not count.
    text = unicodedata.normalize("NFC", passphrase.strip()).upper()
    return "".join(ch for ch in text if ch not in " -\t")


def _hkdf(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


def _request_key(master: bytes, invitation_id: str) -> bytes:
    return _hkdf(master, _REQUEST_KEY_INFO.format(invitation_id=invitation_id).encode())


def _check_kdf(kdf: KdfParams) -> None:
    """Refuse costs a hostile file could use to exhaust memory or time, before any derivation."""
    if not SALT_MIN_BYTES <= len(kdf.salt) <= SALT_MAX_BYTES:
        raise InviteError("key derivation salt has an unusual length")
    if not 1 <= kdf.lanes <= limits.MAX_KDF_LANES:
        raise InviteError("key derivation asks for an unreasonable number of lanes")
    if not 1 <= kdf.iterations <= limits.MAX_KDF_ITERATIONS:
        raise InviteError("key derivation asks for an unreasonable number of passes")
    if not 8 * kdf.lanes <= kdf.memory_kib <= limits.MAX_KDF_MEMORY_KIB:
        raise InviteError("key derivation asks for an unreasonable amount of memory")


def _int(value: object, what: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise InviteError(f"{what} is out of range")
    return value


def _kdf_json(kdf: KdfParams) -> dict[str, Any]:
    return {
        "algorithm": "argon2id",
        "salt": b64(kdf.salt),
        "memory_kib": kdf.memory_kib,
        "iterations": kdf.iterations,
        "lanes": kdf.lanes,
    }


def _kdf_from_json(value: object) -> KdfParams:
    if not isinstance(value, dict) or set(value) != {
        "algorithm", "salt", "memory_kib", "iterations", "lanes"
    }:
        raise InviteError("malformed key derivation parameters")
    if value["algorithm"] != "argon2id":
        raise InviteError("unsupported key derivation")
    try:
        salt = unb64(value["salt"], what="salt")
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    kdf = KdfParams(
        salt=salt,
        memory_kib=_int(value["memory_kib"], "key derivation memory", 0, 2**32),
        iterations=_int(value["iterations"], "key derivation passes", 0, 2**32),
        lanes=_int(value["lanes"], "key derivation lanes", 0, 2**24),
    )
    _check_kdf(kdf)
    return kdf


def _split(data: bytes, magic: bytes, what: str) -> tuple[dict[str, Any], bytes, int]:
    """Check size and magic and parse the plain header; returns it, its raw prefix and end."""
    if len(data) > limits.MAX_INVITE_BYTES:
        raise InviteError(f"{what} is larger than {limits.MAX_INVITE_BYTES:,} bytes")
    if len(data) < _PREFIX.size:
        raise InviteError(f"truncated {what}")
    found, header_len = _PREFIX.unpack_from(data, 0)
    if found != magic:
        raise InviteError(f"not a BTAM {what} (wrong magic)")
    if not 2 <= header_len <= _MAX_HEADER:
        raise InviteError(f"{what} header length is out of range")
    end = _PREFIX.size + header_len
    if end > len(data):
        raise InviteError(f"truncated {what}")
    header_bytes = bytes(data[_PREFIX.size : end])
    try:
        header = strict_json_loads(header_bytes, allow_float=False)
    except (ValueError, RecursionError):
        raise InviteError(f"{what} header is not valid JSON") from None
    if not isinstance(header, dict):
        raise InviteError(f"{what} header is not a JSON object")
    fmt = header.get("format")
    if not isinstance(fmt, list) or len(fmt) != 2 or any(type(v) is not int for v in fmt):
        raise InviteError(f"{what} header has no valid format")
    if fmt[0] > FORMAT_MAJOR:
        raise InviteError(f"update BTAM Desktop to read this {what}")
    if fmt[0] != FORMAT_MAJOR:
        raise InviteError(f"unsupported {what} format")
    if canonical_json(header) != header_bytes:
        raise InviteError(f"{what} header is not in canonical form")
    return header, bytes(data[:end]), end


def _parse_body(plain: bytes, what: str) -> dict[str, Any]:
    try:
        body = strict_json_loads(plain, allow_float=False)
    except (ValueError, RecursionError):
        raise InviteError(f"{what} content is not valid JSON") from None
    if not isinstance(body, dict):
        raise InviteError(f"{what} content is not a JSON object")
    return body


def _now(now: str | None) -> str:
    if now is None:
        return utc_now()
    try:
        parse_time(now, "current time")
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    return now


def _check_not_expired(expires_at: str, now: str | None) -> None:
    try:
        expired = parse_time(_now(now), "current time") > parse_time(expires_at, "expiry")
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    if expired:
        raise InvitationExpired(f"the invitation expired at {expires_at}; ask for a new one")


# -- invitation --------------------------------------------------------------------------------


def make_invitation(
    roster: Roster,
    lead: DeviceKeys,
    passphrase: str,
    *,
    expires_at: str,
    kdf: KdfParams | None = None,
    invitation_id: str | None = None,
    now: str | None = None,
) -> tuple[bytes, InvitationSecret]:
    """An invitation file and the secret the lead keeps to open the join requests it brings."""
    device = roster.device(lead.device_id)
    if device is None or not device.is_active_lead or device.public != lead.public():
        raise InviteError("only an active lead device of the team can invite")
    passphrase = _normalise(passphrase)
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise InviteError(
            f"an invitation passphrase has at least {MIN_PASSPHRASE_CHARS} characters"
        )
    created_at = _now(now)
    try:
        if parse_time(expires_at, "expiry") <= parse_time(created_at, "creation time"):
            raise InviteError("the expiry must be in the future")
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    kdf = kdf or KdfParams.fresh()
    _check_kdf(kdf)  # never write a file our own reader would refuse
    invitation_id = check_id(invitation_id or new_id(), "invitation id")
    master = kdf.derive(passphrase)
    nonce = secrets.token_bytes(NONCE_BYTES)
    header = canonical_json(
        {"format": [FORMAT_MAJOR, FORMAT_MINOR], "kdf": _kdf_json(kdf), "nonce": b64(nonce)}
    )
    prefix = _PREFIX.pack(INVITE_MAGIC, len(header)) + header
    body = canonical_json(
        {
            "invitation_id": invitation_id,
            "team_id": roster.team_id,
            "team_name": roster.team_name,
            "roster": roster.to_json(),
            "lead": lead.public().to_json(),
            "created_at": created_at,
            "expires_at": expires_at,
        }
    )
    ciphertext = AESGCM(_hkdf(master, _FILE_KEY_INFO)).encrypt(nonce, body, prefix)
    secret = InvitationSecret(
        invitation_id=invitation_id,
        team_id=roster.team_id,
        request_key=_request_key(master, invitation_id),
        expires_at=expires_at,
    )
    return prefix + ciphertext, secret


def open_invitation(data: bytes, passphrase: str, *, now: str | None = None) -> Invitation:
    """Open an invitation with its passphrase; refuses wrong passphrases, expired or altered
    files and rosters that are not self-consistent (signed by an active lead listed in them)."""
    header, prefix, end = _split(data, INVITE_MAGIC, "invitation")
    if set(header) != {"format", "kdf", "nonce"}:
        raise InviteError("invitation header has unexpected fields")
    kdf = _kdf_from_json(header["kdf"])  # bounds checked before any derivation
    try:
        nonce = unb64(header["nonce"], length=NONCE_BYTES, what="nonce")
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    if len(data) - end < TAG_BYTES:
        raise InviteError("truncated invitation")
    master = kdf.derive(_normalise(passphrase))
    try:
        plain = AESGCM(_hkdf(master, _FILE_KEY_INFO)).decrypt(nonce, bytes(data[end:]), prefix)
    except InvalidTag:
        raise InviteError("wrong invitation passphrase, or the file was altered") from None
    body = _parse_body(plain, "invitation")
    keys = {"invitation_id", "team_id", "team_name", "roster", "lead", "created_at",
            "expires_at"}
    if set(body) != keys:
        raise InviteError("invitation content has unexpected fields")
    try:
        invitation_id = check_id(body["invitation_id"], "invitation id")
        parse_time(body["created_at"], "creation time")
        parse_time(body["expires_at"], "expiry")
        lead = DevicePublic.from_json(body["lead"])
        roster = Roster.from_json(body["roster"])
        verify_self_signed(roster)
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    except RosterRejected as exc:
        raise InviteError(f"the team roster in the invitation is not valid: {exc.reason}") from None
    if body["team_id"] != roster.team_id or body["team_name"] != roster.team_name:
        raise InviteError("the invitation's team does not match its roster")
    listed = roster.device(lead.device_id)
    if listed is None or not listed.is_active_lead or listed.public != lead:
        raise InviteError("the inviting device is not an active lead of the team")
    _check_not_expired(body["expires_at"], now)
    return Invitation(
        invitation_id=invitation_id,
        team_id=roster.team_id,
        team_name=roster.team_name,
        roster=roster,
        lead=lead,
        created_at=body["created_at"],
        expires_at=body["expires_at"],
        request_key=_request_key(master, invitation_id),
    )


# -- join request ------------------------------------------------------------------------------


def _members(value: object) -> tuple[JoinMember, ...]:
    if not isinstance(value, list) or len(value) > limits.MAX_MEMBERS_PER_DEVICE:
        raise InviteError(f"a join request lists at most {limits.MAX_MEMBERS_PER_DEVICE} members")
    members = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"name", "role", "badge"}:
            raise InviteError("a member entry needs name, role and badge")
        try:
            name = check_name(item["name"], "member name")
        except MalformedSyncData as exc:
            raise InviteError(str(exc)) from None
        if item["role"] not in MEMBER_ROLES:
            raise InviteError(f"a member role is one of {', '.join(MEMBER_ROLES)}")
        badge = item["badge"]
        if not isinstance(badge, str) or len(badge) > limits.MAX_NAME_CHARS:
            raise InviteError("a member badge is text")
        members.append(JoinMember(name=name, role=item["role"], badge=badge))
    return tuple(members)


def _device_fields(name: object, code: object) -> tuple[str, str]:
    try:
        checked = check_name(name, "device name")
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise InviteError("a device code is three capital letters or digits")
    return checked, code


def make_join_request(
    invitation: Invitation,
    device: DeviceKeys,
    *,
    device_name: str,
    device_code: str,
    members: list[dict[str, str]],
    now: str | None = None,
) -> bytes:
    """The file the joining laptop hands back to the lead."""
    name, code = _device_fields(device_name, device_code)
    checked_members = _members(members)
    if invitation.roster.device(device.device_id) is not None:
        raise InviteError("this device is already in the team's roster")
    if any(d.code == code for d in invitation.roster.devices):
        raise InviteError(f"device code {code} is already used in this team; choose another")
    _check_not_expired(invitation.expires_at, now)
    nonce = secrets.token_bytes(NONCE_BYTES)
    header = canonical_json(
        {
            "format": [FORMAT_MAJOR, FORMAT_MINOR],
            "invitation_id": invitation.invitation_id,
            "device": device.public().to_json(),
            "nonce": b64(nonce),
        }
    )
    prefix = _PREFIX.pack(JOIN_MAGIC, len(header)) + header
    body = canonical_json(
        {
            "invitation_id": invitation.invitation_id,
            "team_id": invitation.team_id,
            "device_name": name,
            "device_code": code,
            "members": [m.to_json() for m in checked_members],
            "created_at": _now(now),
        }
    )
    ciphertext = AESGCM(invitation.request_key).encrypt(nonce, body, prefix)
    signed = prefix + _U32.pack(len(ciphertext)) + ciphertext
    return signed + device.sign(JOIN_SIGNATURE_CONTEXT + signed)


@_refusing("join request")
def open_join_request(
    data: bytes, secret: InvitationSecret, *, now: str | None = None
) -> JoinRequest:
    """Open a join request with the lead's stored invitation secret. Show the lead
    ``request.device.fingerprint()`` to compare with the officer before approving."""
    header, prefix, end = _split(data, JOIN_MAGIC, "join request")
    if set(header) != {"format", "invitation_id", "device", "nonce"}:
        raise InviteError("join request header has unexpected fields")
    if len(data) < end + _U32.size + SIGNATURE_BYTES:
        raise InviteError("truncated join request")
    (clen,) = _U32.unpack_from(data, end)
    total = end + _U32.size + clen + SIGNATURE_BYTES
    if total > len(data):
        raise InviteError("truncated join request")
    if total < len(data):
        raise InviteError("unexpected bytes after the join request's signature")
    if clen < TAG_BYTES:
        raise InviteError("truncated join request")
    try:
        device = DevicePublic.from_json(header["device"])
        nonce = unb64(header["nonce"], length=NONCE_BYTES, what="nonce")
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    if header["invitation_id"] != secret.invitation_id:
        raise InviteError("this join request answers another invitation")
    _check_not_expired(secret.expires_at, now)
    body_end = len(data) - SIGNATURE_BYTES
    # Signature first (the device holds its key), then the request key (its maker knew the
    # passphrase); only then is anything inside parsed.
    if not device.verify(bytes(data[body_end:]), JOIN_SIGNATURE_CONTEXT + bytes(data[:body_end])):
        raise InviteError("the join request's signature does not verify (altered or forged)")
    try:
        plain = AESGCM(secret.request_key).decrypt(
            nonce, bytes(data[end + _U32.size : body_end]), prefix
        )
    except InvalidTag:
        raise InviteError(
            "the join request was not made with this invitation's passphrase, or was altered"
        ) from None
    body = _parse_body(plain, "join request")
    keys = {"invitation_id", "team_id", "device_name", "device_code", "members", "created_at"}
    if set(body) != keys:
        raise InviteError("join request content has unexpected fields")
    if body["invitation_id"] != secret.invitation_id or body["team_id"] != secret.team_id:
        raise InviteError("the join request is for another invitation or team")
    name, code = _device_fields(body["device_name"], body["device_code"])
    try:
        parse_time(body["created_at"], "creation time")
    except MalformedSyncData as exc:
        raise InviteError(str(exc)) from None
    return JoinRequest(
        invitation_id=secret.invitation_id,
        team_id=secret.team_id,
        device=device,
        device_name=name,
        device_code=code,
        members=_members(body["members"]),
        created_at=body["created_at"],
    )
