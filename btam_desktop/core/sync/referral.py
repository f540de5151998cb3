"""Referrals between teams: one team's lead sends a redacted copy of a case to another team,
whose lead accepts it as a new case of its own (or declines it), and an acknowledgement goes
back. Each team keeps its own vault and roster; nothing crosses except by these files, and
nothing from another team is written into a vault before a lead explicitly accepts it.

Files (``docs/referrals.md`` is the reference): a **referral bundle** (``kind="referral"``) and
an **acknowledgement** (``kind="ack"``) are ordinary ``.btambundle`` files (``bundle.py``:
same layout, signature, HPKE sealing, limits and verification order as sync bundles), sealed
only to the lead devices on the receiving team's contact card (``card.py``) and signed by the
sending lead laptop. Both teams must hold each other's card (imported after comparing its
fingerprint by phone) before anything is sent or accepted.

Sending applies a redaction profile (``core/pdf/redaction.py``: the same ``Redactor`` and
``FormRedaction`` the PDFs use, and the case report's ``TagWithholding`` for tagged timeline
entries, applied to the records instead of to a layout) and records
the file in the dissemination log like a PDF. Importing checks, before anything changes: the
kind, another team, a known, active, unexpired card of that team naming the sending device,
the signature, that it is addressed to this laptop, that the bundle and referral were not
seen before (replay) and that no other bundle carries the same number from that laptop; then
the payload's shape. A refused file changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from btam_desktop.core import audit, schema, search
from btam_desktop.core.dissemination import Release
from btam_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from btam_desktop.core.fileio import atomic_writer
from btam_desktop.core.formlib import canonical_answers
from btam_desktop.core.forms import FormDefinition
from btam_desktop.core.forms.errors import FormsError
from btam_desktop.core.forms.fieldtypes import MEDIA_FORMATS
from btam_desktop.core.ids import is_uuid, new_uuid
from btam_desktop.core.model import CONCERN_LEVELS, ENTRY_KINDS, PERSON_ROLES, TIERS, Case
from btam_desktop.core.pdf.redaction import (
    REDACTED,
    FormRedaction,
    RedactionProfile,
    Redactor,
    TagWithholding,
    get_profile,
)
from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, team
from btam_desktop.core.sync import card as card_mod
from btam_desktop.core.sync.bundle import BundleRefused
from btam_desktop.core.sync.card import CardRefused, ContactCard
from btam_desktop.core.sync.identity import DeviceKeys
from btam_desktop.core.sync.roster import Roster

PAYLOAD_VERSION = 1
SUFFIX = ".btambundle"
STATUSES = ("sent", "received", "accepted", "declined")
_TEXT_TYPES = frozenset({"text", "long_text"})
_KEPT_KINDS = frozenset({"concerning_behaviour", "contact", "intervention", "note", "review"})
_MAX_TEXT = 100_000
_MAX_ITEMS = 10_000


@dataclass(frozen=True)
class Referral:
    """One referral as this vault records it (sent or received)."""

    referral_id: str
    direction: str
    status: str
    other_team_id: str
    other_team_name: str
    case_id: str | None
    case_number: str | None
    their_case_number: str
    reason: str
    legal_basis: str
    profile: str
    decision_reason: str
    follow_up_of: str | None
    created_at: str
    decided_at: str | None
    ack_at: str | None
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {
            "id": self.referral_id, "direction": self.direction, "status": self.status,
            "team_id": self.other_team_id, "team": self.other_team_name,
            "case_id": self.case_id, "case_number": self.case_number,
            "their_case_number": self.their_case_number, "reason": self.reason,
            "legal_basis": self.legal_basis, "profile": self.profile,
            "decision_reason": self.decision_reason, "follow_up_of": self.follow_up_of,
            "created_at": self.created_at, "decided_at": self.decided_at,
            "ack_at": self.ack_at, "counts": self.counts,
        }


@dataclass
class SendResult:
    """What ``send`` wrote."""

    referral_id: str
    path: Path
    bundle_id: str
    sha256: str
    dissemination_id: str
    counts: dict[str, int]
    recipients: list[str] = field(default_factory=list)
    # What the profile withheld because of sensitivity tags, in words (withheld_items).
    withheld: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an imported referral or acknowledgement did (no case content)."""

    kind: str
    referral_id: str
    team_name: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    case_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {"kind": self.kind, "id": self.referral_id, "team": self.team_name,
                "status": self.status, "counts": self.counts, "case_number": self.case_number}


# -- helpers --------------------------------------------------------------------------------
def _lead_device(session: Session) -> tuple[Roster, DeviceKeys]:
    """Referrals are a lead's act, from a lead device: only those are on the team's card."""
    if session.role != "lead":
        raise PermissionDenied("only a team lead may send, receive or decide referrals")
    roster = team.require_roster(session)
    me = roster.device(session.device_id)
    if me is None or not me.is_active_lead:
        raise PermissionDenied("this laptop is not a lead device of the team (only lead"
                               " devices are on the team's contact card)")
    return roster, team.device_keys(session)


def _now() -> str:
    return audit.utc_now()


def _next_sequence(session: Session) -> tuple[int, str]:
    seq = int(session.db.meta("referral:out_seq") or 0) + 1
    return seq, session.db.meta("referral:out_hash") or ""


def _record_out_bundle(session: Session, *, bundle_id: str, kind: str, team_id: str,
                       sequence: int, digest: str, referral_id: str, filename: str) -> None:
    db = session.db
    db.set_meta("referral:out_seq", str(sequence))
    db.set_meta("referral:out_hash", digest)
    db.execute(
        "INSERT INTO referral_bundles (bundle_id, direction, kind, team_id, sender_device_id,"
        " sequence, file_hash, referral_id, at, filename) VALUES (?, 'out', ?, ?, ?, ?, ?, ?,"
        " ?, ?)",
        (bundle_id, kind, team_id, session.device_id, sequence, digest, referral_id, _now(),
         filename))


def _from_block(session: Session, roster: Roster) -> dict[str, Any]:
    return {"team_id": roster.team_id, "team_name": roster.team_name,
            "agency": session.setting("agency") or roster.team_name,
            "device_id": session.device_id, "member": session.actor_name}


def _check_out(out: Path, overwrite: bool) -> Path:
    out = Path(out)
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name")
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists; choose another name")
    return out


# -- redaction -------------------------------------------------------------------------------
def _person_doc(redactor: Redactor, profile: RedactionProfile, link_roles: list[str],
                person: Any, ref: str) -> dict[str, Any]:
    withheld = redactor.name_withheld(person.id)
    drop = profile.drop_person_fields
    doc: dict[str, Any] = {
        "ref": ref, "roles": sorted(set(link_roles)), "name_withheld": withheld,
        "family_name": person.family_name, "given_names": person.given_names,
        "aliases": list(person.aliases), "date_of_birth": person.date_of_birth,
        "phone": person.phone, "email": person.email, "address": person.address,
        "notes": redactor.text(person.notes),
    }
    if withheld:
        # A third party under a role-only profile: no name and nothing that identifies them.
        doc.update({"family_name": f"[{redactor.roles(person.id)} — name withheld]",
                    "given_names": "", "aliases": [], "date_of_birth": None, "phone": "",
                    "email": "", "address": "", "notes": ""})
    for name in drop:
        doc[name] = [] if name == "aliases" else None if name == "date_of_birth" else ""
    return doc


def _hidden_fields(form: FormDefinition, profile: RedactionProfile) -> set[str]:
    """Field ids whose answers a profile keeps from the other team: tagged answers, answers
    whose presence would reveal them, and everything in a section shown only on them."""
    plan = FormRedaction.build(form, profile)
    hidden = set(plan.removed) | set(plan.omitted)
    for section in form.sections:
        if section.id in plan.sections:
            hidden.update(f.id for f in section.fields)
            hidden.update(m.id for f in section.fields for m in f.descendants())
    return hidden


def _redact_value(form: FormDefinition, field_id: str, value: Any, redactor: Redactor,
                  refs: dict[str, str]) -> tuple[bool, Any]:
    """(keep, value) for one answer that the profile lets through."""
    item = form.fields_by_id.get(field_id)
    if item is None:
        return False, None  # not a question of this form: never sent
    if item.type == "person":
        if isinstance(value, str) and value in refs:
            return True, refs[value]
        return False, None  # a person not sent with the referral
    if item.text_format in MEDIA_FORMATS:
        return False, None  # an attachment id of this vault; the file is not sent
    if item.type in _TEXT_TYPES and isinstance(value, str):
        return True, redactor.text(value)
    return True, value


def _redact_mapping(form: FormDefinition, answers: dict[str, Any], hidden: set[str],
                    redactor: Redactor, refs: dict[str, str], withheld: set[str]
                    ) -> dict[str, Any]:
    """Answers (the form's, or one repeat item's) after the profile: hidden or unsendable ones
    left out and named in ``withheld``; a repeat's items likewise, at any depth (issue 11)."""
    kept: dict[str, Any] = {}
    for key, value in answers.items():
        if key in hidden:
            withheld.add(key)
            continue
        item = form.fields_by_id.get(key)
        if item is not None and item.type == "repeat" and isinstance(value, list):
            kept[key] = [_redact_mapping(form, row, hidden, redactor, refs, withheld)
                         for row in value if isinstance(row, dict)]
            continue
        ok, new = _redact_value(form, key, value, redactor, refs)
        if ok:
            kept[key] = new
        else:
            withheld.add(key)
    return kept


def _redact_answers(form: FormDefinition, answers: dict[str, Any], hidden: set[str],
                    redactor: Redactor, refs: dict[str, str]) -> tuple[dict[str, Any],
                                                                       list[str]]:
    withheld: set[str] = set()
    kept = _redact_mapping(form, answers, hidden, redactor, refs, withheld)
    return kept, sorted(withheld)


def _carried_entries(session: Session, case_id: str, profile: RedactionProfile,
                     chosen: list[str] | None) -> tuple[list[Any], TagWithholding]:
    """The timeline entries a referral carries (current ones, the chosen ones if given, not
    of a kind the profile drops) and the tag rule the case report applies to them too; the
    rule reads the whole timeline, since a tag on a correction covers the original."""
    timeline = session.store.timeline(case_id)
    current = [e for e in timeline if not e.superseded_by]
    if chosen is not None:
        known = {e.id for e in current}
        if set(chosen) - known:
            raise NotFound("a timeline entry chosen for the referral is not current on this"
                           " case")
        current = [e for e in current if e.id in set(chosen)]
    current = [e for e in current if e.kind not in profile.drop_entry_kinds]
    return current, TagWithholding.build(profile, timeline)


def withheld_items(session: Session, case: str, profile: RedactionProfile,
                   entries: list[str] | None = None) -> list[str]:
    """What ``profile`` withholds from a referral of ``case`` because of sensitivity tags,
    in words, for the Refer dialog (as the Release dialog shows for a case report):
    ["2 timeline entries (mental health)"]. Tasks never travel in a referral."""
    the_case = session.store.get_case(case)
    current, rule = _carried_entries(session, the_case.id, profile, entries)
    return rule.counted(current)


def collect(session: Session, case: Case, profile: RedactionProfile, *,
            people: list[str] | None = None, entries: list[str] | None = None,
            forms: list[str] | None = None) -> dict[str, Any]:
    """The case content a referral carries, after ``profile``: summary, the chosen people
    (default: all on the case), current timeline entries and completed forms (default: all),
    and the definitions of those forms. Ids of this vault never leave it (people travel
    under references ``p1``, ``p2``...)."""
    store = session.store
    links = store.case_persons(case.id)
    redactor = Redactor(profile, links)
    roles: dict[str, list[str]] = {}
    persons: dict[str, Any] = {}
    for link in links:
        roles.setdefault(link.person.id, []).append(link.role)
        persons[link.person.id] = link.person
    if people is not None:
        unknown = set(people) - set(persons)
        if unknown:
            raise NotFound("a person chosen for the referral is not on this case")
        persons = {pid: p for pid, p in persons.items() if pid in set(people)}
    refs = {pid: f"p{i}" for i, pid in enumerate(persons, start=1)}
    people_doc = [_person_doc(redactor, profile, roles[pid], person, refs[pid])
                  for pid, person in persons.items()]

    current, rule = _carried_entries(session, case.id, profile, entries)
    entries_doc = []
    for entry in current:
        if rule.entry(entry):
            if profile.mode == "omit":
                continue
            # Tagged (or its original or correction is): none of its text, nor the partner
            # and status of a referral entry (a crisis team's name alone tells too much).
            entries_doc.append({
                "kind": entry.kind, "occurred_at": entry.occurred_at, "summary": REDACTED,
                "details": "", "context": "", "outcome": "", "author": entry.author_name,
                "referral_status": None, "concern_from": entry.concern_from,
                "concern_to": entry.concern_to, "partner": None})
            continue
        item: dict[str, Any] = {
            "kind": entry.kind, "occurred_at": entry.occurred_at,
            "summary": redactor.text(entry.summary), "details": redactor.text(entry.details),
            "context": redactor.text(entry.context), "outcome": redactor.text(entry.outcome),
            "author": entry.author_name, "referral_status": entry.referral_status,
            "concern_from": entry.concern_from, "concern_to": entry.concern_to,
            "partner": store.get_partner(entry.partner_id).name if entry.partner_id else None,
        }
        for name in profile.drop_entry_fields:
            item[name] = ""
        entries_doc.append(item)

    subs = [s for s in session.submissions.for_case(case.id, include_superseded=False)
            if s.status in ("complete", "reviewed")]
    if forms is not None:
        if set(forms) - {s.id for s in subs}:
            raise NotFound("a form chosen for the referral is not a completed form of this"
                           " case")
        subs = [s for s in subs if s.id in set(forms)]
    forms_doc = []
    definitions: dict[tuple[str, int], FormDefinition] = {}
    for sub in subs:
        form = session.submissions.form_for(sub)
        definitions[(form.id, form.version)] = form
        answers, withheld = _redact_answers(form, dict(sub.answers),
                                            _hidden_fields(form, profile), redactor, refs)
        forms_doc.append({"form_id": form.id, "form_version": form.version,
                          "completed_at": sub.completed_at or sub.created_at,
                          "answers": answers, "withheld": withheld})
    return {
        "case": {"number": case.number, "title": redactor.text(case.title),
                 "summary": redactor.text(case.summary), "concern": case.concern,
                 "tier": case.tier, "status": case.status, "opened_on": case.opened_on},
        "people": people_doc,
        "entries": entries_doc,
        "forms": forms_doc,
        "form_definitions": [
            {"form_id": f.id, "version": f.version, "definition": f.to_json(),
             "sha256": f.fingerprint()} for f in definitions.values()],
    }


# -- sending ---------------------------------------------------------------------------------
def send(session: Session, case: str, *, to_team: str, profile: str, reason: str,
         legal_basis: str, out: Path, people: list[str] | None = None,
         entries: list[str] | None = None, forms: list[str] | None = None,
         follow_up_of: str | None = None, overwrite: bool = False) -> SendResult:
    """Refer ``case`` to another team: a referral bundle for that team's lead devices,
    recorded in the dissemination log (recipient, purpose = the reason, legal basis,
    profile, SHA-256) and audited. ``follow_up_of`` names an earlier referral of this case
    to the same team that this one updates."""
    roster, keys = _lead_device(session)
    out = _check_out(out, overwrite)
    target = card_mod.find_card(session, to_team).card
    their = card_mod.usable_card(session, target.team_id)
    chosen = get_profile(profile)
    recipient = f"{their.team_name} ({their.agency}), team {their.team_id}"
    release = Release.checked(recipient, reason, legal_basis)
    the_case = session.store.get_case(case)
    if the_case.deleted_at:
        raise InvalidInput(f"case {the_case.number} is in the trash")
    if follow_up_of is not None:
        parent = _get(session, follow_up_of)
        if (parent.direction != "out" or parent.case_id != the_case.id
                or parent.other_team_id != their.team_id):
            raise InvalidInput("a follow-up continues an earlier referral of this case to the"
                               " same team")
        follow_up_of = parent.follow_up_of or parent.referral_id
    content = collect(session, the_case, chosen, people=people, entries=entries, forms=forms)
    withheld = withheld_items(session, the_case.id, chosen, entries)
    referral_id = new_uuid()
    doc = {
        "v": PAYLOAD_VERSION, "type": "referral", "referral_id": referral_id,
        "follow_up_of": follow_up_of, "from": _from_block(session, roster),
        "to": {"team_id": their.team_id, "card_id": their.card_id},
        "reason": release.purpose, "legal_basis": release.legal_basis,
        "profile": {"id": chosen.id, "title": chosen.title,
                    "summary": chosen.summary(referral=True)},
        "sent_at": _now(), **content,
    }
    counts = {"people": len(content["people"]), "entries": len(content["entries"]),
              "forms": len(content["forms"])}
    sequence, prev_hash = _next_sequence(session)
    bundle_id = new_uuid()
    data = bundle.write_bundle(
        doc, sender=keys, recipients=[lead.public for lead in their.leads],
        schema_version=schema.LATEST, kind="referral", team_id=roster.team_id,
        sequence=sequence, prev_hash=prev_hash, counts=counts, bundle_id=bundle_id)
    digest = bundle.file_hash(data)
    with atomic_writer(out) as handle:
        handle.write(data)
        # Recorded before the file appears (as a sync export and a PDF are).
        with session.operation("referral.send") as op:
            op.require_writer()
            _record_out_bundle(session, bundle_id=bundle_id, kind="referral",
                               team_id=their.team_id, sequence=sequence, digest=digest,
                               referral_id=referral_id, filename=out.name)
            session.db.execute(
                "INSERT INTO referrals (referral_id, direction, follow_up_of, other_team_id,"
                " other_team_name, case_id, status, reason, legal_basis, profile, bundle_id,"
                " file_hash, sender_device_id, counts, created_at, member_name)"
                " VALUES (?, 'out', ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (referral_id, follow_up_of, their.team_id, their.team_name, the_case.id,
                 release.purpose, release.legal_basis, chosen.id, bundle_id, digest,
                 session.device_id, json.dumps(counts), _now(), session.actor_name))
            dissemination_id = op.insert("disseminations", {
                "case_id": the_case.id, "submission_id": None, "what": "referral",
                "recipient": release.recipient, "purpose": release.purpose,
                "legal_basis": release.legal_basis, "redaction_profile": chosen.id,
                "filename": out.name, "sha256": digest, "exported_at": _now(),
                "exported_by": session.member_id, "exported_by_name": session.actor_name})
            session.store.add_entry(
                the_case.id, "note",
                f"{'Follow-up sent' if follow_up_of else 'Referred'} to {their.team_name}"
                f" ({their.agency})",
                details=f"Referral {referral_id}; redaction profile {chosen.title};"
                        f" {counts['people']} people, {counts['entries']} timeline entries,"
                        f" {counts['forms']} forms. Reason: {release.purpose}. Legal basis:"
                        f" {release.legal_basis}.")
            op.audit("export", "case", the_case.id, what="referral",
                     dissemination=dissemination_id, profile=chosen.id, sha256=digest,
                     referral=referral_id, bundle=bundle_id, team=their.team_id, **counts)
    return SendResult(referral_id, out, bundle_id, digest, dissemination_id, counts,
                      [lead.public.device_id for lead in their.leads], withheld)


# -- importing -------------------------------------------------------------------------------
def import_file(session: Session, path: Path, *, now: datetime | None = None) -> ImportResult:
    """Import a referral or an acknowledgement file (see :func:`import_bytes`)."""
    path = Path(path)
    return import_bytes(session, bundle.read_bundle_file(path), filename=path.name, now=now)


def import_bytes(session: Session, data: bytes, *, filename: str = "",
                 now: datetime | None = None) -> ImportResult:
    """Check, verify and record an incoming referral (status "received": nothing is created
    until a lead accepts it) or apply an acknowledgement to a referral sent. Refusals change
    nothing."""
    roster, keys = _lead_device(session)
    header = bundle.read_header(data, max_schema=schema.LATEST)
    if header.kind == "sync":
        raise BundleRefused("this is a sync bundle between laptops of one team, not a"
                            " referral: import it with `btam bundle import`")
    if header.team_id == roster.team_id:
        raise BundleRefused("this bundle comes from your own team, not from another team")
    try:
        their = card_mod.usable_card(session, header.team_id, now=now)
    except CardRefused as exc:
        raise BundleRefused(exc.reason) from None
    sender = their.lead(header.sender_device_id)
    if sender is None:
        raise BundleRefused(f"the sending laptop is not a lead device on the contact card of"
                            f" {their.team_name}")
    db = session.db
    seen = db.query_one("SELECT at FROM referral_bundles WHERE bundle_id = ? AND"
                        " direction = 'in'", (header.bundle_id,))
    if seen is not None:
        raise BundleRefused(f"already imported on {seen[0]}: a replayed file changes nothing")
    same_seq = db.scalar("SELECT bundle_id FROM referral_bundles WHERE direction = 'in' AND"
                         " sender_device_id = ? AND sequence = ?",
                         (header.sender_device_id, header.sequence))
    if same_seq is not None:
        raise BundleRefused(f"a different bundle numbered #{header.sequence} was already"
                            f" received from that laptop of {their.team_name} (a copy or"
                            " cloned laptop?)")
    # Signature, then our recipient entry, then decryption (bundle.open_bundle's order).
    opened_header, doc = bundle.open_bundle(data, sender_public=sender.public, me=keys,
                                            max_schema=schema.LATEST)
    if opened_header.recipient(session.device_id) is None:  # pragma: no cover - open checks
        raise BundleRefused("not addressed to this laptop")
    try:
        _check_envelope(doc, header.kind, roster, their, header.sender_device_id)
        parsed = _check_referral(doc) if header.kind == "referral" else _check_ack(doc)
    except _Malformed as exc:
        raise BundleRefused(f"the {header.kind} is malformed: {exc}") from None
    digest = bundle.file_hash(data)
    if header.kind == "referral":
        return _receive_referral(session, parsed, their, header, digest, filename)
    return _receive_ack(session, parsed, their, header, digest, filename)


class _Malformed(Exception):
    pass


def _text(doc: dict[str, Any], key: str, *, limit: int = _MAX_TEXT,
          required: bool = False, nullable: bool = False) -> Any:
    value = doc.get(key)
    if value is None and nullable:
        return None
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise _Malformed(f"{key} is not valid text")
    return value


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Malformed(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > _MAX_ITEMS:
        raise _Malformed(f"{what} is not a list")
    return value


def _check_envelope(doc: dict[str, Any], kind: str, roster: Roster, their: ContactCard,
                    sender_device: str) -> None:
    if doc.get("v") != PAYLOAD_VERSION or doc.get("type") != kind:
        raise _Malformed("unknown payload version or type")
    sender = _obj(doc.get("from"), "from")
    to = _obj(doc.get("to"), "to")
    if sender.get("team_id") != their.team_id or sender.get("device_id") != sender_device:
        raise _Malformed("the sender inside does not match the file's header")
    if to.get("team_id") != roster.team_id:
        raise BundleRefused("meant for another team")
    referral_id = doc.get("referral_id")
    if not isinstance(referral_id, str) or not is_uuid(referral_id):
        raise _Malformed("referral_id is not a UUID")


def _check_referral(doc: dict[str, Any]) -> dict[str, Any]:
    for key in ("reason", "legal_basis"):
        _text(doc, key, limit=2000, required=True)
    follow = doc.get("follow_up_of")
    if follow is not None and (not isinstance(follow, str) or not is_uuid(follow)):
        raise _Malformed("follow_up_of is not a referral id")
    _obj(doc.get("profile"), "profile")
    case = _obj(doc.get("case"), "case")
    _text(case, "number", limit=64, required=True)
    _text(case, "title", limit=200, required=True)
    _text(case, "summary")
    if case.get("concern") not in CONCERN_LEVELS or case.get("tier") not in TIERS:
        raise _Malformed("case concern level or tier is unknown")
    refs: set[str] = set()
    for person in _list(doc.get("people"), "people"):
        person = _obj(person, "person")
        ref = _text(person, "ref", limit=16, required=True)
        refs.add(ref)
        roles = _list(person.get("roles"), "roles")
        if not roles or any(r not in PERSON_ROLES for r in roles):
            raise _Malformed("a person's role is unknown")
        for key in ("family_name", "given_names", "phone", "email", "address", "notes"):
            _text(person, key)
        _text(person, "date_of_birth", limit=10, nullable=True)
        if not all(isinstance(a, str) for a in _list(person.get("aliases"), "aliases")):
            raise _Malformed("aliases are not text")
        if not (person["family_name"].strip() or person["given_names"].strip()):
            raise _Malformed("a person has no name")
    for entry in _list(doc.get("entries"), "entries"):
        entry = _obj(entry, "entry")
        if entry.get("kind") not in ENTRY_KINDS:
            raise _Malformed("a timeline entry has an unknown kind")
        _text(entry, "summary", limit=500, required=True)
        for key in ("details", "context", "outcome", "author"):
            _text(entry, key)
        _text(entry, "occurred_at", limit=40, required=True)
        for key in ("partner", "referral_status", "concern_from", "concern_to"):
            _text(entry, key, limit=200, nullable=True)
    definitions: dict[tuple[str, int], FormDefinition] = {}
    for item in _list(doc.get("form_definitions"), "form_definitions"):
        item = _obj(item, "form definition")
        text = _text(item, "definition", limit=4_000_000, required=True)
        try:
            form = FormDefinition.from_json(text)
        except (FormsError, ValueError, TypeError):
            raise _Malformed("a form definition is not valid") from None
        if (form.id, form.version) != (item.get("form_id"), item.get("version")) or (
                form.fingerprint() != item.get("sha256")):
            raise _Malformed("a form definition does not match its id, version or hash")
        definitions[(form.id, form.version)] = form
    for sub in _list(doc.get("forms"), "forms"):
        sub = _obj(sub, "form")
        if (sub.get("form_id"), sub.get("form_version")) not in definitions:
            raise _Malformed("a form arrived without its definition")
        _obj(sub.get("answers"), "answers")
        _list(sub.get("withheld"), "withheld")
        _text(sub, "completed_at", limit=40, required=True)
    return doc


def _check_ack(doc: dict[str, Any]) -> dict[str, Any]:
    if doc.get("decision") not in ("accepted", "declined"):
        raise _Malformed("the decision is neither accepted nor declined")
    _text(doc, "reason", limit=2000)
    _text(doc, "case_number", limit=64, nullable=True)
    _text(doc, "decided_at", limit=40, required=True)
    _text(doc, "decided_by", limit=200)
    return doc


def _record_in_bundle(session: Session, header: bundle.BundleHeader, digest: str,
                      referral_id: str, filename: str) -> None:
    session.db.execute(
        "INSERT INTO referral_bundles (bundle_id, direction, kind, team_id, sender_device_id,"
        " sequence, file_hash, referral_id, at, filename) VALUES (?, 'in', ?, ?, ?, ?, ?, ?,"
        " ?, ?)",
        (header.bundle_id, header.kind, header.team_id, header.sender_device_id,
         header.sequence, digest, referral_id, _now(), filename))


def _receive_referral(session: Session, doc: dict[str, Any], their: ContactCard,
                      header: bundle.BundleHeader, digest: str,
                      filename: str) -> ImportResult:
    db = session.db
    referral_id = str(doc["referral_id"])
    if db.scalar("SELECT 1 FROM referrals WHERE referral_id = ?", (referral_id,)):
        raise BundleRefused("this referral was already received (a replayed or re-sent"
                            " copy changes nothing)")
    follow = doc.get("follow_up_of")
    if follow is not None:
        parent = db.query_one("SELECT other_team_id, direction FROM referrals WHERE"
                              " referral_id = ?", (follow,))
        if parent is None or parent["direction"] != "in" or (
                parent["other_team_id"] != their.team_id):
            raise BundleRefused("a follow-up of a referral this vault never received from"
                                f" {their.team_name}")
    counts = {"people": len(doc["people"]), "entries": len(doc["entries"]),
              "forms": len(doc["forms"])}
    with session.operation("referral.receive") as op:
        _record_in_bundle(session, header, digest, referral_id, filename)
        db.execute(
            "INSERT INTO referrals (referral_id, direction, follow_up_of, other_team_id,"
            " other_team_name, their_case_number, status, reason, legal_basis, profile,"
            " bundle_id, file_hash, sender_device_id, payload, counts, created_at,"
            " member_name) VALUES (?, 'in', ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?)",
            (referral_id, follow, their.team_id, their.team_name, doc["case"]["number"],
             doc["reason"], doc["legal_basis"], str(doc["profile"].get("id", "")),
             header.bundle_id, digest, header.sender_device_id, json.dumps(doc),
             json.dumps(counts), _now(), session.actor_name))
        op.audit("referral.receive", "referral", referral_id, team=their.team_id,
                 bundle=header.bundle_id, **counts)
    return ImportResult("referral", referral_id, their.team_name, "received", counts)


def _receive_ack(session: Session, doc: dict[str, Any], their: ContactCard,
                 header: bundle.BundleHeader, digest: str, filename: str) -> ImportResult:
    referral_id = str(doc["referral_id"])
    row = session.db.query_one("SELECT * FROM referrals WHERE referral_id = ?", (referral_id,))
    if row is None or row["direction"] != "out" or row["other_team_id"] != their.team_id:
        raise BundleRefused(f"an acknowledgement of a referral this vault never sent to"
                            f" {their.team_name}")
    if row["status"] != "sent":
        raise BundleRefused(f"this referral was already acknowledged ({row['status']})")
    decision = str(doc["decision"])
    number = doc.get("case_number") or ""
    with session.operation("referral.ack.receive") as op:
        _record_in_bundle(session, header, digest, referral_id, filename)
        session.db.execute(
            "UPDATE referrals SET status = ?, their_case_number = ?, decision_reason = ?,"
            " decided_at = ?, decided_by = ?, ack_bundle_id = ?, ack_at = ?"
            " WHERE referral_id = ?",
            (decision, number, doc.get("reason") or "", doc["decided_at"],
             doc.get("decided_by") or "", header.bundle_id, _now(), referral_id))
        case_id = row["case_id"]
        live = case_id and session.db.scalar(
            "SELECT 1 FROM cases WHERE id = ? AND deleted_at IS NULL", (case_id,))
        if live:
            words = (f"{their.team_name} accepted the referral as their case {number}"
                     if decision == "accepted" else f"{their.team_name} declined the referral")
            session.store.add_entry(case_id, "note", words, details=(
                f"Referral {referral_id}."
                + (f" Reason given: {doc.get('reason')}" if doc.get("reason") else "")))
        op.audit("referral.ack.receive", "referral", referral_id, team=their.team_id,
                 decision=decision, bundle=header.bundle_id)
    return ImportResult("ack", referral_id, their.team_name, decision,
                        case_number=number or None)


# -- deciding --------------------------------------------------------------------------------
def _received(session: Session, referral_id: str) -> tuple[Referral, dict[str, Any]]:
    ref = _get(session, referral_id)
    if ref.direction != "in":
        raise InvalidInput("that referral was sent from here; the other team decides it")
    if ref.status != "received":
        raise InvalidInput(f"that referral was already {ref.status}")
    text = session.db.scalar("SELECT payload FROM referrals WHERE referral_id = ?",
                             (ref.referral_id,))
    return ref, json.loads(text)


def _occurred(value: str) -> str | None:
    try:
        return datetime.fromisoformat(value).isoformat(timespec="minutes")
    except ValueError:
        return None


def accept(session: Session, referral_id: str, *, out: Path | None = None) -> Case:
    """Accept an incoming referral: a NEW case of this vault (its own number and ids) with the
    people, timeline entries and forms copied through the store, and a note linking it to the
    sender's case number and team; a follow-up of an accepted referral is added to the case
    the first one became. One transaction: all or nothing. ``out``: also write the
    acknowledgement."""
    _lead_device(session)
    ref, doc = _received(session, referral_id)
    store = session.store
    definitions = [FormDefinition.from_json(d["definition"]) for d in doc["form_definitions"]]
    for form in definitions:
        held = session.db.scalar("SELECT sha256 FROM form_definitions WHERE form_id = ? AND"
                                 " version = ?", (form.id, form.version))
        if held is not None and held != form.fingerprint():
            raise InvalidInput(
                f"this vault holds form {form.id} version {form.version} with other content"
                " than the referring team's; the referral cannot be accepted as it is (ask"
                " them to resend it without that form)")
    target: str | None = None
    if ref.follow_up_of:
        parent = _get(session, ref.follow_up_of)
        if parent.status == "accepted" and parent.case_id and session.db.scalar(
                "SELECT 1 FROM cases WHERE id = ? AND deleted_at IS NULL", (parent.case_id,)):
            target = parent.case_id
    case_doc = doc["case"]
    sender = doc["from"]
    with session.operation("referral.accept") as op:
        op.require_writer()
        headline = f"Follow-up from {sender['team_name']}"
        if target is None:
            title = str(case_doc["title"])[:200]
            case = store.create_case(title, concern=case_doc["concern"], tier=case_doc["tier"],
                                     summary=case_doc["summary"])
            target = case.id
            headline = f"Referred by {sender['team_name']}"
        store.add_entry(target, "note", f"{headline}, their case {case_doc['number']}"[:500],
                        details=(
                            f"Referral {ref.referral_id} from {sender['team_name']}"
                            f" ({sender['agency']}), team {sender['team_id']}, sent by"
                            f" {sender['member']} on {doc['sent_at']}; their case number"
                            f" {case_doc['number']}. Reason: {doc['reason']}. Legal basis:"
                            f" {doc['legal_basis']}. Redaction profile:"
                            f" {doc['profile'].get('title', '')}. Accepted by"
                            f" {session.actor_name}."))
        new_ids: dict[str, str] = {}
        for person in doc["people"]:
            added = store.add_person(
                person["family_name"], person["given_names"], aliases=person["aliases"],
                date_of_birth=person["date_of_birth"], phone=person["phone"],
                email=person["email"], address=person["address"], notes=person["notes"])
            new_ids[person["ref"]] = added.id
            for role in person["roles"]:
                store.link_person(target, added.id, role)
        for entry in doc["entries"]:
            kind, summary = entry["kind"], entry["summary"]
            details = entry["details"]
            if kind not in _KEPT_KINDS:
                label = {"referral": "Referral", "concern_change": "Concern level change"}
                summary = f"{label.get(kind, kind)} (at {sender['team_name']}): {summary}"
                extra = [f"{k.replace('_', ' ')}: {entry[k]}" for k in
                         ("partner", "referral_status", "concern_from", "concern_to")
                         if entry.get(k)]
                details = "; ".join(extra) + ("\n" + details if details else "")
                kind = "note"
            author = entry.get("author") or ""
            if author:
                details = (details + "\n" if details else "") + (
                    f"Recorded by {author} ({sender['team_name']}).")
            store.add_entry(target, kind, summary[:500], occurred_at=_occurred(
                entry["occurred_at"]), details=details, context=entry["context"],
                outcome=entry["outcome"])
        by_key = {(f.id, f.version): f for f in definitions}
        for sub in doc["forms"]:
            form = by_key[(sub["form_id"], sub["form_version"])]
            session.forms.ensure_stored(form, source="imported")
            answers = _map_people(form, sub["answers"], new_ids)
            now = _now()
            # A redacted copy lacks the withheld answers, so it is stored as received (a
            # complete, read-only record) rather than validated as if typed here.
            sub_id = op.insert("submissions", {
                "case_id": target, "form_id": form.id, "form_version": form.version,
                "status": "complete", "answers": canonical_answers(answers),
                "created_at": now, "created_by": session.member_id, "completed_at": now,
                "completed_by": session.member_id})
            search.index(session.db, "submission", sub_id, target,
                         search.answer_text(answers))
            op.audit("submission.create", "case", target, submission=sub_id, form=form.id,
                     status="complete", referral=ref.referral_id,
                     withheld=len(sub["withheld"]))
        session.db.execute(
            "UPDATE referrals SET status = 'accepted', case_id = ?, decided_at = ?,"
            " decided_by = ?, payload = NULL WHERE referral_id = ?",
            (target, _now(), session.actor_name, ref.referral_id))
        op.audit("referral.accept", "case", target, referral=ref.referral_id,
                 team=ref.other_team_id, **ref.counts)
    if out is not None:
        write_ack(session, ref.referral_id, out)
    return store.get_case(target)


def _map_people(form: FormDefinition, answers: dict[str, Any],
                new_ids: dict[str, str]) -> dict[str, Any]:
    """Person answers name references (``p1``); here they become this vault's person ids."""
    def one(field_id: str, value: Any) -> tuple[bool, Any]:
        item = form.fields_by_id.get(field_id)
        if item is None:
            return False, None
        if item.type == "person":
            return (value in new_ids, new_ids.get(value)) if isinstance(value, str) else (
                False, None)
        return True, value

    def rows_of(value: list[Any]) -> list[dict[str, Any]]:
        rows = []
        for row in value:
            if isinstance(row, dict):
                rows.append({k: (rows_of(v) if isinstance(v, list) and is_repeat(k) else new)
                             for k, v in row.items() for ok, new in [one(k, v)] if ok})
        return rows

    def is_repeat(field_id: str) -> bool:
        item = form.fields_by_id.get(field_id)
        return item is not None and item.type == "repeat"

    result: dict[str, Any] = {}
    for key, value in answers.items():
        item = form.fields_by_id.get(key)
        if item is not None and item.type == "repeat" and isinstance(value, list):
            result[key] = rows_of(value)  # a repeat inside an item likewise (issue 11)
            continue
        ok, new = one(key, value)
        if ok:
            result[key] = new
    return result


def decline(session: Session, referral_id: str, reason: str, *,
            out: Path | None = None) -> Referral:
    """Decline an incoming referral with a reason (told to the sending team in the
    acknowledgement). Its content is dropped from this vault; nothing else changes."""
    _lead_device(session)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("a declined referral needs a reason for the sending team")
    if len(reason) > 2000:
        raise InvalidInput("keep the reason under 2,000 characters")
    ref, _ = _received(session, referral_id)
    with session.operation("referral.decline") as op:
        session.db.execute(
            "UPDATE referrals SET status = 'declined', decision_reason = ?, decided_at = ?,"
            " decided_by = ?, payload = NULL WHERE referral_id = ?",
            (reason, _now(), session.actor_name, ref.referral_id))
        op.audit("referral.decline", "referral", ref.referral_id, team=ref.other_team_id)
    if out is not None:
        write_ack(session, ref.referral_id, out)
    return _get(session, ref.referral_id)


def write_ack(session: Session, referral_id: str, out: Path, *,
              overwrite: bool = False) -> Path:
    """The acknowledgement of a decided incoming referral, sealed to the sending team's lead
    devices (from its card). May be written again if the first was lost; the sender takes
    the first that arrives."""
    roster, keys = _lead_device(session)
    out = _check_out(out, overwrite)
    ref = _get(session, referral_id)
    if ref.direction != "in" or ref.status not in ("accepted", "declined"):
        raise InvalidInput("an acknowledgement answers a referral received here and accepted"
                           " or declined")
    their = card_mod.usable_card(session, ref.other_team_id)
    doc = {"v": PAYLOAD_VERSION, "type": "ack", "referral_id": ref.referral_id,
           "from": _from_block(session, roster),
           "to": {"team_id": their.team_id, "card_id": their.card_id},
           "decision": ref.status, "reason": ref.decision_reason,
           "case_number": ref.case_number if ref.status == "accepted" else None,
           "decided_at": ref.decided_at or _now(),
           "decided_by": session.db.scalar("SELECT decided_by FROM referrals WHERE"
                                           " referral_id = ?", (ref.referral_id,)) or ""}
    sequence, prev_hash = _next_sequence(session)
    bundle_id = new_uuid()
    data = bundle.write_bundle(
        doc, sender=keys, recipients=[lead.public for lead in their.leads],
        schema_version=schema.LATEST, kind="ack", team_id=roster.team_id, sequence=sequence,
        prev_hash=prev_hash, counts={}, bundle_id=bundle_id)
    digest = bundle.file_hash(data)
    with atomic_writer(out) as handle:
        handle.write(data)
        with session.operation("referral.ack") as op:
            _record_out_bundle(session, bundle_id=bundle_id, kind="ack",
                               team_id=their.team_id, sequence=sequence, digest=digest,
                               referral_id=ref.referral_id, filename=out.name)
            session.db.execute("UPDATE referrals SET ack_bundle_id = ?, ack_at = ? WHERE"
                               " referral_id = ?", (bundle_id, _now(), ref.referral_id))
            op.audit("referral.ack", "referral", ref.referral_id, team=their.team_id,
                     decision=ref.status, bundle=bundle_id, sha256=digest)
    return out


# -- reading ---------------------------------------------------------------------------------
_SELECT = ("SELECT r.*, c.number AS case_number FROM referrals r"
           " LEFT JOIN cases c ON c.id = r.case_id")


def _row(row: Any) -> Referral:
    return Referral(
        referral_id=row["referral_id"], direction=row["direction"], status=row["status"],
        other_team_id=row["other_team_id"], other_team_name=row["other_team_name"],
        case_id=row["case_id"], case_number=row["case_number"],
        their_case_number=row["their_case_number"], reason=row["reason"],
        legal_basis=row["legal_basis"], profile=row["profile"],
        decision_reason=row["decision_reason"], follow_up_of=row["follow_up_of"],
        created_at=row["created_at"], decided_at=row["decided_at"], ack_at=row["ack_at"],
        counts=json.loads(row["counts"] or "{}"))


def _get(session: Session, key: str) -> Referral:
    """A referral by id (or a unique start or end of at least 6 characters)."""
    wanted = key.strip().lower()
    row = session.db.query_one(_SELECT + " WHERE r.referral_id = ?", (wanted,))
    if row is None and len(wanted) >= 6:
        rows = [r for r in session.db.query(_SELECT)
                if r["referral_id"].startswith(wanted) or r["referral_id"].endswith(wanted)]
        if len(rows) > 1:
            raise InvalidInput(f"{key!r} names several referrals; give more of the id")
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(f"no referral {key!r}; see `btam referral list`")
    return _row(row)


def get(session: Session, referral_id: str) -> Referral:
    """One referral (sent or received)."""
    return _get(session, referral_id)


def list_referrals(session: Session, *, direction: str | None = None) -> list[Referral]:
    """Referrals sent and received, newest first."""
    if direction is not None:
        rows = session.db.query(_SELECT + " WHERE r.direction = ? ORDER BY r.created_at DESC",
                                (direction,))
    else:
        rows = session.db.query(_SELECT + " ORDER BY r.created_at DESC")
    return [_row(r) for r in rows]


def for_case(session: Session, case: str) -> list[Referral]:
    """The referrals of one case (sent from it, or accepted into it), oldest first: what the
    case view shows as "sent", "accepted", "declined"."""
    case_id = session.store.resolve_case_id(case)
    rows = session.db.query(_SELECT + " WHERE r.case_id = ? ORDER BY r.created_at", (case_id,))
    return [_row(r) for r in rows]


def incoming_preview(session: Session, referral_id: str) -> dict[str, Any]:
    """What a received, undecided referral holds, for the lead to read before deciding
    (counts, case summary, reason, legal basis, profile); audited as a view."""
    ref, doc = _received(session, referral_id)
    session.record_view("referral", ref.referral_id)
    return {"referral": ref.to_json(), "from": doc["from"], "case": doc["case"],
            "profile": doc["profile"], "people": doc["people"], "entries": doc["entries"],
            "forms": [{"form_id": f["form_id"], "form_version": f["form_version"],
                       "withheld": f["withheld"]} for f in doc["forms"]],
            "sent_at": doc["sent_at"]}


def utc_datetime(text: str) -> datetime:
    """``YYYY-MM-DDTHH:MM:SSZ`` as an aware datetime (tests and the CLI's --now)."""
    return datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=UTC)
