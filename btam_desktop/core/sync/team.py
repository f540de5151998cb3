"""This laptop's place in a team: its device keys, the roster it trusts, the invitations a
lead hands out and the join requests that come back.

Setting up a team (see docs/bundle-format.md for the files):

1. A lead runs ``team create``: this laptop becomes the team's first lead device (a signed
   roster, version 1).
2. ``team invite`` writes an invitation file protected by a one-time passphrase that the lead
   tells the officer in person or by phone.
3. On the officer's laptop ``team join`` opens it with that passphrase, trusts the roster in
   it, and writes a join request (this laptop's public keys, device code, members).
4. The lead runs ``team approve`` on the request after comparing the fingerprint the officer
   reads out; the next roster version lists the new laptop and reaches everyone in bundles.

Device keys live inside the encrypted vault (``sync_identity``): a stolen laptop without a
passphrase opens no bundle, and one laptop's keys open only bundles sealed to it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from btam_desktop.core import audit, handed
from btam_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from btam_desktop.core.fileio import atomic_writer
from btam_desktop.core.ids import new_device_code
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.session import Session
from btam_desktop.core.sync import invite as invite_mod
from btam_desktop.core.sync import leadsig, limits
from btam_desktop.core.sync.identity import DeviceKeys, DevicePublic
from btam_desktop.core.sync.roster import (
    LEAD,
    ROLES,
    Roster,
    RosterDevice,
    RosterRejected,
    new_roster,
    verify_chain,
    verify_self_signed,
)

__all__ = ["LEAD", "RosterRejected"]
INVITE_DAYS = 7


# -- identity ---------------------------------------------------------------------------------
def device_keys(session: Session) -> DeviceKeys:
    """This laptop's key pairs (made on first use, kept inside the encrypted vault)."""
    text = session.db.scalar("SELECT keys FROM sync_identity WHERE id = 1")
    if text is not None:
        return DeviceKeys.from_json(json.loads(text))
    keys = DeviceKeys.generate(session.device_id)
    with session.operation("device.keys") as op:
        session.db.execute(
            "INSERT INTO sync_identity (id, keys, created_at) VALUES (1, ?, ?)",
            (json.dumps(keys.to_json()), audit.utc_now()))
        op.audit("device.keys", "device", session.device_id)
    return keys


def device_public(session: Session) -> DevicePublic:
    """This laptop's public keys (what others seal bundles to and check signatures with)."""
    return device_keys(session).public()


def device_info(session: Session) -> dict[str, Any]:
    """What ``btam device show`` prints: no secret."""
    public = device_public(session)
    current = roster(session)
    entry = current.device(session.device_id) if current else None
    return {
        "device_id": session.device_id, "code": session.device_code,
        "fingerprint": public.fingerprint(),
        "team": current.team_name if current else None,
        "team_id": current.team_id if current else None,
        "role": entry.role if entry else None, "status": entry.status if entry else None,
        "name": entry.name if entry else default_device_name(session),
    }


def default_device_name(session: Session) -> str:
    """A label for this laptop in the roster (no case content)."""
    return f"Laptop {session.device_code} ({session.actor_name})"


# -- roster ---------------------------------------------------------------------------------
def roster_chain(session: Session) -> list[Roster]:
    """Every roster version this laptop has accepted, oldest first."""
    text = session.db.scalar("SELECT roster FROM sync_team WHERE id = 1")
    if text is None:
        return []
    return [Roster.from_json(item) for item in json.loads(text)]


def roster(session: Session) -> Roster | None:
    """The newest trusted roster, or None before this laptop is in a team."""
    chain = roster_chain(session)
    return chain[-1] if chain else None


def require_roster(session: Session) -> Roster:
    """The roster, or a plain message about what to do first."""
    current = roster(session)
    if current is None:
        raise InvalidInput("this laptop is not in a team yet: a team lead runs `btam team"
                           " create`, others join with an invitation (`btam team join`)")
    return current


def _store_chain(session: Session, chain: list[Roster]) -> None:
    session.db.execute(
        "INSERT INTO sync_team (id, roster, updated_at) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET roster = excluded.roster,"
        " updated_at = excluded.updated_at",
        (json.dumps([r.to_json() for r in chain]), audit.utc_now()))


def chain_json(session: Session) -> dict[str, Any]:
    """The roster as it travels in bundles: every version, so a laptop that missed one can
    still follow the signatures from the version it trusts."""
    return {"chain": [r.to_json() for r in roster_chain(session)]}


def adopt_roster(session: Session, doc: dict[str, Any]) -> bool:
    """Take newer roster versions from a bundle (inside the import's operation); True when
    the roster changed. Anything not signed by a lead this laptop trusts refuses the bundle."""
    items = doc.get("chain")
    if not isinstance(items, list) or not items or len(items) > 1000:
        raise RosterRejected("the bundle's roster is malformed")
    incoming = [Roster.from_json(item) for item in items]
    chain = roster_chain(session)
    current = chain[-1] if chain else None
    if current is None:
        raise RosterRejected("this laptop has no roster to check the bundle's roster against")
    newer = sorted((r for r in incoming if r.version > current.version),
                   key=lambda r: r.version)
    for same in (r for r in incoming if r.version == current.version):
        if not same.same_content(current):
            raise RosterRejected(f"conflicting rosters (two different versions {same.version})")
    if not newer:
        return False
    newest = verify_chain(newer, current)
    kept = [r for r in newer if r.version <= newest.version]
    _store_chain(session, [*chain, *kept])
    return True


def lead_refusal(session: Session) -> str | None:
    """Why this laptop may not do what only a team lead does for the whole team (purge
    records, settle conflicts), or None when it may.

    Every vault has a lead of its own (the first member of an officer's vault is one), so the
    vault role alone says nothing about the team: on a laptop in a team, the roster decides.
    A vault with no team is its own authority, as before teams existed."""
    if session.role != LEAD:
        return "only a team lead may do this"
    current = roster(session)
    if current is None:
        return None
    me = current.device(session.device_id)
    if me is not None and me.is_active_lead:
        return None
    return (f"this laptop is a member laptop of team {current.team_name}, not a lead laptop:"
            " purging records and settling conflicts are done on a lead laptop of the team"
            " (a lead's changes reach this laptop with the next bundle)")


def is_team_lead(session: Session) -> bool:
    """Whether purges and conflict resolutions may be made here (see :func:`lead_refusal`)."""
    return lead_refusal(session) is None


OWN_LAPTOP_LEAD = "lead of their own laptop, not of the team"


def member_roles(session: Session) -> dict[str, str]:
    """member id -> the role to show for each member of this vault.

    A member record made on another laptop arrives with the role it has in *that* laptop's
    vault, and every officer's vault has a lead of its own: "lead" from another laptop means
    a team lead only when the roster lists that laptop as an active lead device; otherwise it
    is shown as :data:`OWN_LAPTOP_LEAD`. Members of this laptop, and every member of a vault
    with no team, keep their stored role."""
    rows = session.db.query("SELECT id, role, device_id FROM members")
    current = roster(session)
    local = session.local_member_ids()
    leads = set() if current is None else {d.device_id for d in current.leads()}
    shown: dict[str, str] = {}
    for row in rows:
        role = str(row["role"])
        if (current is not None and role == LEAD and str(row["id"]) not in local
                and str(row["device_id"]) not in leads):
            role = OWN_LAPTOP_LEAD
        shown[str(row["id"])] = role
    return shown


# -- team set-up ------------------------------------------------------------------------------
def _require_lead_device(session: Session) -> tuple[Roster, DeviceKeys]:
    if session.role != "lead":
        raise PermissionDenied("only a team lead may change the team")
    current = require_roster(session)
    keys = device_keys(session)
    me = current.device(session.device_id)
    if me is None or not me.is_active_lead:
        raise PermissionDenied("this laptop is not a lead device of the team")
    return current, keys


def create_team(session: Session, name: str, *, device_name: str | None = None) -> Roster:
    """Make this laptop the first lead device of a new team."""
    if session.role != "lead":
        raise PermissionDenied("only a team lead may create a team")
    name = name.strip()
    if not name:
        raise InvalidInput("a team needs a name")
    if roster(session) is not None:
        raise InvalidInput("this laptop is already in a team")
    keys = device_keys(session)
    first = new_roster(name, keys, device_name or default_device_name(session),
                       session.device_code)
    with session.operation("team.create") as op:
        _store_chain(session, [first])
        # The purges, resolutions and reviews this vault made on its own before it had a
        # device key are now the team lead's: signed, so that they count when relayed.
        signed = leadsig.sign_own_unsigned(session.db, keys)
        op.audit("team.create", "team", first.team_id, signed_changes=signed)
    return first


def invite(session: Session, out: Path, passphrase: str, *, days: int = INVITE_DAYS,
           kdf: KdfParams | None = None, overwrite: bool = False) -> invite_mod.InvitationSecret:
    """Write an invitation file for a new laptop (leads); the passphrase is told, not sent."""
    current, keys = _require_lead_device(session)
    out = Path(out)
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists; choose another name")
    if not 1 <= days <= 30:
        raise InvalidInput("an invitation is valid for 1 to 30 days")
    expires = (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    data, secret = invite_mod.make_invitation(current, keys, passphrase, expires_at=expires,
                                              kdf=kdf)
    with atomic_writer(out) as handle:
        handle.write(data)
        with session.operation("team.invite") as op:
            session.db.execute(
                "INSERT INTO sync_invitations (invitation_id, secret, expires_at, created_at)"
                " VALUES (?, ?, ?, ?)",
                (secret.invitation_id, json.dumps(secret.to_json()), secret.expires_at,
                 audit.utc_now()))
            op.audit("team.invite", "team", current.team_id, invitation=secret.invitation_id,
                     expires_at=secret.expires_at)
    return secret


def _read_small(path: Path, what: str) -> bytes:
    """An invitation or join request: never more than the format allows is read (a pipe is
    refused without waiting, a device or a growing file at limit + 1 bytes)."""
    try:
        return handed.read_handed(path, limits.MAX_INVITE_BYTES)
    except handed.HandedFileTooLarge:
        raise InvalidInput(f"{path.name} is too large to be a BTAM {what}") from None
    except FileNotFoundError:
        raise InvalidInput(f"no file at {path}") from None


def _require_may_join(session: Session) -> None:
    """A lead's or an officer's laptop, not yet in a team."""
    if session.role not in ("lead", "officer"):
        raise PermissionDenied("your role cannot join this laptop to a team")
    if roster(session) is not None:
        raise InvalidInput("this laptop is already in a team")


def open_invitation_file(session: Session, invitation: Path, passphrase: str
                         ) -> invite_mod.Invitation:
    """Whether this laptop can join with this invitation and passphrase, before anything is
    written: the role, not yet in a team, the file opens with the passphrase (a wrong one, an
    expired, altered or not self-consistent invitation is refused). The app asks where to
    save the join request only after this; :func:`join` takes what it returns."""
    _require_may_join(session)
    opened = invite_mod.open_invitation(_read_small(Path(invitation), "invitation"), passphrase)
    verify_self_signed(opened.roster)
    return opened


def join(session: Session, invitation: Path, passphrase: str, out: Path, *,
         device_name: str | None = None, overwrite: bool = False,
         opened: invite_mod.Invitation | None = None) -> invite_mod.Invitation:
    """Open an invitation, trust its roster, and write the join request for the lead
    (``opened``: what :func:`open_invitation_file` returned for this file and passphrase, so
    the passphrase's key derivation is not paid twice)."""
    _require_may_join(session)
    out = Path(out)
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists; choose another name")
    if opened is None:
        opened = open_invitation_file(session, invitation, passphrase)
    taken = {d.code for d in opened.roster.devices}
    if session.device_code in taken:
        has_cases = session.db.scalar("SELECT 1 FROM cases WHERE number LIKE ? LIMIT 1",
                                      (f"%-{session.device_code}",))
        if has_cases:
            raise InvalidInput(
                f"this laptop's device code {session.device_code} is already used in the team"
                " and its cases carry it; ask the lead (the code cannot change now)")
        new_code = new_device_code(taken)
    else:
        new_code = session.device_code
    keys = device_keys(session)
    local = session.local_member_ids()
    members = [{"name": m.name, "role": m.role, "badge": m.badge}
               for m in session.members() if m.id in local]
    request = invite_mod.make_join_request(
        opened, keys, device_name=device_name or default_device_name(session),
        device_code=new_code, members=members)
    with atomic_writer(out) as handle:
        handle.write(request)
        with session.operation("team.join") as op:
            if new_code != session.device_code:
                session.db.set_meta("device_code", new_code)
                session.device_code = new_code
            _store_chain(session, [opened.roster])
            op.audit("team.join", "team", opened.team_id, invitation=opened.invitation_id)
    return opened


def receive_request(session: Session, path: Path) -> invite_mod.JoinRequest:
    """Open a join request with the matching invitation's secret and keep it for approval."""
    _require_lead_device(session)
    data = _read_small(Path(path), "join request")
    last: Exception | None = None
    for row in session.db.query("SELECT secret FROM sync_invitations WHERE used_by IS NULL"):
        secret = invite_mod.InvitationSecret.from_json(json.loads(row[0]))
        try:
            request = invite_mod.open_join_request(data, secret)
        except invite_mod.InviteError as exc:
            last = exc
            continue
        with session.operation("team.request") as op:
            session.db.execute(
                "INSERT INTO sync_requests (device_id, request, received_at, status)"
                " VALUES (?, ?, ?, 'pending') ON CONFLICT (device_id) DO UPDATE SET"
                " request = excluded.request, received_at = excluded.received_at",
                (request.device.device_id, json.dumps(_request_json(request)),
                 audit.utc_now()))
            op.audit("team.request", "device", request.device.device_id)
        return request
    if last is not None and "another invitation" not in str(last):
        raise last
    raise InvalidInput("this join request does not answer any open invitation of this laptop")


def _request_json(request: invite_mod.JoinRequest) -> dict[str, Any]:
    return {"invitation_id": request.invitation_id, "device": request.device.to_json(),
            "device_name": request.device_name, "device_code": request.device_code,
            "members": [m.to_json() for m in request.members],
            "created_at": request.created_at}


def pending_requests(session: Session) -> list[dict[str, Any]]:
    """Join requests waiting for the lead, with the fingerprint to compare."""
    out = []
    for row in session.db.query(
            "SELECT request, received_at FROM sync_requests WHERE status = 'pending'"
            " ORDER BY received_at"):
        data = json.loads(row[0])
        public = DevicePublic.from_json(data["device"])
        out.append({**data, "device_id": public.device_id,
                    "fingerprint": public.fingerprint(), "received_at": row[1]})
    return out


def approve(session: Session, device_or_file: str, *, role: str = "member") -> Roster:
    """Add a laptop whose join request came in (a request file, or a device id/code already
    received) to the roster."""
    current, keys = _require_lead_device(session)
    if role not in ROLES:
        raise InvalidInput("a device role is lead or member")
    path = Path(device_or_file)
    if path.is_file():
        device_id = receive_request(session, path).device.device_id
    else:
        device_id = _pending_id(session, device_or_file)
    data = json.loads(session.db.scalar(
        "SELECT request FROM sync_requests WHERE device_id = ?", (device_id,)))
    public = DevicePublic.from_json(data["device"])
    new = current.with_device(public, name=data["device_name"], code=data["device_code"],
                              by=keys, role=role)
    with session.operation("team.approve") as op:
        _store_chain(session, [*roster_chain(session), new])
        session.db.execute("UPDATE sync_requests SET status = 'approved' WHERE device_id = ?",
                           (device_id,))
        session.db.execute("UPDATE sync_invitations SET used_by = ? WHERE invitation_id = ?",
                           (device_id, data["invitation_id"]))
        op.audit("team.approve", "device", device_id, role=role, roster=new.version)
    return new


def _names_device(key: str, device_id: str, code: str, name: str) -> bool:
    """Whether what the user typed names this device: its id, code or name, or six or more
    characters of its id, compared without regard to case (UUID ids may be typed in capitals;
    a short id's case matters, but :func:`_exactly` prefers the device it names exactly). Ids
    made within a few milliseconds share their start, so a shortened id is matched at either
    end."""
    wanted = key.strip().lower()
    device_id = device_id.lower()
    return wanted in (device_id, code.lower(), name.lower()) or (
        len(wanted) >= 6 and (device_id.startswith(wanted) or device_id.endswith(wanted)))


def _exactly(key: str, device_id: str, code: str) -> bool:
    """Whether ``key`` is this device's whole id as typed, or its code (any case)."""
    key = key.strip()
    return key == device_id or key.lower() == code.lower()


def find_request(session: Session, key: str) -> dict[str, Any]:
    """A pending join request named by its device id (or part of it), code or name; a key that
    names several says so rather than picking one."""
    found = [item for item in pending_requests(session)
             if _names_device(key, item["device_id"], item["device_code"], item["device_name"])]
    exact = [item for item in found
             if _exactly(key, item["device_id"], item["device_code"])]
    if exact:
        found = exact
    if len(found) > 1:
        raise InvalidInput(f"{key!r} names several join requests; give the device code")
    if not found:
        raise NotFound(f"no pending join request from {key!r}; give the request file")
    return found[0]


def _pending_id(session: Session, key: str) -> str:
    return str(find_request(session, key)["device_id"])


def decline(session: Session, device: str, reason: str = "") -> None:
    """Turn down a pending join request (a lead): it is kept, marked declined, and audited."""
    _require_lead_device(session)
    device_id = _pending_id(session, device)
    with session.operation("team.decline") as op:
        session.db.execute("UPDATE sync_requests SET status = 'declined' WHERE device_id = ?",
                           (device_id,))
        op.audit("team.decline", "device", device_id, reason=bool(reason))


def find_device(current: Roster, key: str) -> RosterDevice:
    """A roster device by id (or part of it), code or name."""
    matches = [d for d in current.devices if _names_device(key, d.device_id, d.code, d.name)]
    exact = [d for d in matches if _exactly(key, d.device_id, d.code)]
    if exact:
        matches = exact
    if not matches:
        raise NotFound(f"no device {key!r} in the team roster")
    if len(matches) > 1:
        raise InvalidInput(f"{key!r} names several devices; give its id")
    return matches[0]


def revoke(session: Session, device: str) -> Roster:
    """Revoke a laptop (lost, stolen, handed back): its later bundles are refused and nothing
    new is sealed to it."""
    current, keys = _require_lead_device(session)
    target = find_device(current, device)
    if target.device_id == session.device_id:
        raise InvalidInput("a lead cannot revoke its own laptop; hand the lead role over first")
    new = current.revoked(target.device_id, by=keys)
    with session.operation("team.revoke") as op:
        _store_chain(session, [*roster_chain(session), new])
        op.audit("team.revoke", "device", target.device_id, roster=new.version)
    return new


def set_role(session: Session, device: str, role: str) -> Roster:
    """Name a second lead device, or hand the lead role over."""
    current, keys = _require_lead_device(session)
    target = find_device(current, device)
    new = current.with_role(target.device_id, role, by=keys)
    if not new.leads():
        raise InvalidInput("a team always keeps at least one lead device")
    with session.operation("team.role") as op:
        _store_chain(session, [*roster_chain(session), new])
        op.audit("team.role", "device", target.device_id, role=role, roster=new.version)
    return new


def set_scope(session: Session, device: str, scope: str) -> Roster:
    """Limit a laptop to its members' assigned cases (``"assigned"``) or not (``"all"``);
    the change reaches every laptop with the roster, and the next bundle for that laptop
    withdraws the cases it may no longer hold."""
    current, keys = _require_lead_device(session)
    target = find_device(current, device)
    new = current.with_scope(target.device_id, scope, by=keys)
    with session.operation("team.scope") as op:
        _store_chain(session, [*roster_chain(session), new])
        op.audit("team.scope", "device", target.device_id, scope=scope, roster=new.version)
    return new


def export_groups(current: Roster, me: str, to: list[str] | None) -> list[list[RosterDevice]]:
    """Recipients grouped into bundles: the laptops that hold the whole file share one, each
    laptop limited to its assigned cases gets its own."""
    chosen = recipients(current, me, to, include_limited=True)
    whole = [d for d in chosen if d.scope != "assigned"]
    return ([whole] if whole else []) + [[d] for d in chosen if d.scope == "assigned"]


def recipients(current: Roster, me: str, to: list[str] | None, *,
               include_limited: bool = False) -> list[RosterDevice]:
    """The devices a bundle is sealed to: those named, or every other active device (by
    default not those limited to their assigned cases: they get bundles of their own)."""
    if to:
        chosen = [find_device(current, key) for key in to]
    else:
        chosen = [d for d in current.active_devices() if d.device_id != me
                  and (include_limited or d.scope != "assigned")]
    for device in chosen:
        if device.device_id == me:
            raise InvalidInput("a bundle is not sent to the laptop that writes it")
        if device.status != "active":
            raise InvalidInput(f"{device.name} has been revoked; nothing is sent to it")
    if not chosen:
        raise InvalidInput("the team has no other laptop yet: invite one first")
    return chosen

