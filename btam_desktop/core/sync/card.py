"""Team contact cards: how one team learns the lead devices of another before referring cases.

A card is a small signed JSON file (``.btamcard``) a team lead writes for partner teams::

    {"format": 1, "card_id": "<uuid>", "team_id": "<id>", "team_name": "...",
     "agency": "...", "leads": [{"device_id", "name", "sign_public", "kem_public"}, ...],
     "issued_by": "<device id of the signing lead>", "issued_at": "<UTC>",
     "expires_at": "<UTC>", "signature": "<b64 Ed25519>"}

``signature`` = Ed25519 over ``"btam-contact-card-signature/1" 0x00 || canonical JSON of every
field but the signature`` (leads sorted by device id), by a lead device listed on the card —
the same construction as the roster's, with its own context string so a card signature can
never be presented as a bundle, roster or join-request signature.

A card is self-signed: its signature only proves the file was not altered after a lead of that
team wrote it. Trust comes from the **card fingerprint** the two leads compare by phone
(:func:`card_fingerprint`: SHA-256 over a context string and the signed bytes, first 160 bits
in base32, eight groups of four characters like a device fingerprint). It covers everything
signed — team, agency, every key, issue and expiry — so a renewed card is compared again.

Withdrawal is **local**: the importing team marks a card withdrawn (audited) and its
referrals are refused from then on. A signed withdrawal notice was not chosen: the issuing
team does not know every team that imported its card, and an offline notice may never reach
them; a short expiry (default 180 days) and a phone call when a lead laptop is lost are the
dependable paths. A newer card of the same team (after a new fingerprint check) replaces the
one held.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from btam_desktop.core import audit, handed
from btam_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from btam_desktop.core.fileio import atomic_writer
from btam_desktop.core.ids import is_uuid, new_uuid
from btam_desktop.core.session import Session
from btam_desktop.core.sync import team
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
)
from btam_desktop.core.sync.roster import check_name

CARD_FORMAT = 1
SUFFIX = ".btamcard"
SIGNATURE_CONTEXT = b"btam-contact-card-signature/1\x00"
_FINGERPRINT_CONTEXT = b"btam-contact-card-fingerprint/1\x00"
MAX_CARD_BYTES = 64 * 1024
MAX_LEADS = 16
DEFAULT_DAYS = 180
MAX_DAYS = 730
_FIELDS = frozenset({"format", "card_id", "team_id", "team_name", "agency", "leads",
                     "issued_by", "issued_at", "expires_at", "signature"})


class CardRefused(InvalidInput):
    """A contact card that will not be imported, with the reason (exit 1)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"contact card refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class CardLead:
    """One lead device named on a card."""

    name: str
    public: DevicePublic

    def to_json(self) -> dict[str, Any]:
        """Serialisable form (part of the signed body)."""
        return {"name": self.name, **self.public.to_json()}


@dataclass(frozen=True)
class ContactCard:
    """A team's signed contact card."""

    card_id: str
    team_id: str
    team_name: str
    agency: str
    leads: tuple[CardLead, ...]
    issued_by: str
    issued_at: str
    expires_at: str
    signature: bytes = b""

    def body(self) -> dict[str, Any]:
        """Everything but the signature, as signed (leads sorted by device id)."""
        return {
            "format": CARD_FORMAT, "card_id": self.card_id, "team_id": self.team_id,
            "team_name": self.team_name, "agency": self.agency,
            "leads": [lead.to_json() for lead in
                      sorted(self.leads, key=lambda lead: lead.public.device_id)],
            "issued_by": self.issued_by, "issued_at": self.issued_at,
            "expires_at": self.expires_at,
        }

    def signing_bytes(self) -> bytes:
        """Context string + canonical JSON of :meth:`body`."""
        return SIGNATURE_CONTEXT + canonical_json(self.body())

    def to_json(self) -> dict[str, Any]:
        """The card file's JSON object."""
        return {**self.body(), "signature": b64(self.signature)}

    def to_bytes(self) -> bytes:
        """The card file (canonical JSON)."""
        return canonical_json(self.to_json())

    def fingerprint(self) -> str:
        """What the two leads compare by phone: 8 groups of 4 base32 characters."""
        digest = hashlib.sha256(_FINGERPRINT_CONTEXT + canonical_json(self.body())).digest()
        text = base64.b32encode(digest[:20]).decode("ascii")
        return "-".join(text[i : i + 4] for i in range(0, 32, 4))

    def lead(self, device_id: str) -> CardLead | None:
        """The lead device ``device_id`` if the card names it."""
        return next((x for x in self.leads if x.public.device_id == device_id), None)

    def expired(self, now: datetime | None = None) -> bool:
        """True once ``expires_at`` has passed."""
        return (now or datetime.now(UTC)) > parse_time(self.expires_at)

    def verify_signature(self) -> bool:
        """True when a lead listed on the card signed exactly this content."""
        signer = self.lead(self.issued_by)
        return signer is not None and signer.public.verify(self.signature,
                                                           self.signing_bytes())

    def summary(self) -> dict[str, Any]:
        """No keys: what listings show."""
        return {"card_id": self.card_id, "team_id": self.team_id, "team_name": self.team_name,
                "agency": self.agency, "issued_at": self.issued_at,
                "expires_at": self.expires_at, "fingerprint": self.fingerprint(),
                "leads": [{"device_id": x.public.device_id, "name": x.name,
                           "fingerprint": x.public.fingerprint()} for x in self.leads]}


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_card(keys: DeviceKeys, *, team_id: str, team_name: str, agency: str,
              leads: list[CardLead], days: int = DEFAULT_DAYS,
              now: datetime | None = None) -> ContactCard:
    """A card signed by ``keys`` (which must be one of ``leads``)."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"a contact card is valid for 1 to {MAX_DAYS} days")
    start = now or datetime.now(UTC)
    unsigned = ContactCard(
        card_id=new_uuid(), team_id=team_id, team_name=team_name, agency=agency,
        leads=tuple(sorted(leads, key=lambda lead: lead.public.device_id)),
        issued_by=keys.device_id, issued_at=_time(start),
        expires_at=_time(start + timedelta(days=days)))
    _check_card(unsigned)
    signer = unsigned.lead(keys.device_id)
    if signer is None or signer.public != keys.public():
        raise InvalidInput("a card is signed by one of the lead devices it lists")
    return replace(unsigned, signature=keys.sign(unsigned.signing_bytes()))


def _check_card(card: ContactCard) -> None:
    try:
        check_id(card.team_id, "team id")
        check_id(card.issued_by, "issuer")
        check_name(card.team_name, "team name")
        check_name(card.agency, "agency")
        for lead in card.leads:
            check_name(lead.name, "lead device name")
        issued, expires = parse_time(card.issued_at), parse_time(card.expires_at)
    except MalformedSyncData as exc:
        raise CardRefused(str(exc)) from None
    if not is_uuid(card.card_id):
        raise CardRefused("card_id is not a UUID")
    if not 1 <= len(card.leads) <= MAX_LEADS:
        raise CardRefused(f"a card lists 1..{MAX_LEADS} lead devices")
    if len({x.public.device_id for x in card.leads}) != len(card.leads):
        raise CardRefused("a lead device is listed twice")
    if expires <= issued:
        raise CardRefused("the card expires before it was issued")


def parse_card(data: bytes) -> ContactCard:
    """Read and check a card file: strict canonical JSON, every field, the signature.
    Expiry is the caller's check (listing an expired card is fine, trusting it is not)."""
    if len(data) > MAX_CARD_BYTES:
        raise CardRefused("file is too large to be a contact card")
    try:
        raw = strict_json_loads(data, allow_float=False)
    except (ValueError, RecursionError):
        raise CardRefused("not a BTAM contact card (not valid JSON)") from None
    if not isinstance(raw, dict):
        raise CardRefused("not a BTAM contact card")
    if raw.get("format") != CARD_FORMAT or type(raw.get("format")) is not int:
        raise CardRefused("unknown contact card format (update BTAM Desktop?)")
    if set(raw) != _FIELDS:
        raise CardRefused("the card's fields are not those of a BTAM contact card")
    leads_raw = raw["leads"]
    if not isinstance(leads_raw, list) or not all(isinstance(x, dict) for x in leads_raw):
        raise CardRefused("the card's lead devices are malformed")
    try:
        leads = []
        for item in leads_raw:
            if set(item) != {"name", "device_id", "sign_public", "kem_public"}:
                raise CardRefused("a lead device entry is malformed")
            public = DevicePublic.from_json(
                {k: item[k] for k in ("device_id", "sign_public", "kem_public")})
            leads.append(CardLead(name=item["name"], public=public))
        for key in ("card_id", "team_name", "agency", "issued_at", "expires_at"):
            if not isinstance(raw[key], str):
                raise CardRefused(f"{key} is not text")
        card = ContactCard(
            card_id=raw["card_id"], team_id=check_id(raw["team_id"], "team id"),
            team_name=raw["team_name"], agency=raw["agency"], leads=tuple(leads),
            issued_by=check_id(raw["issued_by"], "issuer"), issued_at=raw["issued_at"],
            expires_at=raw["expires_at"],
            signature=unb64(raw["signature"], length=SIGNATURE_BYTES, what="signature"))
    except MalformedSyncData as exc:
        raise CardRefused(str(exc)) from None
    _check_card(card)
    if card.to_bytes() != data.strip():
        raise CardRefused("the card is not in canonical form (altered?)")
    if not card.verify_signature():
        raise CardRefused("the signature does not verify: the card was altered or forged")
    return card


# -- this team's card ---------------------------------------------------------------------------
def own_card(session: Session, *, days: int = DEFAULT_DAYS, agency: str | None = None,
             now: datetime | None = None) -> ContactCard:
    """This team's card, naming the roster's active lead devices, signed by this laptop (a
    lead device)."""
    if session.role != "lead":
        raise PermissionDenied("only a team lead may publish the team's contact card")
    roster = team.require_roster(session)
    me = roster.device(session.device_id)
    if me is None or not me.is_active_lead:
        raise PermissionDenied("this laptop is not a lead device of the team")
    name = (agency or session.setting("agency") or "").strip() or roster.team_name
    leads = [CardLead(name=d.name, public=d.public) for d in roster.leads()]
    return make_card(team.device_keys(session), team_id=roster.team_id,
                     team_name=roster.team_name, agency=name, leads=leads, days=days, now=now)


def write_own_card(session: Session, out: Path, *, days: int = DEFAULT_DAYS,
                   agency: str | None = None, overwrite: bool = False) -> ContactCard:
    """Write this team's card to ``out`` (audited). A card holds no case data."""
    out = Path(out)
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name")
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists; choose another name")
    card = own_card(session, days=days, agency=agency)
    with atomic_writer(out) as handle:
        handle.write(card.to_bytes() + b"\n")
        with session.operation("referral.card.publish") as op:
            op.audit("referral.card.publish", "team", card.team_id, card=card.card_id,
                     expires_at=card.expires_at, fingerprint=card.fingerprint())
    return card


# -- other teams' cards -------------------------------------------------------------------------
def read_card_file(path: Path) -> ContactCard:
    """Parse a card file (nothing stored)."""
    path = Path(path)
    try:
        # Never blocks on a pipe (the app reads a card on its UI thread) nor reads a device
        # to the end.
        data = handed.read_handed(path, MAX_CARD_BYTES)
    except handed.HandedFileTooLarge:
        raise CardRefused("file is too large to be a contact card") from None
    except handed.HandedFileRefused as exc:
        raise CardRefused(str(exc)) from None
    except FileNotFoundError:
        raise CardRefused(f"no file at {path}") from None
    except IsADirectoryError:
        raise CardRefused(f"{path} is a folder") from None
    except OSError as exc:
        raise CardRefused(f"cannot read {path} ({exc.strerror})") from None
    return parse_card(data)


def import_card(session: Session, card: ContactCard, *, now: datetime | None = None) -> str:
    """Keep another team's card, once its fingerprint was compared by phone (the caller asks).
    Returns "imported", "replaced" or "unchanged"."""
    if session.role != "lead":
        raise PermissionDenied("only a team lead may import another team's contact card")
    own = team.require_roster(session)
    if card.team_id == own.team_id:
        raise CardRefused("this is your own team's card")
    if card.expired(now):
        raise CardRefused(f"the card expired on {card.expires_at}; ask for a new one")
    row = session.db.query_one("SELECT card, status FROM referral_cards WHERE team_id = ?",
                               (card.team_id,))
    result = "imported"
    if row is not None:
        held = parse_card(str(row["card"]).encode("utf-8"))
        if held.card_id == card.card_id and row["status"] == "active":
            return "unchanged"
        if parse_time(card.issued_at) < parse_time(held.issued_at):
            raise CardRefused("an older card than the one already held for this team")
        result = "replaced"
    with session.operation("referral.card.import") as op:
        session.db.execute(
            "INSERT INTO referral_cards (team_id, card_id, card, fingerprint, team_name,"
            " agency, issued_at, expires_at, imported_at, imported_by, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active') ON CONFLICT (team_id) DO UPDATE"
            " SET card_id = excluded.card_id, card = excluded.card,"
            " fingerprint = excluded.fingerprint, team_name = excluded.team_name,"
            " agency = excluded.agency, issued_at = excluded.issued_at,"
            " expires_at = excluded.expires_at, imported_at = excluded.imported_at,"
            " imported_by = excluded.imported_by, status = 'active', withdrawn_at = NULL,"
            " withdrawn_by = ''",
            (card.team_id, card.card_id, card.to_bytes().decode("utf-8"), card.fingerprint(),
             card.team_name, card.agency, card.issued_at, card.expires_at, audit.utc_now(),
             session.actor_name))
        op.audit("referral.card.import", "team", card.team_id, card=card.card_id,
                 fingerprint=card.fingerprint(), replaced=result == "replaced")
    return result


@dataclass(frozen=True)
class HeldCard:
    """Another team's card as this vault holds it."""

    card: ContactCard
    status: str
    imported_at: str
    imported_by: str
    withdrawn_at: str | None

    def state(self, now: datetime | None = None) -> str:
        """active, expired or withdrawn."""
        if self.status == "withdrawn":
            return "withdrawn"
        return "expired" if self.card.expired(now) else "active"

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {**self.card.summary(), "status": self.state(now),
                "imported_at": self.imported_at, "imported_by": self.imported_by,
                "withdrawn_at": self.withdrawn_at}


def _held(row: Any) -> HeldCard:
    return HeldCard(card=parse_card(str(row["card"]).encode("utf-8")), status=row["status"],
                    imported_at=row["imported_at"], imported_by=row["imported_by"],
                    withdrawn_at=row["withdrawn_at"])


def cards(session: Session) -> list[HeldCard]:
    """Other teams' cards this vault holds, by team name."""
    rows = session.db.query("SELECT * FROM referral_cards ORDER BY team_name, team_id")
    return [_held(r) for r in rows]


def held_card(session: Session, team_id: str) -> HeldCard | None:
    """The card held for ``team_id``, if any (any state)."""
    row = session.db.query_one("SELECT * FROM referral_cards WHERE team_id = ?", (team_id,))
    return _held(row) if row is not None else None


def find_card(session: Session, key: str) -> HeldCard:
    """A held card by team id, card id, team name or fingerprint (unique match)."""
    wanted = key.strip().lower()
    found = [c for c in cards(session) if wanted in (
        c.card.team_id.lower(), c.card.card_id.lower(), c.card.team_name.lower(),
        c.card.fingerprint().lower())]
    if not found:
        raise NotFound(f"no contact card for {key!r}; see `btam referral cards`")
    if len(found) > 1:
        raise InvalidInput(f"{key!r} names several teams; give the team id")
    return found[0]


def usable_card(session: Session, team_id: str, *, now: datetime | None = None) -> ContactCard:
    """The card of ``team_id`` if it is held, not withdrawn and not expired; else CardRefused
    naming which."""
    held = held_card(session, team_id)
    if held is None:
        raise CardRefused("unknown team: no contact card of that team has been imported")
    state = held.state(now)
    if state == "withdrawn":
        raise CardRefused(f"the contact card of {held.card.team_name} was withdrawn on"
                          f" {held.withdrawn_at}")
    if state == "expired":
        raise CardRefused(f"the contact card of {held.card.team_name} expired on"
                          f" {held.card.expires_at}; import a new one")
    return held.card


def withdraw_card(session: Session, key: str) -> HeldCard:
    """Stop trusting a team's card here (local, audited): its referrals and acknowledgements
    are refused from now on, and nothing is sent to it."""
    if session.role != "lead":
        raise PermissionDenied("only a team lead may withdraw a contact card")
    held = find_card(session, key)
    if held.status == "withdrawn":
        raise InvalidInput(f"the card of {held.card.team_name} is already withdrawn")
    with session.operation("referral.card.withdraw") as op:
        session.db.execute(
            "UPDATE referral_cards SET status = 'withdrawn', withdrawn_at = ?,"
            " withdrawn_by = ? WHERE team_id = ?",
            (audit.utc_now(), session.actor_name, held.card.team_id))
        op.audit("referral.card.withdraw", "team", held.card.team_id, card=held.card.card_id)
    result = held_card(session, held.card.team_id)
    assert result is not None
    return result
