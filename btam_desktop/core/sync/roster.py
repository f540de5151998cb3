"""The team roster: the lead-signed list of devices a laptop trusts, which travels in bundles.

A roster lists every device ever enrolled (revoked ones stay, so their bundles are refused as
"revoked", not "unknown"), with its keys, laptop name, three-character device code (unique, it
is part of case numbers), role (``lead`` or ``member``) and status. Each new version is signed
with Ed25519 by a device that is an active lead in the version it replaces.

Trust rules (:func:`verify_roster`): the signature is checked with the issuer's key *as the
trusted roster knows it*; versions only go up; one version with two contents is a conflict;
devices are never dropped, keys and codes never change, a revoked device never comes back; and
there is always at least one active lead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.ids import new_id
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
    unb64,
    utc_now,
)

ROSTER_FORMAT = 1
LEAD = "lead"
MEMBER = "member"
ROLES = (LEAD, MEMBER)
ACTIVE = "active"
REVOKED = "revoked"
STATUSES = (ACTIVE, REVOKED)
SCOPES = ("all", "assigned")
CODE_RE = re.compile(r"^[A-Z0-9]{3}$")
# Domain separation: the same device key signs bundles and join requests too.
SIGNATURE_CONTEXT = b"btam-roster-signature/1\x00"
_MAX_VERSION = 2**31 - 1


class RosterRejected(InvalidInput):
    """A roster (or a change to one) that is refused, with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"roster rejected: {reason}")
        self.reason = reason


def check_name(value: object, what: str) -> str:
    """A display name: 1..MAX_NAME_CHARS characters, no control characters."""
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= limits.MAX_NAME_CHARS
        or not value.strip()
        or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)
    ):
        raise MalformedSyncData(f"{what} must be 1-{limits.MAX_NAME_CHARS} printable characters")
    return value


@dataclass(frozen=True)
class RosterDevice:
    """One enrolled device (laptop)."""

    device_id: str
    name: str
    code: str
    public: DevicePublic
    role: str
    status: str
    added_at: str
    revoked_at: str | None = None
    # Need to know: "assigned" limits what this laptop receives to the cases its members are
    # assigned to (plus the partner directory, forms and the roster); "all" is the whole file.
    scope: str = "all"

    def __post_init__(self) -> None:
        try:
            check_id(self.device_id, "device id")
            check_name(self.name, "device name")
            parse_time(self.added_at, "added_at")
            if self.revoked_at is not None:
                parse_time(self.revoked_at, "revoked_at")
        except MalformedSyncData as exc:
            raise RosterRejected(str(exc)) from None
        if self.public.device_id != self.device_id:
            raise RosterRejected("a device's keys belong to another device id")
        if not isinstance(self.code, str) or not CODE_RE.match(self.code):
            raise RosterRejected("a device code is three capital letters or digits")
        if self.role not in ROLES:
            raise RosterRejected("a device role is lead or member")
        if self.status not in STATUSES:
            raise RosterRejected("a device status is active or revoked")
        if self.scope not in SCOPES:
            raise RosterRejected("a device's scope is all or assigned")
        if (self.status == REVOKED) != (self.revoked_at is not None):
            raise RosterRejected("a revoked device (and only one) has a revocation time")

    @property
    def is_active_lead(self) -> bool:
        """True for an active device with the lead role."""
        return self.status == ACTIVE and self.role == LEAD

    def to_json(self) -> dict[str, Any]:
        """Serialisable form (part of the signed roster body)."""
        return {
            "device_id": self.device_id,
            "name": self.name,
            "code": self.code,
            "sign_public": b64(self.public.sign_public),
            "kem_public": b64(self.public.kem_public),
            "role": self.role,
            "status": self.status,
            "added_at": self.added_at,
            "revoked_at": self.revoked_at,
            "scope": self.scope,
        }

    @classmethod
    def from_json(cls, data: object) -> RosterDevice:
        """Inverse of :meth:`to_json`; RosterRejected on anything malformed."""
        keys = {"device_id", "name", "code", "sign_public", "kem_public", "role", "status",
                "added_at", "revoked_at", "scope"}
        if not isinstance(data, dict) or set(data) != keys:
            raise RosterRejected("malformed device entry")
        if not isinstance(data["scope"], str):
            raise RosterRejected("malformed device entry")
        try:
            public = DevicePublic.from_json(data)
        except MalformedSyncData as exc:
            raise RosterRejected(str(exc)) from None
        return cls(
            device_id=public.device_id,
            name=data["name"],
            code=data["code"],
            public=public,
            role=data["role"],
            status=data["status"],
            added_at=data["added_at"],
            revoked_at=data["revoked_at"],
            scope=data["scope"],
        )


@dataclass(frozen=True)
class Roster:
    """One signed version of a team's roster. Devices are kept sorted by id, so two rosters
    with the same content compare equal whatever order they were listed in."""

    team_id: str
    team_name: str
    version: int
    devices: tuple[RosterDevice, ...]
    issued_by: str
    issued_at: str
    signature: bytes = field(default=b"")

    def __post_init__(self) -> None:
        object.__setattr__(self, "devices", tuple(sorted(self.devices, key=lambda d: d.device_id)))
        try:
            check_id(self.team_id, "team id")
            check_name(self.team_name, "team name")
            check_id(self.issued_by, "issuer")
            parse_time(self.issued_at, "issued_at")
        except MalformedSyncData as exc:
            raise RosterRejected(str(exc)) from None
        if type(self.version) is not int or not 1 <= self.version <= _MAX_VERSION:
            raise RosterRejected("roster version must be a positive integer")
        if not 1 <= len(self.devices) <= limits.MAX_ROSTER_DEVICES:
            raise RosterRejected(f"a roster lists 1..{limits.MAX_ROSTER_DEVICES} devices")
        ids = [d.device_id for d in self.devices]
        if len(set(ids)) != len(ids):
            raise RosterRejected("a device is listed twice")
        codes = [d.code for d in self.devices]
        if len(set(codes)) != len(codes):
            raise RosterRejected("two devices share a device code")
        if not any(d.is_active_lead for d in self.devices):
            raise RosterRejected("a roster needs at least one active lead")
        if self.issued_by not in ids:
            raise RosterRejected("the issuing device is not in the roster")

    # -- lookups -------------------------------------------------------------------------------

    def device(self, device_id: str) -> RosterDevice | None:
        """The entry for ``device_id`` (active or revoked), if listed."""
        return next((d for d in self.devices if d.device_id == device_id), None)

    def active_devices(self) -> tuple[RosterDevice, ...]:
        """Devices whose bundles are accepted."""
        return tuple(d for d in self.devices if d.status == ACTIVE)

    def leads(self) -> tuple[RosterDevice, ...]:
        """Active lead devices (who may sign the next roster)."""
        return tuple(d for d in self.devices if d.is_active_lead)

    # -- signing -------------------------------------------------------------------------------

    def body(self) -> dict[str, Any]:
        """Everything but the signature, as signed."""
        return {
            "format": ROSTER_FORMAT,
            "team_id": self.team_id,
            "team_name": self.team_name,
            "version": self.version,
            "devices": [d.to_json() for d in self.devices],
            "issued_by": self.issued_by,
            "issued_at": self.issued_at,
        }

    def signing_bytes(self) -> bytes:
        """The exact bytes the issuer signs: context string + canonical JSON of :meth:`body`."""
        return SIGNATURE_CONTEXT + canonical_json(self.body())

    def same_content(self, other: Roster) -> bool:
        """True when both rosters have identical signed content."""
        return self.signing_bytes() == other.signing_bytes()

    def _successor(
        self, devices: list[RosterDevice], by: DeviceKeys, at: str | None
    ) -> Roster:
        issuer = self.device(by.device_id)
        # The signer must be an active lead *now*, with the keys this roster knows for it.
        if issuer is None or not issuer.is_active_lead or issuer.public != by.public():
            raise RosterRejected("only an active lead device can sign the roster")
        unsigned = Roster(
            team_id=self.team_id,
            team_name=self.team_name,
            version=self.version + 1,
            devices=tuple(devices),
            issued_by=by.device_id,
            issued_at=at or utc_now(),
        )
        return replace(unsigned, signature=by.sign(unsigned.signing_bytes()))

    def signed_by(self, keys: DeviceKeys, *, at: str | None = None) -> Roster:
        """The same devices as the next version, signed by ``keys`` (an active lead)."""
        return self._successor(list(self.devices), keys, at)

    def with_device(
        self,
        public: DevicePublic,
        *,
        name: str,
        code: str,
        by: DeviceKeys,
        role: str = MEMBER,
        at: str | None = None,
    ) -> Roster:
        """The next version with a newly approved device. A device id is enrolled only once:
        a revoked laptop that comes back joins with a new identity."""
        if self.device(public.device_id) is not None:
            raise RosterRejected("this device is already in the roster")
        if any(d.code == code for d in self.devices):
            raise RosterRejected(f"device code {code} is already used in this team")
        when = at or utc_now()
        device = RosterDevice(
            device_id=public.device_id,
            name=name,
            code=code,
            public=public,
            role=role,
            status=ACTIVE,
            added_at=when,
        )
        return self._successor([*self.devices, device], by, when)

    def revoked(self, device_id: str, *, by: DeviceKeys, at: str | None = None) -> Roster:
        """The next version with ``device_id`` revoked (its later bundles are refused)."""
        current = self._require(device_id)
        if current.status == REVOKED:
            raise RosterRejected("this device is already revoked")
        when = at or utc_now()
        changed = replace(current, status=REVOKED, revoked_at=when)
        return self._successor(self._replacing(changed), by, when)

    def with_role(
        self, device_id: str, role: str, *, by: DeviceKeys, at: str | None = None
    ) -> Roster:
        """The next version with ``device_id`` given ``role`` (name a second lead, hand over)."""
        current = self._require(device_id)
        if current.status == REVOKED:
            raise RosterRejected("a revoked device cannot be given a role")
        if role not in ROLES:
            raise RosterRejected("a device role is lead or member")
        # A lead device holds the whole case file.
        scope = "all" if role == LEAD else current.scope
        return self._successor(self._replacing(replace(current, role=role, scope=scope)),
                               by, at)

    def with_scope(
        self, device_id: str, scope: str, *, by: DeviceKeys, at: str | None = None
    ) -> Roster:
        """The next version with ``device_id`` limited to its assigned cases, or not."""
        current = self._require(device_id)
        if scope not in SCOPES:
            raise RosterRejected("a device's scope is all or assigned")
        if current.role == LEAD and scope != "all":
            raise RosterRejected("a lead device always holds the whole case file")
        return self._successor(self._replacing(replace(current, scope=scope)), by, at)

    def _require(self, device_id: str) -> RosterDevice:
        device = self.device(device_id)
        if device is None:
            raise RosterRejected("no such device in the roster")
        return device

    def _replacing(self, changed: RosterDevice) -> list[RosterDevice]:
        return [changed if d.device_id == changed.device_id else d for d in self.devices]

    # -- serialisation -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The signed roster as it travels (body plus base64 signature)."""
        return {**self.body(), "signature": b64(self.signature)}

    @classmethod
    def from_json(cls, data: object) -> Roster:
        """Inverse of :meth:`to_json`. Checks structure only; call :func:`verify_roster`."""
        keys = {"format", "team_id", "team_name", "version", "devices", "issued_by",
                "issued_at", "signature"}
        if not isinstance(data, dict):
            raise RosterRejected("malformed roster")
        if data.get("format") != ROSTER_FORMAT:
            fmt = data.get("format")
            if type(fmt) is int and fmt > ROSTER_FORMAT:
                raise RosterRejected("roster format is newer: update BTAM Desktop")
            raise RosterRejected("malformed roster")
        if set(data) != keys or not isinstance(data["devices"], list):
            raise RosterRejected("malformed roster")
        if len(data["devices"]) > limits.MAX_ROSTER_DEVICES:
            raise RosterRejected(f"a roster lists 1..{limits.MAX_ROSTER_DEVICES} devices")
        try:
            signature = unb64(data["signature"], length=SIGNATURE_BYTES, what="signature")
        except MalformedSyncData as exc:
            raise RosterRejected(str(exc)) from None
        return cls(
            team_id=data["team_id"],
            team_name=data["team_name"],
            version=data["version"],
            devices=tuple(RosterDevice.from_json(d) for d in data["devices"]),
            issued_by=data["issued_by"],
            issued_at=data["issued_at"],
            signature=signature,
        )


def new_roster(
    team_name: str,
    lead: DeviceKeys,
    lead_name: str,
    lead_code: str,
    *,
    team_id: str | None = None,
    at: str | None = None,
) -> Roster:
    """Version 1 of a new team's roster: the lead's device alone, self-signed."""
    when = at or utc_now()
    device = RosterDevice(
        device_id=lead.device_id,
        name=lead_name,
        code=lead_code,
        public=lead.public(),
        role=LEAD,
        status=ACTIVE,
        added_at=when,
    )
    unsigned = Roster(
        team_id=team_id or new_id(),
        team_name=team_name,
        version=1,
        devices=(device,),
        issued_by=lead.device_id,
        issued_at=when,
    )
    return replace(unsigned, signature=lead.sign(unsigned.signing_bytes()))


def verify_self_signed(roster: Roster) -> None:
    """The roster's signature verifies with its issuer's key *as listed in the roster itself*,
    and that issuer is an active lead in it. This is only self-consistency: it proves nothing
    about who the issuer is (the invitation passphrase and the fingerprint read aloud do)."""
    issuer = roster.device(roster.issued_by)
    if issuer is None or not issuer.is_active_lead:
        raise RosterRejected("signed by a device that is not an active lead")
    if not issuer.public.verify(roster.signature, roster.signing_bytes()):
        raise RosterRejected("the signature does not verify")


def verify_roster(new: Roster, trusted: Roster | None) -> None:
    """Accept ``new`` against the roster this laptop already trusts, or raise RosterRejected.

    Returns quietly for a roster that is already known (same version, same content).
    """
    if trusted is None:
        # Nothing to check against: only a team's very first roster may be taken this way.
        if new.version != 1:
            raise RosterRejected("no trusted roster to check this version against")
        if len(new.devices) != 1:
            raise RosterRejected("a first roster lists only its lead")
        verify_self_signed(new)
        return
    if new.team_id != trusted.team_id:
        raise RosterRejected("the roster is for another team")
    # The key comes from the trusted roster: a new roster cannot vouch for its own signer.
    issuer = trusted.device(new.issued_by)
    if issuer is None or not issuer.is_active_lead:
        raise RosterRejected("signed by a device that is not an active lead")
    if not issuer.public.verify(new.signature, new.signing_bytes()):
        raise RosterRejected("the signature does not verify")
    if new.version < trusted.version:
        raise RosterRejected(
            f"older roster (version {new.version}; this laptop has version {trusted.version})"
        )
    if new.version == trusted.version:
        if new.same_content(trusted):
            return
        raise RosterRejected(f"conflicting rosters (two different versions {new.version})")
    for old in trusted.devices:
        current = new.device(old.device_id)
        if current is None:
            raise RosterRejected("a device was dropped (devices are revoked, never removed)")
        if current.public != old.public:
            raise RosterRejected("a device's keys were changed")
        if current.code != old.code:
            raise RosterRejected("a device code was changed")
        if old.status == REVOKED and current.status != REVOKED:
            raise RosterRejected("a revoked device was reinstated")


def verify_chain(rosters: Iterable[Roster], trusted: Roster | None) -> Roster:
    """Accept several versions in order (lowest first) and return the newest now trusted.

    A laptop that missed a version may not be able to check the next one on its own (it may be
    signed by a lead that version named), so bundles should carry every roster version the
    recipient has not acknowledged; this checks each against the one before it. A version
    older than ``trusted`` is refused as a rollback, so pass only the same or newer ones.
    """
    current = trusted
    for roster in sorted(rosters, key=lambda r: r.version):
        verify_roster(roster, current)
        current = roster
    if current is None:
        raise RosterRejected("no roster to trust")
    return current
