"""Redaction profiles for sharing with partners, and applying them before anything is drawn.

A profile is a data file, ``resources/redaction/<id>.yaml``::

    id: school_partner
    title: School partner
    description: Who it is for and what it leaves out.
    mode: replace              # replace: "[redacted]" in place of the answer; omit: leave out
    remove_tags: [mental_health, criminal_history]   # form fields, timeline entries and
                               # tasks (plan items) with any of these tags
    third_party_names: role    # keep | role: people other than the person of concern are
                               # shown by their role on the case, and their names are
                               # replaced by that role in every piece of free text
    case_report:               # optional, for case reports
      drop_entry_kinds: [note]             # timeline entries of these kinds are left out
      drop_entry_fields: [context]         # details | context | outcome of every entry
      drop_person_fields: [phone, email]   # date_of_birth aliases phone email address notes
      drop_sections: [dissemination_log]   # whole report sections

Redaction happens on the data, before layout: text a profile removes is never handed to
reportlab, so it cannot survive in the PDF (not as hidden text, not in metadata, not in a
form field). Leaks through the form's structure are closed too: a question that is only
shown when a removed answer has some value (its ``relevant`` condition reads a removed field,
directly or through other fields) is always left out, since its mere presence would tell the
reader what the removed answer was. In ``replace`` mode a removed question that has its own
condition is left out for the same reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from btam_desktop.core.forms import Field, FormDefinition
from btam_desktop.core.forms.fieldtypes import SENSITIVITY_TAGS
from btam_desktop.core.model import (
    ENTRY_KINDS,
    PERSON_ROLE_LABELS,
    CasePerson,
    Task,
    TimelineEntry,
    sensitivity_words,
)
from btam_desktop.core.pdf.errors import ProfileError
from btam_desktop.core.pdf.resources import resources_dir

__all__ = [
    "CASE_SECTIONS",
    "REDACTED",
    "FormRedaction",
    "NameScrubber",
    "RedactionProfile",
    "Redactor",
    "TagWithholding",
    "entry_tags",
    "get_profile",
    "load_profiles",
]

REDACTED = "[redacted]"
MODES = ("replace", "omit")
NAME_MODES = ("keep", "role")
CASE_SECTIONS = (
    "people", "concern_history", "timeline", "management_plan", "interventions",
    "referrals", "tasks", "dissemination_log",
)
ENTRY_FIELDS = ("details", "context", "outcome")
PERSON_FIELDS = ("date_of_birth", "aliases", "phone", "email", "address", "notes")
POC_ROLE = "person_of_concern"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class RedactionProfile:
    """One redaction profile (see the module docstring for the file format)."""

    id: str
    title: str
    description: str = ""
    mode: str = "replace"
    remove_tags: frozenset[str] = frozenset()
    third_party_names: str = "keep"
    drop_entry_kinds: frozenset[str] = frozenset()
    drop_entry_fields: frozenset[str] = frozenset()
    drop_person_fields: frozenset[str] = frozenset()
    drop_sections: frozenset[str] = frozenset()

    @property
    def removes_anything(self) -> bool:
        """False for a profile that changes nothing (``none``)."""
        return bool(
            self.remove_tags or self.third_party_names == "role" or self.drop_entry_kinds
            or self.drop_entry_fields or self.drop_person_fields or self.drop_sections
        )

    @property
    def replaces_names(self) -> bool:
        """True when people other than the person of concern are shown by role only."""
        return self.third_party_names == "role"

    def banner_line(self) -> str | None:
        """The line printed under the sensitivity banner, or None when nothing is removed."""
        if not self.removes_anything:
            return None
        return f"REDACTED COPY — profile: {self.title} ({self.id})"

    def summary(self, *, report: bool = True, referral: bool = False) -> list[str]:
        """Plain sentences saying what this profile removes (printed in the document);
        ``report=False`` leaves out what only concerns case reports; ``referral=True``:
        what it removes from a referral to another team (data, not a page: tagged answers
        are always left out, and report sections do not apply)."""
        lines: list[str] = []
        if self.remove_tags:
            tags = ", ".join(t.replace("_", " ") for t in sorted(self.remove_tags))
            how = "replaced by “[redacted]”" if self.mode == "replace" else "left out"
            if referral:
                lines.append(f"Answers tagged {tags} are left out.")
                lines.append(f"Timeline entries tagged {tags} are {how}.")
            else:
                what = "Answers, timeline entries and plan items" if report else "Answers"
                lines.append(f"{what} tagged {tags} are {how}.")
        if self.replaces_names:
            lines.append(
                "People other than the person of concern are shown by their role; their "
                "names are replaced by that role in the text."
            )
        if not (report or referral):
            return lines
        if self.drop_entry_kinds:
            kinds = ", ".join(sorted(k.replace("_", " ") for k in self.drop_entry_kinds))
            lines.append(f"Timeline entries of these kinds are left out: {kinds}.")
        if self.drop_entry_fields:
            lines.append(
                "Timeline entry fields left out: " + ", ".join(sorted(self.drop_entry_fields))
                + "."
            )
        if self.drop_person_fields:
            names = ", ".join(sorted(f.replace("_", " ") for f in self.drop_person_fields))
            lines.append(f"Personal details left out: {names}.")
        if self.drop_sections and not referral:
            names = ", ".join(sorted(s.replace("_", " ") for s in self.drop_sections))
            lines.append(f"Report sections left out: {names}.")
        return lines

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "mode": self.mode, "remove_tags": sorted(self.remove_tags),
            "third_party_names": self.third_party_names,
            "case_report": {
                "drop_entry_kinds": sorted(self.drop_entry_kinds),
                "drop_entry_fields": sorted(self.drop_entry_fields),
                "drop_person_fields": sorted(self.drop_person_fields),
                "drop_sections": sorted(self.drop_sections),
            },
        }


# -- loading ----------------------------------------------------------------------------

_TOP_KEYS = {"id", "title", "description", "mode", "remove_tags", "third_party_names",
             "case_report"}
_REPORT_KEYS = {
    "drop_entry_kinds": ENTRY_KINDS,
    "drop_entry_fields": ENTRY_FIELDS,
    "drop_person_fields": PERSON_FIELDS,
    "drop_sections": CASE_SECTIONS,
}


def _names(raw: object, allowed: Iterable[str], where: str, problems: list[str]) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problems.append(f"{where} must be a list of names")
        return frozenset()
    allowed = tuple(allowed)
    for name in raw:
        if name not in allowed:
            problems.append(f"{where}: unknown name {name!r} (allowed: {', '.join(allowed)})")
    return frozenset(x for x in raw if x in allowed)


def parse_profile(data: object, source: str) -> RedactionProfile:
    """Build a profile from a parsed document; every problem is reported at once."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: a redaction profile must be a mapping")
    for key in sorted(set(data) - _TOP_KEYS, key=str):
        problems.append(f"unknown key {key!r}")
    profile_id = data.get("id")
    if not isinstance(profile_id, str) or not _ID.match(profile_id):
        problems.append("id must be a lower-case name like school_partner")
        profile_id = "?"
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append("title must be non-empty text")
        title = profile_id
    description = data.get("description") or ""
    if not isinstance(description, str):
        problems.append("description must be text")
        description = ""
    mode = data.get("mode", "replace")
    if mode not in MODES:
        problems.append(f"mode must be one of {', '.join(MODES)}")
    names = data.get("third_party_names", "keep")
    if names not in NAME_MODES:
        problems.append(f"third_party_names must be one of {', '.join(NAME_MODES)}")
    tags = _names(data.get("remove_tags"), SENSITIVITY_TAGS, "remove_tags", problems)
    report = data.get("case_report") or {}
    lists: dict[str, frozenset[str]] = {}
    if not isinstance(report, dict):
        problems.append("case_report must be a mapping")
        report = {}
    for key in sorted(set(report) - set(_REPORT_KEYS), key=str):
        problems.append(f"case_report: unknown key {key!r}")
    for key, allowed in _REPORT_KEYS.items():
        lists[key] = _names(report.get(key), allowed, f"case_report.{key}", problems)
    if problems:
        raise ProfileError(f"{source}: " + "; ".join(problems))
    return RedactionProfile(
        id=profile_id, title=title.strip(), description=" ".join(description.split()),
        mode=str(mode), remove_tags=tags, third_party_names=str(names), **lists,
    )


def profiles_dir() -> Path:
    """Folder of the shipped profiles (``resources/redaction``)."""
    return resources_dir() / "redaction"


def load_profiles(directory: Path | None = None) -> dict[str, RedactionProfile]:
    """Every profile in ``directory`` (default: the shipped ones), by id, sorted."""
    folder = Path(directory) if directory else profiles_dir()
    found: dict[str, RedactionProfile] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ProfileError(f"{path.name}: cannot read the profile ({exc})") from None
        profile = parse_profile(data, path.name)
        if profile.id != path.stem:
            raise ProfileError(f"{path.name}: id {profile.id!r} must match the file name")
        found[profile.id] = profile
    if "none" not in found:
        found["none"] = RedactionProfile("none", "No redaction")
    return dict(sorted(found.items()))


def get_profile(name: str | None, directory: Path | None = None) -> RedactionProfile:
    """The profile called ``name`` (``None`` or ``""``: ``none``); ProfileError if unknown."""
    profiles = load_profiles(directory)
    key = (name or "none").strip()
    if key not in profiles:
        raise ProfileError(
            f"no redaction profile {key!r}; available: {', '.join(profiles)}"
        )
    return profiles[key]


# -- names of third parties -------------------------------------------------------------


def _fold(text: str) -> str:
    """``text`` without diacritics ("Nguyễn" -> "Nguyen"), for typed-without-accents text."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d") \
        .replace("Đ", "D")


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,]+", unicodedata.normalize("NFC", text)) if t]


class NameScrubber:
    """Replaces the names of given people in free text by a label (their role).

    Matches whole words, case-insensitively, with and without diacritics: full names in
    both orders, aliases, and each single name part, except parts that also belong to the
    person of concern (a parent often shares the family name; that name stays visible as
    part of the person of concern's own name).
    """

    def __init__(self, people: Sequence[tuple[Sequence[str], Sequence[str], str]],
                 keep_parts: Iterable[str] = ()) -> None:
        """``people``: (full names and aliases, name parts, replacement label) per person."""
        keep = {p.casefold() for p in keep_parts} | {_fold(p).casefold() for p in keep_parts}
        patterns: dict[str, str] = {}
        for full_names, parts, label in people:
            variants = [n for n in full_names if n.strip()]
            variants += [p for p in parts if len(p) >= 2 and p.casefold() not in keep
                         and _fold(p).casefold() not in keep]
            for variant in variants:
                for form in {unicodedata.normalize("NFC", variant.strip()), _fold(variant)}:
                    if form and form.casefold() not in patterns:
                        patterns[form.casefold()] = label
        self._labels = patterns
        if patterns:
            alternatives = sorted(patterns, key=len, reverse=True)
            body = "|".join(r"\s+".join(re.escape(w) for w in a.split()) for a in alternatives)
            self._regex: re.Pattern[str] | None = re.compile(
                rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
        else:
            self._regex = None

    def __call__(self, text: str) -> str:
        if self._regex is None or not text:
            return text
        normal = unicodedata.normalize("NFC", text)
        return self._regex.sub(self._replace, normal)

    def _replace(self, match: re.Match[str]) -> str:
        key = " ".join(match.group(0).split()).casefold()
        return f"[{self._labels.get(key, 'name withheld')}]"


def _role_label(roles: Iterable[str]) -> str:
    labels = sorted({PERSON_ROLE_LABELS.get(r, r.replace("_", " ")) for r in roles})
    return " / ".join(labels) or "Person"


@dataclass
class Redactor:
    """A profile bound to one case's people: what to show for names and free text."""

    profile: RedactionProfile
    persons: Sequence[CasePerson] = ()
    _roles: dict[str, set[str]] = field(default_factory=dict, init=False)
    _names: dict[str, str] = field(default_factory=dict, init=False)
    _scrub: NameScrubber | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        for link in self.persons:
            self._roles.setdefault(link.person.id, set()).add(link.role)
            self._names[link.person.id] = link.person.display_name
        if not self.profile.replaces_names:
            return
        poc_parts: list[str] = []
        people: list[tuple[list[str], list[str], str]] = []
        seen: set[str] = set()
        for link in self.persons:
            person = link.person
            if POC_ROLE in self._roles[person.id]:
                poc_parts += _tokens(person.family_name) + _tokens(person.given_names)
                for alias in person.aliases:
                    poc_parts += _tokens(alias)
        for link in self.persons:
            person = link.person
            if person.id in seen or self.is_poc(person.id):
                continue
            seen.add(person.id)
            given, family = person.given_names.strip(), person.family_name.strip()
            full = [f"{given} {family}", f"{family} {given}", f"{family}, {given}",
                    *person.aliases]
            parts = _tokens(given) + _tokens(family)
            for alias in person.aliases:
                parts += _tokens(alias)
            people.append(([f.strip(" ,") for f in full], parts,
                           _role_label(self._roles[person.id])))
        self._scrub = NameScrubber(people, poc_parts)

    def is_poc(self, person_id: str) -> bool:
        """Whether the person is a person of concern on this case."""
        return POC_ROLE in self._roles.get(person_id, set())

    def text(self, value: object) -> str:
        """Free text with third-party names replaced (unchanged when names are kept)."""
        text = "" if value is None else str(value)
        return self._scrub(text) if self._scrub is not None else text

    def person_name(self, person_id: str) -> str | None:
        """How to print a case person: name and role, or only the role for third parties
        under a name-replacing profile. None when the id is not a person on the case."""
        if person_id not in self._names:
            return None
        if self.name_withheld(person_id):
            return f"[{self.roles(person_id)} — name withheld]"
        return f"{self._names[person_id]} ({self.roles(person_id)})"

    def name_withheld(self, person_id: str) -> bool:
        """True for a third party under a profile that shows them by role only."""
        return self.profile.replaces_names and not self.is_poc(person_id)

    def roles(self, person_id: str) -> str:
        """The person's roles on the case, as words ("Potential target / Witness")."""
        return _role_label(self._roles.get(person_id, set()))


# -- tagged timeline entries and tasks ---------------------------------------------------


def entry_tags(timeline: Sequence[TimelineEntry]) -> dict[str, frozenset[str]]:
    """Each entry's sensitivity tags, shared along its chain of corrections: an original
    and its correction tell the same fact, so a tag added in a correction withholds the
    original too (and the original's tag keeps covering the correction). ``timeline``
    must hold the superseded entries too, or a chain is cut where one is missing."""
    by_id = {e.id: e for e in timeline}
    chains: dict[str, str] = {}
    for e in timeline:
        root = e
        seen = {e.id}
        while root.supersedes and root.supersedes in by_id and root.supersedes not in seen:
            root = by_id[root.supersedes]
            seen.add(root.id)
        chains[e.id] = root.id
    union: dict[str, set[str]] = {}
    for e in timeline:
        union.setdefault(chains[e.id], set()).update(e.sensitivity)
    return {e.id: frozenset(union[chains[e.id]]) for e in timeline}


@dataclass(frozen=True)
class TagWithholding:
    """Which timeline entries and tasks (plan items) a profile withholds because of their
    sensitivity tags: the one rule the case report and referrals to another team share, so
    a copy on paper and a copy sent to a team never disagree on what leaves the team.

    A withheld item shows none of its text: "[redacted]" in its place (``replace`` mode) or
    nothing at all (``omit``); what the item's mere presence or partner tells is the
    caller's to hide (see the case report's referrals section).
    """

    remove: frozenset[str]
    tags: dict[str, frozenset[str]]

    @classmethod
    def build(cls, profile: RedactionProfile,
              timeline: Sequence[TimelineEntry]) -> TagWithholding:
        """The rule for one case: ``timeline`` is the whole of it, corrected entries too."""
        return cls(profile.remove_tags, entry_tags(timeline))

    def entry_hits(self, e: TimelineEntry) -> frozenset[str]:
        """The removed tags that withhold the entry (empty: it is shown)."""
        return self.tags.get(e.id, frozenset(e.sensitivity)) & self.remove

    def task_hits(self, t: Task) -> frozenset[str]:
        """The removed tags that withhold the task (empty: it is shown)."""
        return frozenset(t.sensitivity) & self.remove

    def entry(self, e: TimelineEntry) -> bool:
        """Whether none of the entry's text may be shown."""
        return bool(self.entry_hits(e))

    def task(self, t: Task) -> bool:
        """Whether none of the task's text may be shown."""
        return bool(self.task_hits(t))

    def counted(self, entries: Iterable[TimelineEntry] = (),
                tasks: Iterable[Task] = ()) -> list[str]:
        """What is withheld of the entries and tasks a copy would carry, in words, for the
        dialogs that release it: ["3 timeline entries (mental health)",
        "1 plan item (criminal history)"]."""
        lines: list[str] = []
        hit = [h for h in (self.entry_hits(e) for e in entries) if h]
        if hit:
            lines.append(_count_line(len(hit), "timeline entry", "timeline entries", hit))
        hit = [h for h in (self.task_hits(t) for t in tasks) if h]
        if hit:
            lines.append(_count_line(len(hit), "plan item", "plan items", hit))
        return lines


def _count_line(count: int, one: str, many: str, tag_sets: Sequence[frozenset[str]]) -> str:
    found = sorted(set().union(*tag_sets))
    return f"{count} {one if count == 1 else many} ({sensitivity_words(found)})"


# -- forms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRedaction:
    """Which questions of one form a profile removes, and how.

    ``removed``: fields whose answer is withheld (tag match; a removed repeat takes its
    members with it). ``omitted``: fields and notes never shown at all (``omit`` mode, or a
    condition that depends on a removed answer). ``sections``: sections never shown.
    """

    removed: frozenset[str]
    omitted: frozenset[str]
    sections: frozenset[str]

    @classmethod
    def build(cls, form: FormDefinition, profile: RedactionProfile) -> FormRedaction:
        tags = profile.remove_tags
        removed: set[str] = set()
        for item in form.iter_fields(members=False):
            if tags & set(item.sensitivity):
                removed.add(item.id)
                removed.update(m.id for m in item.descendants())
            for member in item.descendants():
                if tags & set(member.sensitivity):
                    removed.add(member.id)
        tainted = set(removed)
        omitted: set[str] = set()
        sections: set[str] = set()
        changed = True
        # Propagate to a fixed point: anything whose visibility or value is computed from
        # a tainted field is tainted too.
        while changed:
            changed = False
            for section in form.sections:
                if section.id not in sections and _reads(section.relevant, tainted):
                    sections.add(section.id)
                    # Its fields read as unanswered whenever it is hidden, so whatever
                    # reads them would betray the hidden condition: taint them too.
                    tainted.update(f.id for f in section.fields)
                    tainted.update(m.id for f in section.fields for m in f.descendants())
                    changed = True
                for item in section.fields:
                    for candidate in (item, *item.descendants()):
                        if candidate.id in omitted:
                            continue
                        if _reads(candidate.relevant, tainted) or _reads(
                                candidate.calculation, tainted):
                            omitted.add(candidate.id)
                            if candidate.id not in tainted:
                                tainted.add(candidate.id)
                                changed = True
        for item in form.iter_fields():
            if item.id in removed and (profile.mode == "omit" or item.relevant is not None):
                omitted.add(item.id)
        return cls(frozenset(removed), frozenset(omitted), frozenset(sections))

    def shows(self, item: Field) -> bool:
        """Whether the question appears at all."""
        return item.id not in self.omitted

    def withholds(self, item: Field) -> bool:
        """Whether the question appears with "[redacted]" instead of its answer."""
        return item.id in self.removed and item.id not in self.omitted


def _reads(expression: Any, names: set[str]) -> bool:
    return expression is not None and bool(expression.field_ids & names)
