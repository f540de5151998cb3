"""Possible duplicate persons: the same person entered twice, on one case or on two.

A pair is flagged when the two records share

* a date of birth, and their names are the same or similar once normalised: case, spacing,
  punctuation and diacritics folded (Lương = Luong), given and family name in either order
  (Nguyen Van An = An Nguyen Van), a name with one part more or less (Maria Garcia = Maria
  Elena Garcia), or a small spelling difference (Jon = John); or
* a phone number (digits only; a leading country code 1 ignored), or
* an e-mail address (case-insensitive).

A phone number or address shared by more than :data:`MAX_SHARED` persons is a switchboard, a
school office or a shelter, not evidence that two records are one person; such groups are
skipped. The result is a hint for a human: nothing is merged automatically.

Scale. Candidates are found by SQL grouping (``GROUP BY`` date of birth, phone digits,
lower-case e-mail), so the work grows with the number of persons, not with its square: names
are compared only inside one date-of-birth group (a handful of people each), and a large
group falls back to comparing normalised name keys.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from btam_desktop.core.session import Session

MAX_SHARED = 5
"""Persons sharing one phone number or e-mail before it counts as a shared line."""

PAIRWISE_LIMIT = 60
"""Above this many persons with one date of birth and one name part, only identical names
are paired."""

SIMILARITY = 0.86
"""difflib ratio of the normalised names from which two names count as similar."""

SAME_NAME = "same date of birth and same name"
TRANSPOSED = "same date of birth, same name with given and family name swapped"
SIMILAR_NAME = "same date of birth and a similar name"
SAME_PHONE = "same phone number"
SAME_EMAIL = "same e-mail address"

# Letters NFKD does not decompose into a base letter and a mark.
_SPECIAL = str.maketrans({
    "đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae",
    "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "ð": "d", "ı": "i",
})
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)

# The digits of a phone number in SQL: the separators people type removed, and only the last
# ten kept, which drops a North American country code 1 (phone_key does the same).
_PHONE_STRIPPED = ("replace(replace(replace(replace(replace(replace(replace(phone, ' ', ''),"
                   " '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '')")
_PHONE_DIGITS = f"substr({_PHONE_STRIPPED}, -10)"


@dataclass(frozen=True)
class DuplicatePair:
    """Two person records that may be one person, and why (``reasons``, plain words)."""

    first_id: str
    second_id: str
    first_name: str
    second_name: str
    reasons: tuple[str, ...] = field(default=())

    @property
    def reason(self) -> str:
        """The reasons as one sentence fragment ("same phone number; same e-mail address")."""
        return "; ".join(self.reasons)

    def other(self, person_id: str) -> tuple[str, str]:
        """(id, name) of the record paired with ``person_id``."""
        if person_id == self.first_id:
            return self.second_id, self.second_name
        return self.first_id, self.first_name


@lru_cache(maxsize=65_536)  # names repeat a lot (families, common given names)
def fold(text: str) -> str:
    """Lower case, diacritics removed, punctuation turned into spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _display(family: str, given: str) -> str:
    if family and given:
        return f"{family}, {given}"
    return family or given or "(unnamed)"


def phone_key(phone: str) -> str:
    """The last ten digits (a North American country code dropped), as the SQL key does."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-10:]


@dataclass(frozen=True)
class _Name:
    """A name folded once, for comparing it with many others."""

    family: str
    given: str
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, family: str, given: str) -> _Name:
        folded_family, folded_given = fold(family), fold(given)
        tokens = tuple(sorted(f"{folded_given} {folded_family}".split()))
        return cls(folded_family, folded_given, tokens)


def _ratio(a: str, b: str) -> float:
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b)
    # quick_ratio is an upper bound and much cheaper; most pairs stop here.
    if matcher.real_quick_ratio() < SIMILARITY - 0.1 or matcher.quick_ratio() < SIMILARITY - 0.1:
        return 0.0
    return matcher.ratio()


def _compare(a: _Name, b: _Name) -> str | None:
    if not a.tokens or not b.tokens:
        return None
    if a.family == b.family and a.given == b.given:
        return SAME_NAME
    if a.tokens == b.tokens:
        return TRANSPOSED  # the same parts, split between given and family name differently
    a_set, b_set = set(a.tokens), set(b.tokens)
    shorter, longer = sorted((a_set, b_set), key=len)
    if len(shorter) >= 2 and shorter <= longer:
        return SIMILAR_NAME  # one has an extra (middle) name
    # Spelling: family and given names compared on their own (in both orders, for swapped
    # parts), so that two people who merely share a family name and a birthday do not look
    # alike because the shared family name dominates the string.
    for family, given in ((b.family, b.given), (b.given, b.family)):
        family_ratio = _ratio(a.family, family)
        given_ratio = _ratio(a.given, given) if family_ratio else 0.0
        if min(family_ratio, given_ratio) >= SIMILARITY - 0.1 and \
                (family_ratio + given_ratio) / 2 >= SIMILARITY:
            return SIMILAR_NAME
    return None


def compare_names(first: tuple[str, str], second: tuple[str, str]) -> str | None:
    """The name reason for two (family, given) names with the same date of birth, or None."""
    return _compare(_Name.of(*first), _Name.of(*second))


class _Pairs:
    """Pairs keyed by their two ids (in a fixed order), collecting reasons."""

    def __init__(self) -> None:
        self._reasons: dict[tuple[str, str], list[str]] = {}
        self._names: dict[str, str] = {}

    def add(self, a: tuple[str, str], b: tuple[str, str], reason: str) -> None:
        (a_id, a_name), (b_id, b_name) = sorted((a, b))
        if a_id == b_id:
            return
        self._names[a_id], self._names[b_id] = a_name, b_name
        reasons = self._reasons.setdefault((a_id, b_id), [])
        if reason not in reasons:
            reasons.append(reason)

    def result(self) -> list[DuplicatePair]:
        pairs = [
            DuplicatePair(a, b, self._names[a], self._names[b], tuple(reasons))
            for (a, b), reasons in self._reasons.items()
        ]
        pairs.sort(key=lambda p: (p.first_name.casefold(), p.second_name.casefold(),
                                  p.first_id, p.second_id))
        return pairs


def _pair_by_birth(rows: Iterable[Any], pairs: _Pairs) -> None:
    """Rows ordered by date of birth (``key``): compare names inside each date's group."""
    group: list[Any] = []
    current: str | None = None
    for row in [*rows, None]:
        dob = None if row is None else row["key"]
        if group and dob != current:
            _pair_group(group, pairs)
            group = []
        if row is not None:
            current = dob
            group.append(row)


def _pair_group(group: Sequence[Any], pairs: _Pairs) -> None:
    people = [(r["id"], _display(r["family_name"], r["given_names"]),
               _Name.of(r["family_name"], r["given_names"])) for r in group]
    # Blocking: only names sharing at least one folded part are compared (a spelling
    # difference in *every* part is not caught; comparing every pair would be quadratic).
    by_token: dict[str, list[int]] = defaultdict(list)
    for index, (_id, _display_name, name) in enumerate(people):
        for token in set(name.tokens):
            by_token[token].append(index)
    compared: set[tuple[int, int]] = set()
    for members in by_token.values():
        if len(members) > PAIRWISE_LIMIT:
            # A crowded date and a common name part (a placeholder date of birth): only
            # identical name keys count here, which is linear.
            _pair_same_keys([people[i] for i in members], pairs)
            continue
        for position, i in enumerate(members):
            for j in members[position + 1:]:
                if (i, j) in compared:
                    continue
                compared.add((i, j))
                reason = _compare(people[i][2], people[j][2])
                if reason:
                    pairs.add(people[i][:2], people[j][:2], reason)


def _pair_same_keys(people: Sequence[tuple[str, str, _Name]], pairs: _Pairs) -> None:
    by_key: dict[tuple[str, ...], list[tuple[str, str, _Name]]] = defaultdict(list)
    for person in people:
        by_key[person[2].tokens].append(person)
    for members in by_key.values():
        first = members[0]
        for other in members[1:]:
            pairs.add(first[:2], other[:2], _compare(first[2], other[2]) or SAME_NAME)


def _pair_shared(rows: Iterable[Any], reason: str, pairs: _Pairs) -> None:
    """Rows carrying a normalised contact ``key``: pair the members of each small group."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        if row["key"]:
            groups[row["key"]].append(
                (row["id"], _display(row["family_name"], row["given_names"])))
    for members in groups.values():
        if 2 <= len(members) <= MAX_SHARED:
            for i, first in enumerate(members):
                for second in members[i + 1:]:
                    pairs.add(first, second, reason)


_LIVE = "deleted_at IS NULL"
_EMAIL_KEY = "lower(trim(email))"
# (SQL key, condition for having one, most persons per group or None, reason)
_CONTACT_KEYS = (
    (_PHONE_DIGITS, "phone != ''", MAX_SHARED, SAME_PHONE),
    (_EMAIL_KEY, "trim(email) != ''", MAX_SHARED, SAME_EMAIL),
)


def _grouped(session: Session, key_sql: str, has_key: str, most: int | None) -> list[Any]:
    """Live persons sharing ``key_sql`` with at least one other (at most ``most`` per key),
    ordered by the key: one scan and one sort (a window count), whatever the size."""
    upper = f" AND n <= {int(most)}" if most else ""
    return session.db.query(
        "SELECT id, family_name, given_names, key FROM ("
        f"SELECT id, family_name, given_names, {key_sql} AS key,"
        f" count(*) OVER (PARTITION BY {key_sql}) AS n"
        f" FROM persons WHERE {_LIVE} AND {has_key}) WHERE n > 1{upper} ORDER BY key")


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


def _around(session: Session, person_ids: Sequence[str]) -> tuple[list[Any], ...]:
    """Persons sharing a date of birth, phone or e-mail with one of ``person_ids``, split by
    key as :func:`_grouped` returns them.

    One scan with cheap comparisons first (the phone key expression runs only where the
    last four characters match); a shared line's rows are counted and dropped inside SQL, so
    a switchboard number does not bring thousands of rows into Python.
    """
    db = session.db
    mine = db.query(f"SELECT date_of_birth, phone, email FROM persons WHERE {_LIVE}"
                    f" AND id IN ({_in(person_ids)})", list(person_ids))
    births = sorted({r["date_of_birth"] for r in mine if r["date_of_birth"]})
    phones = sorted({phone_key(r["phone"]) for r in mine} - {""})
    emails = sorted({_email_key(r["email"]) for r in mine} - {""})
    tails = sorted({p[-4:] for p in phones})
    phone_match = (f"(substr(phone, -4) IN ({_in(tails)})"
                   f" AND {_PHONE_DIGITS} IN ({_in(phones)}))")
    email_match = f"({_EMAIL_KEY} IN ({_in(emails)}))"
    rows = db.query(
        "SELECT id, family_name, given_names, dob,"
        f" CASE WHEN phones <= {MAX_SHARED} THEN phone_key END AS phone_key,"
        f" CASE WHEN emails <= {MAX_SHARED} THEN email_key END AS email_key FROM ("
        "SELECT id, family_name, given_names, dob, phone_key, email_key,"
        " count(phone_key) OVER (PARTITION BY phone_key) AS phones,"
        " count(email_key) OVER (PARTITION BY email_key) AS emails FROM ("
        "SELECT id, family_name, given_names,"
        f" CASE WHEN date_of_birth IN ({_in(births)}) THEN date_of_birth END AS dob,"
        f" CASE WHEN {phone_match} THEN {_PHONE_DIGITS} END AS phone_key,"
        f" CASE WHEN {email_match} THEN {_EMAIL_KEY} END AS email_key"
        f" FROM persons WHERE {_LIVE} AND (date_of_birth IN ({_in(births)})"
        f" OR {phone_match} OR {email_match})))"
        f" WHERE dob IS NOT NULL OR (phone_key IS NOT NULL AND phones <= {MAX_SHARED})"
        f" OR (email_key IS NOT NULL AND emails <= {MAX_SHARED})",
        [*births, *tails, *phones, *emails, *births, *tails, *phones, *emails])
    split: tuple[list[dict[str, Any]], ...] = ([], [], [])
    for row in rows:
        base = {"id": row["id"], "family_name": row["family_name"],
                "given_names": row["given_names"]}
        for target, column in zip(split, ("dob", "phone_key", "email_key"), strict=True):
            if row[column]:
                target.append({**base, "key": row[column]})
    for target in split:
        target.sort(key=lambda r: str(r["key"]))
    return split


def _email_key(email: str) -> str:
    return email.strip().lower()


def find_duplicates(session: Session, person_ids: Sequence[str] | None = None
                    ) -> list[DuplicatePair]:
    """Possible duplicate pairs among live persons, sorted by name.

    With ``person_ids`` only pairs involving those persons are returned (to flag search
    results): one scan of the persons table instead of three groupings.
    """
    if person_ids is not None and not person_ids:
        return []
    pairs = _Pairs()
    if person_ids is None:
        by_birth = _grouped(session, "date_of_birth", "date_of_birth IS NOT NULL", None)
        contacts = [(_grouped(session, key, has, most), reason)
                    for key, has, most, reason in _CONTACT_KEYS]
    else:
        by_birth, phones, emails = _around(session, person_ids)
        contacts = [(phones, SAME_PHONE), (emails, SAME_EMAIL)]
    # Names are compared inside each date-of-birth group only.
    _pair_by_birth(by_birth, pairs)
    for rows, reason in contacts:
        _pair_shared(rows, reason, pairs)
    result = pairs.result()
    if person_ids is not None:
        wanted = set(person_ids)
        result = [p for p in result if p.first_id in wanted or p.second_id in wanted]
    return result


def duplicates_by_person(pairs: Iterable[DuplicatePair]) -> dict[str, list[DuplicatePair]]:
    """Index pairs by each of their two persons."""
    index: dict[str, list[DuplicatePair]] = defaultdict(list)
    for pair in pairs:
        index[pair.first_id].append(pair)
        index[pair.second_id].append(pair)
    return dict(index)
