"""Reading and writing the BTAM case file: cases, persons and their roles, the timeline,
tasks and reviews, partners, attachments, trash, field history and search.

Every write is an :class:`~btam_desktop.core.ops.Operation` (change log + audit); reads are
plain SQL over the open vault.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from btam_desktop.core import audit, changelog, handed, queries, search
from btam_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from btam_desktop.core.ids import is_record_id, is_uuid
from btam_desktop.core.model import (
    AGE_GROUPS,
    CASE_STATUSES,
    CONCERN_LEVELS,
    DISCIPLINES,
    ENTRY_KINDS,
    PARTNER_KINDS,
    PERSON_ROLES,
    PURGE_REVIEW_DAYS,
    REFERRAL_STATUSES,
    TASK_KINDS,
    TIERS,
    TRASH_DAYS,
    Attachment,
    AuditEntry,
    Case,
    CasePerson,
    FieldChange,
    Partner,
    Person,
    Task,
    TimelineEntry,
    check_sensitivity,
    sensitivity_from_db,
    sensitivity_to_db,
)
from btam_desktop.core.ops import change_value

if TYPE_CHECKING:
    from btam_desktop.core.db import Database, Row
    from btam_desktop.core.dissemination import Dissemination, Release
    from btam_desktop.core.queries import CaseFilter
    from btam_desktop.core.session import Session

MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024
_TOO_BIG = "attachments are limited to 200 MB"


def read_attachment_file(path: Path) -> bytes:
    """The content of a file to attach: a pipe or a device is refused unread (a pipe used to
    block, a link to /dev/zero read without end), a regular file over the limit before
    anything is read, and the read is bounded (a file that grows meanwhile is refused)."""
    path = Path(path)
    try:
        return handed.read_handed(path, MAX_ATTACHMENT_BYTES)
    except handed.HandedFileTooLarge:
        raise InvalidInput(_TOO_BIG) from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
EDITABLE_CASE_FIELDS = (
    "title", "summary", "status", "concern", "tier", "next_review", "closure_reason",
    "purge_review_on", "opened_on",
)
EDITABLE_PERSON_FIELDS = (
    "family_name", "given_names", "aliases", "date_of_birth", "phone", "email", "address",
    "notes",
)
EDITABLE_PARTNER_FIELDS = (
    "name", "kind", "discipline", "contact_name", "phone", "email", "address", "services",
    "notes", "tiers", "ages", "area_served", "hours", "capacity", "wait_days",
)


# What a case holds, in the order a purge erases it: a record before anything it refers to
# (a dissemination names a submission; every one of them names the case). Each entry is
# (table, which rows belong to the case :case, the column referring to an older row of the
# same table: a correction supersedes an entry, an amendment amends a submission).
CASE_CHILDREN: tuple[tuple[str, str, str | None], ...] = (
    ("disseminations", "case_id = :case OR submission_id IN"
     " (SELECT id FROM submissions WHERE case_id = :case)", None),
    ("submissions", "case_id = :case", "amends"),
    ("timeline", "case_id = :case", "supersedes"),
    ("tasks", "case_id = :case", None),
    ("attachments", "case_id = :case", None),
    ("case_persons", "case_id = :case", None),
    ("case_assignments", "case_id = :case", None),
)


def _referrers_first(links: dict[str, str | None]) -> list[str]:
    """The ids of ``links`` (id -> the id it refers to, or None) ordered so that every record
    comes before the one it refers to: the newest of a chain of corrections first."""
    depth: dict[str, int] = {}
    for start in links:
        chain: list[str] = []
        current: str | None = start
        while current in links and current not in depth and current not in chain:
            chain.append(current)
            current = links[current]
        base = depth.get(current, -1) if current is not None else -1
        for record_id in reversed(chain):
            base += 1
            depth[record_id] = base
    return sorted(links, key=lambda i: (-depth[i], i))


def today() -> str:
    """Local calendar date, ISO."""
    return date.today().isoformat()


def _check_date(value: str | None, what: str) -> str | None:
    if value in (None, ""):
        return None
    assert value is not None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput(f"{what} must be a date like 2026-03-31, not {value!r}") from None


def _check_datetime(value: str | None, what: str) -> str:
    if not value:
        return datetime.now().replace(microsecond=0).isoformat(timespec="minutes")
    try:
        return datetime.fromisoformat(value).isoformat(timespec="minutes")
    except ValueError:
        raise InvalidInput(
            f"{what} must be a date and time like 2026-03-31T14:05, not {value!r}"
        ) from None


def _check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InvalidInput(f"{what} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _text(value: Any, what: str, *, required: bool = False, limit: int = 100_000) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise InvalidInput(f"{what} must not be empty")
    if len(text) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    return text


def _case(row: Row, assigned: tuple[str, ...] = ()) -> Case:
    return Case(
        id=row["id"], number=row["number"], title=row["title"], status=row["status"],
        concern=row["concern"], tier=row["tier"], opened_on=row["opened_on"],
        summary=row["summary"], closed_on=row["closed_on"], next_review=row["next_review"],
        closure_reason=row["closure_reason"], purge_review_on=row["purge_review_on"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        deleted_at=row["deleted_at"], assigned=assigned,
    )


def _person(row: Row) -> Person:
    return Person(
        id=row["id"], family_name=row["family_name"], given_names=row["given_names"],
        aliases=tuple(json.loads(row["aliases"] or "[]")), date_of_birth=row["date_of_birth"],
        phone=row["phone"], email=row["email"], address=row["address"], notes=row["notes"],
        deleted_at=row["deleted_at"],
    )


def _sensitivity(tags: tuple[str, ...] | list[str]) -> str:
    """Checked sensitivity tags in their stored form (InvalidInput names an unknown tag)."""
    try:
        return sensitivity_to_db(check_sensitivity(tags))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _entry(row: Row, superseded_by: str | None = None) -> TimelineEntry:
    return TimelineEntry(
        id=row["id"], case_id=row["case_id"], kind=row["kind"],
        occurred_at=row["occurred_at"], recorded_at=row["recorded_at"],
        author_name=row["author_name"], summary=row["summary"], details=row["details"],
        context=row["context"], outcome=row["outcome"], partner_id=row["partner_id"],
        referral_status=row["referral_status"], concern_from=row["concern_from"],
        concern_to=row["concern_to"], supersedes=row["supersedes"],
        superseded_by=superseded_by, author_id=row["author_id"],
        sensitivity=sensitivity_from_db(row["sensitivity"]),
    )


def _task(row: Row) -> Task:
    return Task(
        id=row["id"], case_id=row["case_id"], kind=row["kind"], title=row["title"],
        due_on=row["due_on"], assignee_id=row["assignee_id"], done_at=row["done_at"],
        notes=row["notes"], sensitivity=sensitivity_from_db(row["sensitivity"]),
    )


def _word_list(value: Any, vocabulary: tuple[str, ...], what: str) -> str:
    """Words of ``vocabulary`` (a list or comma-separated text) stored in its order."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    chosen = {str(v).strip() for v in items if str(v).strip()}
    unknown = sorted(chosen - set(vocabulary))
    if unknown:
        raise InvalidInput(f"unknown {what} {unknown[0]!r} (known: {', '.join(vocabulary)})")
    return ",".join(v for v in vocabulary if v in chosen)


def _wait_days(value: Any) -> int | None:
    """A waiting time in whole days (0-3650), or None when not known."""
    if value is None or value == "":
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("the waiting time is a number of days") from None
    if not 0 <= days <= 3650:
        raise InvalidInput("the waiting time is between 0 and 3,650 days")
    return days


def _partner(row: Row) -> Partner:
    return Partner(
        id=row["id"], name=row["name"], kind=row["kind"], discipline=row["discipline"],
        contact_name=row["contact_name"], phone=row["phone"], email=row["email"],
        address=row["address"], services=row["services"], notes=row["notes"],
        tiers=_words(row["tiers"]), ages=_words(row["ages"]), area_served=row["area_served"],
        hours=row["hours"], capacity=row["capacity"], wait_days=row["wait_days"],
    )


def _words(text: str | None) -> tuple[str, ...]:
    """A stored comma-separated list of vocabulary words (partners' tiers and ages)."""
    return tuple(w for w in (text or "").split(",") if w)


class CaseStore:
    """The case file API used by the CLI, the UI and the demo generator."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def db(self) -> Database:
        """The session's open database."""
        return self.session.db

    # -- cases ------------------------------------------
    def allocate_number(self, year: int) -> str:
        """The next case number of this device for ``year`` (call inside an operation)."""
        return self.allocate_numbers(year, 1)[0]

    def allocate_numbers(self, year: int, count: int) -> list[str]:
        """The next ``count`` case numbers of this device for ``year``, in order (call inside
        an operation; bulk writers take a batch's numbers in one read and one write)."""
        key = f"case_seq:{year}"
        current = int(self.db.meta(key) or 0)
        if count > 0:
            self.db.set_meta(key, str(current + count))
        # The device code keeps numbers from two laptops apart after their bundles merge.
        return [f"{year}-{n:04d}-{self.session.device_code}"
                for n in range(current + 1, current + count + 1)]

    def create_case(
        self,
        title: str,
        *,
        concern: str = "low",
        status: str = "open",
        tier: str = "universal",
        summary: str = "",
        opened_on: str | None = None,
        next_review: str | None = None,
    ) -> Case:
        """Open a new case file; the number is allocated from this device's yearly counter."""
        title = _text(title, "title", required=True, limit=200)
        _check_choice(concern, CONCERN_LEVELS, "concern level")
        _check_choice(status, CASE_STATUSES, "status")
        _check_choice(tier, TIERS, "prevention tier")
        if status == "closed":
            raise InvalidInput("a new case cannot start closed")
        opened = _check_date(opened_on, "opened date") or today()
        review = _check_date(next_review, "next review")
        with self.session.operation("case.create") as op:
            op.require_writer()
            number = self.allocate_number(int(opened[:4]))
            case_id = op.insert("cases", {
                "number": number, "title": title, "summary": _text(summary, "summary"),
                "status": status, "concern": concern, "tier": tier, "opened_on": opened,
                "next_review": review, "closure_reason": "", "created_at": audit.utc_now(),
                "created_by": self.session.member_id,
                # Every field written, so the change log keeps no copy of the new case (the
                # stored row is its value: ops' compact insert change).
                "closed_on": None, "purge_review_on": None,
            })
            op.audit("case.create", "case", case_id)
        return self.get_case(case_id)

    def _assigned(self, case_id: str) -> tuple[str, ...]:
        rows = self.db.query(
            "SELECT m.name FROM case_assignments a JOIN members m ON m.id = a.member_id"
            " WHERE a.case_id = ? AND a.deleted_at IS NULL ORDER BY m.name", (case_id,))
        return tuple(r[0] for r in rows)

    def resolve_case_id(self, id_or_number: str) -> str:
        """Accept a case id, a full number (2026-0042-K7Q) or a unique short one (2026-0042)."""
        key = id_or_number.strip()
        if is_record_id(key):
            # Short ids are case-sensitive: matched exactly as typed. A UUID (vaults made before
            # short ids) is stored lower-case and may be typed in capitals.
            row = self.db.query_one("SELECT id FROM cases WHERE id = ?", (key,))
            if row is None and is_uuid(key) and key != key.lower():
                row = self.db.query_one("SELECT id FROM cases WHERE id = ?", (key.lower(),))
        else:
            row = self.db.query_one("SELECT id FROM cases WHERE number = ?", (key.upper(),))
            if row is None:
                rows = self.db.query(
                    "SELECT id FROM cases WHERE number LIKE ? ESCAPE '\\' LIMIT 2",
                    (key.upper().replace("%", "\\%").replace("_", "\\_") + "-%",))
                if len(rows) > 1:
                    raise InvalidInput(
                        f"{key} matches cases from several devices; give the full number")
                row = rows[0] if rows else None
        if row is None:
            raise NotFound(f"no case {id_or_number!r}")
        return str(row[0])

    def get_case(self, id_or_number: str, *, include_deleted: bool = True) -> Case:
        """One case by id or number."""
        case_id = self.resolve_case_id(id_or_number)
        row = self.db.query_one("SELECT * FROM cases WHERE id = ?", (case_id,))
        assert row is not None
        if row["deleted_at"] and not include_deleted:
            raise NotFound(f"case {row['number']} is in the trash")
        return _case(row, self._assigned(case_id))

    # -- the case list and its filters ------------------------------------------------------
    # Each filter is written two ways. As a condition on one case row ``c`` (_filter_terms),
    # tested from indexes alone: the columns of cases_list or cases_filter, and an EXISTS probe
    # into the index of a member's assignments or of open dated tasks. And, for the filters
    # that pick out a set of cases (text, assigned member, overdue), as the ids of that set read
    # straight from its own index (_driving_sets, _ids_without_text). A page walks the list in
    # its order until it is full (_walk_list, _first_matches for a text), or else reads the
    # smallest set and tests the rest case by case; a count reads the quickest set for the
    # filters given and, with a text matching many cases, merges it with the matches in
    # document order (count_filtered). tests/core/test_search.py checks every way against
    # the case table's own filter.
    _ASSIGNED = ("EXISTS (SELECT 1 FROM case_assignments a INDEXED BY case_assignments_live"
                 " WHERE a.case_id = c.id AND a.member_id = :member AND a.deleted_at IS NULL)")
    _LATE_TASK = ("EXISTS (SELECT 1 FROM tasks t INDEXED BY tasks_open_case WHERE"
                  " t.case_id = c.id AND t.done_at IS NULL AND t.deleted_at IS NULL"
                  " AND t.due_on IS NOT NULL AND t.due_on > '' AND t.due_on < :today)")
    # An empty review date is no review date (as CaseRow and the dashboard read it), not a
    # date before every other.
    _LATE_REVIEW = "(c.status != 'closed' AND c.next_review > '' AND c.next_review < :today)"
    # The sets some filters pick out, each read from its own index: a member's cases, and the
    # cases of open tasks past due (the dashboard's too).
    _MEMBER_CASES = ("SELECT case_id FROM case_assignments INDEXED BY case_assignments_member"
                     " WHERE member_id = :member AND deleted_at IS NULL")
    _LATE_TASK_CASES = queries.LATE_TASK_CASES
    _OVERDUE = f"({_LATE_REVIEW} OR {_LATE_TASK})"
    _MATCHED_IDS = f"SELECT case_id FROM case_docs WHERE rowid IN ({search.MATCHING_ROWIDS})"
    _MATCHED = f"c.id IN ({_MATCHED_IDS})"
    # The text as a test of one case (its document's rowid among the matches, read once into
    # a temporary table), where another filter drives.
    # (The "+" keeps SQLite from seeking the case's document once per match: 40 s at 100,000
    # cases for a common word.)
    _TEXT_TEST = ("EXISTS (SELECT 1 FROM case_docs d WHERE d.case_id = c.id"
                  " AND +d.rowid IN matched)")
    # A walk in list order that has not filled its page after this many cases stops, and the
    # page is read from the matching set instead (a rare filter: few matches, sorted quickly).
    _WALK = 20_000
    # Fewer cases than this in a set (matches, a status, a member's...) are "few": each is
    # looked up; more are read in order and merged.
    _FEW = 5_000

    def _with_matches(self, sql: str) -> str:
        """``sql`` with the table ``matched`` (rowids of the documents matching ``:q``) that
        :attr:`_TEXT_TEST` reads, when it does."""
        if "+d.rowid IN matched" not in sql:
            return sql
        return f"WITH matched AS MATERIALIZED ({search.MATCHING_ROWIDS}) {sql}"

    def _filter_terms(self, flt: CaseFilter) -> tuple[list[str], dict[str, Any]]:
        """The conditions on ``cases c`` of every filter but the text, whose FTS query is
        ``params["q"]`` (a text without a searchable word matches nothing)."""
        where = [] if flt.include_deleted else ["c.deleted_at IS NULL"]
        params: dict[str, Any] = {}
        if flt.text:
            query = search.case_query(self.db, flt.text)
            if query is None:
                where.append("0")
            else:
                params["q"] = query
        if flt.status == queries.NOT_CLOSED:
            where.append("c.status != 'closed'")
        elif flt.status:
            where.append("c.status = :status")
            params["status"] = _check_choice(flt.status, CASE_STATUSES, "status")
        if flt.concern:
            where.append("c.concern = :concern")
            params["concern"] = _check_choice(flt.concern, CONCERN_LEVELS, "concern level")
        if flt.tier:
            where.append("c.tier = :tier")
            params["tier"] = _check_choice(flt.tier, TIERS, "prevention tier")
        if flt.overdue:
            # A review past due on a case not closed, or an open task past due (any status).
            params["today"] = flt.on or today()
            where.append(self._OVERDUE)
        if flt.assigned_to:
            where.append(self._ASSIGNED)
            params["member"] = flt.assigned_to
        return where, params

    def _case_filter(self, flt: CaseFilter) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (and its parameters) on ``cases c`` of every filter, the text
        included."""
        where, params = self._filter_terms(flt)
        if params.get("q"):
            where.append(self._MATCHED)
        return (" WHERE " + " AND ".join(where)) if where else "", params

    def _driving_sets(self, flt: CaseFilter, params: dict[str, Any]
                      ) -> list[tuple[int, str, str]]:
        """(size, ids SQL, name) of each filter that picks out a set of cases from its own
        index, smallest first. A size is capped: only which set is smaller matters."""
        cap = {"cap": self._FEW}
        sets: list[tuple[int, str, str]] = []
        if params.get("q"):
            sets.append((search.count_matches(self.db, params["q"], self._FEW),
                         self._MATCHED_IDS, "text"))
        if flt.assigned_to:
            ids = self._MEMBER_CASES
            sets.append((int(self.db.scalar(f"SELECT count(*) FROM ({ids} LIMIT :cap)",
                                            {**params, **cap})), ids, "assigned"))
        if flt.overdue:
            tasks = self._LATE_TASK_CASES
            reviews = ("SELECT id FROM cases INDEXED BY cases_review WHERE deleted_at IS NULL"
                       " AND status != 'closed' AND next_review > '' AND next_review < :today")
            size = int(self.db.scalar(f"SELECT count(*) FROM ({tasks} LIMIT :cap)",
                                      {**params, **cap}))
            if not flt.include_deleted:  # cases_review holds live cases only
                # UNION ALL: the IN list drops repeats itself, where UNION sorts both sides.
                sets.append((size, f"{tasks} UNION ALL {reviews}", "overdue"))
        return sorted(sets)

    def _matching_ids(self, flt: CaseFilter, where: list[str], params: dict[str, Any],
                      driver: tuple[int, str, str]) -> str:
        """SQL of the ids of every case matching ``where`` (and the text), read from the
        ``driver`` set and tested case by case from indexes alone."""
        terms = list(where)
        if params.get("q") and driver[2] != "text":
            terms.append(self._TEXT_TEST)
        # cases_filter holds every tested column (the trashed rows too), keyed by id.
        return (f"SELECT c.id FROM cases c INDEXED BY cases_filter WHERE c.id IN ({driver[1]})"
                + "".join(f" AND {t}" for t in terms))

    def _first_matches(self, where: list[str], params: dict[str, Any], count: int) -> str:
        """Ids (a JSON array) of a superset of the first ``count`` cases in list order that
        match the text ``params["q"]`` and ``where``.

        The FTS index is walked by rowid, newest opening day first (see core/search.py), so
        it stops after ``count`` matches instead of reading them all; the last day reached is
        then read whole, because within one day the rowids need not follow the numbers. The
        caller sorts these few in SQL."""
        if where:
            walk = ("SELECT f.rowid FROM case_fts f JOIN case_docs d ON d.rowid = f.rowid"
                    " JOIN cases c INDEXED BY cases_filter ON c.id = d.case_id"
                    " WHERE case_fts MATCH :q AND " + " AND ".join(where)
                    + " AND f.rowid >= :low ORDER BY f.rowid DESC")
        else:
            walk = ("SELECT rowid FROM case_fts f WHERE case_fts MATCH :q"
                    " AND f.rowid >= :low ORDER BY f.rowid DESC")
        rowids = [r[0] for r in self.db.query(walk + " LIMIT :n",
                                              {**params, "low": -(1 << 62), "n": count})]
        if len(rowids) == count and count:
            low = (rowids[-1] >> search.DAY_SHIFT) << search.DAY_SHIFT
            rowids = [r[0] for r in self.db.query(walk, {**params, "low": low})]
        return json.dumps(rowids)

    def _walk_list(self, where: list[str], params: dict[str, Any], count: int
                   ) -> list[str] | None:
        """Ids of the first ``count`` cases in list order passing ``where`` (no text), read
        from the cases_list index in its order; None when the first :attr:`_WALK` cases do
        not fill them (a rare filter: the caller reads its set instead)."""
        if "c.deleted_at IS NULL" not in where:
            return None  # cases_list holds live cases only
        rows = self.db.query(
            # deleted_at is NULL in every row of cases_list: read as such, not from the table.
            "SELECT c.id FROM (SELECT id, status, concern, tier, next_review,"
            " NULL AS deleted_at FROM cases INDEXED BY cases_list"
            " WHERE deleted_at IS NULL ORDER BY opened_on DESC, number DESC LIMIT :walk) c"
            " WHERE " + " AND ".join(where) + " LIMIT :n",
            {**params, "walk": self._WALK, "n": count})
        if len(rows) < count and self.db.scalar(
                "SELECT count(*) FROM (SELECT 1 FROM cases WHERE deleted_at IS NULL"
                " LIMIT :walk)", {"walk": self._WALK + 1}) > self._WALK:
            return None
        return [str(r[0]) for r in rows]

    def list_cases(
        self,
        *,
        text: str | None = None,
        status: str | None = None,
        concern: str | None = None,
        tier: str | None = None,
        overdue: bool = False,
        assigned_to: str | None = None,
        include_deleted: bool = False,
        on: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Case]:
        """Cases matching every filter given, newest number first."""
        return self.list_filtered(queries.CaseFilter.of(
            text=text, status=status, concern=concern, tier=tier, overdue=overdue,
            assigned_to=assigned_to, include_deleted=include_deleted, on=on),
            limit=limit, offset=offset)

    def list_filtered(self, flt: CaseFilter, *, limit: int | None = None,
                      offset: int = 0) -> list[Case]:
        """:meth:`list_cases` for a :class:`~btam_desktop.core.queries.CaseFilter`."""
        terms, params = self._filter_terms(flt)
        where = (" WHERE " + " AND ".join(terms)) if terms else ""
        if limit is not None and params.get("q"):
            sets = self._driving_sets(flt, params)
            if sets[0][2] == "text" or sets[0][0] >= self._FEW:
                # A text search's page: the few cases the index walk found, sorted here.
                params["rowids"] = self._first_matches(terms, params, offset + limit)
                where = (" WHERE c.id IN (SELECT case_id FROM case_docs WHERE rowid IN"
                         " (SELECT value FROM json_each(:rowids)))")
            else:
                # Another filter is the smaller set: read it, test the text case by case.
                where = f" WHERE c.id IN ({self._matching_ids(flt, terms, params, sets[0])})"
        elif limit is not None and "0" not in terms and len(terms) > (
                0 if flt.include_deleted else 1):
            found = self._walk_list(terms, params, offset + limit)
            if found is not None:
                params["found"] = json.dumps(found)
                where = " WHERE c.id IN (SELECT value FROM json_each(:found))"
            elif offset == 0 and self.count_filtered(flt) == 0:
                return []  # the counts' quick ways show there is nothing to read
            else:
                sets = self._driving_sets(flt, params)
                if sets:
                    where = f" WHERE c.id IN ({self._matching_ids(flt, terms, params, sets[0])})"
        elif params.get("q"):
            where += f" AND {self._MATCHED}" if where else f" WHERE {self._MATCHED}"
        order = " ORDER BY c.opened_on DESC, c.number DESC"
        if limit is not None:
            # The page's ids first: the assigned names are then read for its cases only (a
            # sort keeps every result column of every row it sorts).
            where = (f" WHERE c.id IN (SELECT c.id FROM cases c{where}{order}"
                     " LIMIT :limit OFFSET :offset)")
            params.update(limit=limit, offset=offset)
        sql = (
            "SELECT c.*, (SELECT group_concat(m.name, char(31)) FROM case_assignments a"
            " JOIN members m ON m.id = a.member_id WHERE a.case_id = c.id"
            f" AND a.deleted_at IS NULL) AS assigned_names FROM cases c{where}{order}"
        )
        rows = self.db.query(self._with_matches(sql), params)
        return [_case(r, tuple(filter(None, (r["assigned_names"] or "").split("\x1f"))))
                for r in rows]

    def count_cases(self, **filters: Any) -> int:
        """How many cases :meth:`list_cases` would return (without limit)."""
        return self.count_filtered(queries.CaseFilter.of(**filters))

    def count_filtered(self, flt: CaseFilter) -> int:
        """:meth:`count_cases` for a :class:`~btam_desktop.core.queries.CaseFilter`."""
        if flt.text and flt == queries.CaseFilter(text=flt.text, on=flt.on):
            # Only live cases have a document: the index alone counts them.
            query = search.case_query(self.db, flt.text)
            return 0 if query is None else search.count_matches(self.db, query)
        where, params = self._filter_terms(flt)
        if "0" in where:
            return 0
        if params.get("q") and flt == queries.CaseFilter(
                text=flt.text, assigned_to=flt.assigned_to, on=flt.on):
            # A text in a member's caseload: the documents of the member's cases (a case in
            # the trash has none) merged with the matches, both in rowid order; INTERSECT
            # counts a case assigned twice (by two laptops) once. 27 ms at 100,000 cases for
            # "threat" and the bench member (47,751 cases), against 47-55 ms the general way
            # below, which first intersects the member's cases with every live case.
            return int(self.db.scalar(
                f"SELECT count(*) FROM ({search.MATCHING_ROWIDS} INTERSECT SELECT d.rowid"
                f" FROM ({self._MEMBER_CASES}) m CROSS JOIN case_docs d"
                " ON d.case_id = m.case_id ORDER BY 1)", params))
        if not params.get("q"):
            if flt.assigned_to and where == ["c.deleted_at IS NULL", self._ASSIGNED]:
                # A caseload: the member's index alone, less the cases in the trash (few;
                # every assignment names a case: foreign key).
                return int(self.db.scalar(
                    f"SELECT count(DISTINCT case_id) FROM ({self._MEMBER_CASES})",
                    params)) - int(self.db.scalar(
                        "SELECT count(*) FROM cases c INDEXED BY cases_trashed WHERE"
                        f" c.deleted_at IS NOT NULL AND {self._ASSIGNED}", params))
            return int(self.db.scalar(
                f"SELECT count(*) FROM ({self._ids_without_text(flt, where, params)})", params))
        if search.count_matches(self.db, params["q"], self._FEW) < self._FEW:
            # Few matches: each tested from the indexes.
            return int(self.db.scalar("SELECT count(*) FROM (" + self._matching_ids(
                flt, where, params, (0, self._MATCHED_IDS, "text")) + ")",
                params))
        # Many matches: the documents of the cases passing the other filters, in rowid order,
        # merged with the matches as the index yields them (in the same order): no look-up
        # per match. Each passing case's document is found by a join as the cases are read,
        # not through an IN list (which first builds and sorts a table of every id: 40,000
        # closed cases at 100,000, 0.5-0.6x the time without it); INTERSECT drops repeats.
        others = self._ids_without_text(flt, where, params, ids=True)
        return int(self.db.scalar(
            f"WITH others(id) AS ({others}) SELECT count(*) FROM ({search.MATCHING_ROWIDS}"
            " INTERSECT SELECT d.rowid FROM others CROSS JOIN case_docs d"
            " ON d.case_id = others.id ORDER BY 1)", params))

    def _ids_without_text(self, flt: CaseFilter, where: list[str], params: dict[str, Any],
                          *, ids: bool = False) -> str:
        """SQL of the ids of the cases passing ``where`` (every filter but the text), read the
        quickest way for the filters given (``ids``: the ids themselves are read, not only
        counted; the status index holds row numbers, not ids)."""
        if flt.status and flt.status != queries.NOT_CLOSED and not flt.include_deleted and int(
                self.db.scalar("SELECT count(*) FROM cases c WHERE c.deleted_at IS NULL AND"
                               " c.status = :status" + (" AND c.concern = :concern"
                                                        if flt.concern else ""), params)
                ) < self._FEW:
            # A few cases of this status (and concern), from the status index: each tested.
            return ("SELECT c.id FROM cases c INDEXED BY cases_status WHERE "
                    + " AND ".join(where))
        if flt.overdue and not flt.include_deleted:
            # Two disjoint parts, each from its own index: late reviews, then cases with a
            # late open task whose review is not late (a look-up per late task's case). UNION
            # would sort both sets. cases_open_id (schema v16) holds every column a filter
            # tests for the open cases only (44% of them at 100,000 demo cases).
            tests = "".join(f" AND {t}" for t in where if t != self._OVERDUE)
            # Alone, the late reviews are counted from the review index; with other filters
            # their columns are needed (the review index holds no id).
            reviews = "cases_review" if tests == " AND c.deleted_at IS NULL" and not ids else (
                "cases_open_id")
            # A status other than closed: the late tasks' cases are looked up among the open
            # cases only (a smaller index).
            # (Spelled out: SQLite cannot tell that "status = :status" excludes closed.)
            tasks, open_only = ("cases_open_id", " AND c.status != 'closed'") if (
                flt.status and flt.status != "closed") else ("cases_filter", "")
            return (
                f"SELECT c.id FROM cases c INDEXED BY {reviews} WHERE c.deleted_at IS NULL"
                f" AND c.status != 'closed' AND c.next_review > '' AND c.next_review < :today"
                f"{tests} UNION ALL"
                f" SELECT c.id FROM cases c INDEXED BY {tasks} WHERE c.id IN"
                f" ({self._LATE_TASK_CASES}) AND NOT (c.status != 'closed'"
                f" AND coalesce(c.next_review > '' AND c.next_review < :today, 0))"
                f"{open_only}{tests}")
        if flt.assigned_to:
            # The member's cases (their index, in case id order) merged with the cases passing
            # every other filter (cases_filter, in the same order): two ordered reads, no
            # look-up per case.
            others = " AND ".join(t for t in where if t != self._ASSIGNED) or "1"
            return (f"{self._MEMBER_CASES} INTERSECT SELECT c.id"
                    f" FROM cases c INDEXED BY cases_filter WHERE {others} ORDER BY 1")
        # A status (and concern) leads the partial status index; any other mix reads the
        # small cases_filter index whole (100,000 short entries) rather than the table.
        facets = flt.status or flt.concern or flt.tier
        index = " INDEXED BY cases_filter" if facets and (
            flt.tier or flt.status == queries.NOT_CLOSED or flt.include_deleted
            or not flt.status or ids) else ""
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        return f"SELECT c.id FROM cases c{index}{clause}"

    def update_case(
        self, id_or_number: str, values: dict[str, Any], *, reason: str | None = None
    ) -> list[str]:
        """Change case fields; returns the fields that changed.

        A concern-level change needs a written rationale (``reason``) and is recorded on the
        timeline; closing needs a closure reason and sets the closed and purge-review dates.
        """
        case = self.get_case(id_or_number)
        if case.deleted_at:
            raise InvalidInput(f"case {case.number} is in the trash; restore it first")
        unknown = set(values) - set(EDITABLE_CASE_FIELDS)
        if unknown:
            raise InvalidInput(f"cannot change {', '.join(sorted(unknown))} of a case")
        clean: dict[str, Any] = {}
        for name, value in values.items():
            if name == "title":
                clean[name] = _text(value, "title", required=True, limit=200)
            elif name in ("summary", "closure_reason"):
                clean[name] = _text(value, name.replace("_", " "))
            elif name == "status":
                clean[name] = _check_choice(value, CASE_STATUSES, "status")
            elif name == "concern":
                clean[name] = _check_choice(value, CONCERN_LEVELS, "concern level")
            elif name == "tier":
                clean[name] = _check_choice(value, TIERS, "prevention tier")
            else:
                clean[name] = _check_date(value, name.replace("_", " "))
        rationale = _text(reason, "reason")
        concern_changes = "concern" in clean and clean["concern"] != case.concern
        if concern_changes and not rationale:
            raise InvalidInput("changing the concern level needs a written rationale (reason)")
        if clean.get("status") == "closed" and case.status != "closed":
            closure = clean.get("closure_reason", case.closure_reason)
            if not closure:
                raise InvalidInput("closing a case needs a closure reason")
            closed_on = today()
            clean["closed_on"] = closed_on
            clean.setdefault("purge_review_on", (
                date.fromisoformat(closed_on) + timedelta(days=PURGE_REVIEW_DAYS)).isoformat())
        elif "status" in clean and clean["status"] != "closed" and case.status == "closed":
            clean["closed_on"] = None
        with self.session.operation("case.update", reason=rationale or None) as op:
            op.require_writer()
            changed = op.update("cases", case.id, clean)
            if concern_changes:
                self._add_entry(op, case.id, kind="concern_change",
                                summary=f"Concern level {case.concern} → {clean['concern']}",
                                details=rationale, concern_from=case.concern,
                                concern_to=clean["concern"])
            op.audit("case.update", "case", case.id, fields=sorted(changed))
        return changed

    def assign(self, id_or_number: str, member_name: str) -> None:
        """Assign a team member to a case."""
        case_id = self.resolve_case_id(id_or_number)
        member = self.session.find_member(member_name)
        if member.name in self._assigned(case_id):
            return
        with self.session.operation("case.assign") as op:
            op.require_writer()
            link = op.insert("case_assignments", {
                "case_id": case_id, "member_id": member.id, "created_at": audit.utc_now()})
            op.audit("case.assign", "case", case_id, assignment=link)

    def unassign(self, id_or_number: str, member_name: str) -> None:
        """Take a team member off a case."""
        case_id = self.resolve_case_id(id_or_number)
        member = self.session.find_member(member_name)
        row = self.db.query_one(
            "SELECT id FROM case_assignments WHERE case_id = ? AND member_id = ?"
            " AND deleted_at IS NULL", (case_id, member.id))
        if row is None:
            raise NotFound(f"{member.name} is not assigned to this case")
        with self.session.operation("case.unassign") as op:
            op.require_writer()
            op.trash("case_assignments", row[0])
            op.audit("case.unassign", "case", case_id)

    def view_case(self, id_or_number: str) -> Case:
        """Read a case for display, recording in the audit trail who looked at it."""
        case = self.get_case(id_or_number)
        self.session.record_view("case", case.id)
        return case

    # -- trash ------------------------------------------
    def delete_case(self, id_or_number: str) -> None:
        """Move a case to the trash (restorable for 30 days)."""
        case = self.get_case(id_or_number)
        with self.session.operation("case.delete") as op:
            op.require_writer()
            op.trash("cases", case.id)
            op.audit("case.delete", "case", case.id)

    def restore_case(self, id_or_number: str) -> None:
        """Take a case back out of the trash."""
        case = self.get_case(id_or_number)
        if case.deleted_at:
            deleted = datetime.fromisoformat(case.deleted_at.replace("Z", "+00:00"))
            if datetime.now(UTC) - deleted > timedelta(days=TRASH_DAYS):
                raise InvalidInput(f"case {case.number} has been in the trash for more than"
                                   f" {TRASH_DAYS} days; it can only be purged")
        with self.session.operation("case.restore") as op:
            op.require_writer()
            op.restore("cases", case.id)
            op.audit("case.restore", "case", case.id)

    def trash(self) -> list[Case]:
        """Cases in the trash, oldest deletion first."""
        rows = self.db.query(
            "SELECT * FROM cases WHERE deleted_at IS NOT NULL ORDER BY deleted_at")
        return [_case(r) for r in rows]

    def purge_case(self, id_or_number: str) -> None:
        """Erase a trashed case and every record on it for good (team leads only).

        Every child record (timeline entries and their corrections, tasks, attachments, person
        links, assignments, form submissions with their amendments and drafts, and the
        dissemination log of the case or its submissions) is erased through
        :meth:`Operation.purge`, which leaves a tombstone with its id and removes its
        change-log rows and search entries. Records that refer to others go first, so the
        foreign keys hold at every step. The persons linked to the case are *not* purged: they
        may be on other cases and stay in the directory (purge them on their own if needed).
        The audit trail keeps its entries (ids only, never content).
        """
        case = self.get_case(id_or_number)
        if not case.deleted_at:
            raise InvalidInput(f"move case {case.number} to the trash before purging it")
        if self.session.role != "lead":
            raise PermissionDenied("only a team lead may purge a case")
        with self.session.operation("case.purge") as op:
            for table, where, refers_to_own in CASE_CHILDREN:
                links = {r[0]: (r[1] if refers_to_own else None) for r in self.db.query(
                    f"SELECT id, {refers_to_own or 'NULL'} FROM {table} WHERE {where}",
                    {"case": case.id})}
                for record_id in _referrers_first(links):
                    op.purge(table, record_id)
            op.purge("cases", case.id)
            # Referrals to and from other teams are this laptop's own bookkeeping (with the
            # reason and legal basis typed for them): they go with the case.
            self.db.execute("DELETE FROM referrals WHERE case_id = ?", (case.id,))
            op.audit("case.purge", "case", case.id)

    def purge_expired_trash(self) -> int:
        """Purge every case that has been in the trash longer than 30 days (team leads)."""
        cutoff = (datetime.now(UTC) - timedelta(days=TRASH_DAYS)).strftime("%Y-%m-%dT%H:%M:%S")
        expired = [c for c in self.trash() if (c.deleted_at or "") < cutoff]
        for case in expired:
            self.purge_case(case.id)
        return len(expired)

    # -- persons ------------------------------------------
    def _person_values(self, values: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for name, value in values.items():
            if name not in EDITABLE_PERSON_FIELDS:
                raise InvalidInput(f"a person has no field {name!r}")
            if name == "aliases":
                aliases = [a.strip() for a in (value or []) if str(a).strip()]
                clean[name] = json.dumps(aliases, ensure_ascii=False)
            elif name == "date_of_birth":
                clean[name] = _check_date(value, "date of birth")
            else:
                clean[name] = _text(value, name.replace("_", " "), limit=10_000)
        return clean

    def add_person(
        self,
        family_name: str,
        given_names: str = "",
        *,
        aliases: list[str] | None = None,
        date_of_birth: str | None = None,
        phone: str = "",
        email: str = "",
        address: str = "",
        notes: str = "",
    ) -> Person:
        """Add a person to the directory (link them to a case with :meth:`link_person`)."""
        if not (family_name or "").strip() and not (given_names or "").strip():
            raise InvalidInput("a person needs a family name or a given name")
        values = self._person_values({
            "family_name": family_name, "given_names": given_names, "aliases": aliases or [],
            "date_of_birth": date_of_birth, "phone": phone, "email": email,
            "address": address, "notes": notes})
        with self.session.operation("person.create") as op:
            op.require_writer()
            person_id = op.insert("persons", {
                **values, "created_at": audit.utc_now(), "created_by": self.session.member_id})
            op.audit("person.create", "person", person_id)
        return self.get_person(person_id)

    def get_person(self, person_id: str) -> Person:
        """One person by id."""
        row = self.db.query_one("SELECT * FROM persons WHERE id = ?", (person_id,))
        if row is None:
            raise NotFound(f"no person with id {person_id}")
        return _person(row)

    def update_person(self, person_id: str, values: dict[str, Any],
                      reason: str | None = None) -> list[str]:
        """Change a person's details; returns the fields that changed."""
        self.get_person(person_id)
        clean = self._person_values(values)
        with self.session.operation("person.update", reason=reason) as op:
            op.require_writer()
            changed = op.update("persons", person_id, clean)
            op.audit("person.update", "person", person_id, fields=sorted(changed))
        return changed

    def link_person(self, id_or_number: str, person_id: str, role: str,
                    notes: str = "") -> str:
        """Give a person a role on a case; returns the link id."""
        case_id = self.resolve_case_id(id_or_number)
        self.get_person(person_id)
        _check_choice(role, PERSON_ROLES, "role")
        existing = self.db.query_one(
            "SELECT id FROM case_persons WHERE case_id = ? AND person_id = ? AND role = ?"
            " AND deleted_at IS NULL", (case_id, person_id, role))
        if existing is not None:
            return str(existing[0])
        with self.session.operation("case.person.link") as op:
            op.require_writer()
            link = op.insert("case_persons", {
                "case_id": case_id, "person_id": person_id, "role": role,
                "notes": _text(notes, "notes"), "created_at": audit.utc_now()})
            op.audit("case.person.link", "case", case_id, role=role, person=person_id)
        return link

    def unlink_person(self, link_id: str) -> None:
        """Remove a person's role from a case (the person stays in the directory)."""
        row = self.db.query_one("SELECT case_id FROM case_persons WHERE id = ?", (link_id,))
        if row is None:
            raise NotFound("no such person link")
        with self.session.operation("case.person.unlink") as op:
            op.require_writer()
            op.trash("case_persons", link_id)
            op.audit("case.person.unlink", "case", row[0])

    def case_persons(self, id_or_number: str) -> list[CasePerson]:
        """People on a case with their roles."""
        case_id = self.resolve_case_id(id_or_number)
        rows = self.db.query(
            "SELECT cp.id AS link_id, cp.case_id, cp.role, p.* FROM case_persons cp"
            " JOIN persons p ON p.id = cp.person_id WHERE cp.case_id = ?"
            " AND cp.deleted_at IS NULL ORDER BY cp.role, p.family_name", (case_id,))
        return [CasePerson(r["link_id"], r["case_id"], r["role"], _person(r)) for r in rows]

    def search_persons(self, text: str, limit: int = 200) -> list[Person]:
        """Persons whose name, alias, phone or e-mail matches ``text``."""
        query = search.fts_query(text)
        if query is None:
            return []
        matching, params = search.person_ids_matching(query)
        rows = self.db.query(
            f"SELECT p.* FROM persons p WHERE p.deleted_at IS NULL AND p.id IN ({matching})"
            " ORDER BY p.family_name, p.given_names LIMIT :limit", {**params, "limit": limit})
        return [_person(r) for r in rows]

    def cases_of_person(self, person_id: str) -> list[tuple[Case, str]]:
        """Every (case, role) a person appears in."""
        rows = self.db.query(
            "SELECT c.*, cp.role AS person_role FROM case_persons cp JOIN cases c"
            " ON c.id = cp.case_id WHERE cp.person_id = ? AND cp.deleted_at IS NULL"
            " AND c.deleted_at IS NULL ORDER BY c.opened_on DESC", (person_id,))
        return [(_case(r), r["person_role"]) for r in rows]

    # -- timeline ------------------------------------------
    def _add_entry(self, op: Any, case_id: str, *, kind: str, summary: str,
                   occurred_at: str | None = None, **fields: Any) -> str:
        entry_id: str = op.insert("timeline", {
            "case_id": case_id, "kind": kind,
            "occurred_at": _check_datetime(occurred_at, "occurred at"),
            "recorded_at": audit.utc_now(), "author_id": self.session.member_id,
            "author_name": self.session.actor_name, "summary": summary, **fields})
        return entry_id

    def add_entry(
        self,
        id_or_number: str,
        kind: str,
        summary: str,
        *,
        occurred_at: str | None = None,
        details: str = "",
        context: str = "",
        outcome: str = "",
        partner_id: str | None = None,
        referral_status: str | None = None,
        supersedes: str | None = None,
        sensitivity: tuple[str, ...] | list[str] = (),
        reason: str | None = None,
    ) -> TimelineEntry:
        """Append a timeline entry. Entries are never changed; see :meth:`correct_entry`.
        ``sensitivity``: tags (mental_health, criminal_history...) redaction profiles read."""
        case = self.get_case(id_or_number)
        if case.deleted_at:
            raise InvalidInput(f"case {case.number} is in the trash")
        _check_choice(kind, ENTRY_KINDS, "entry type")
        if kind == "concern_change":
            raise InvalidInput("change the concern level on the case; it records the entry")
        summary = _text(summary, "summary", required=True, limit=500)
        tags = _sensitivity(sensitivity)
        if kind == "referral":
            if not partner_id:
                raise InvalidInput("a referral names the partner agency it went to")
            _check_choice(referral_status or "made", REFERRAL_STATUSES, "referral status")
            referral_status = referral_status or "made"
        if partner_id:
            self.get_partner(partner_id)
        if supersedes:
            old = self.db.query_one("SELECT case_id FROM timeline WHERE id = ?", (supersedes,))
            if old is None or old["case_id"] != case.id:
                raise NotFound("the entry to correct is not on this case")
        reason = _text(reason, "reason").strip() or None
        with self.session.operation("timeline.add", reason=reason) as op:
            op.require_writer()
            entry_id = self._add_entry(
                op, case.id, kind=kind, summary=summary, occurred_at=occurred_at,
                details=_text(details, "details"), context=_text(context, "context"),
                outcome=_text(outcome, "outcome"), partner_id=partner_id,
                referral_status=referral_status, supersedes=supersedes, sensitivity=tags)
            op.audit("timeline.correct" if supersedes else "timeline.add", "case", case.id,
                     entry=entry_id, kind=kind)
        return self.get_entry(entry_id)

    def add_note(self, id_or_number: str, text: str) -> TimelineEntry:
        """Shorthand for a note on the timeline."""
        text = _text(text, "note", required=True)
        first_line = text.splitlines()[0]
        summary = first_line if len(first_line) <= 120 else first_line[:117] + "..."
        return self.add_entry(id_or_number, "note", summary, details=text)

    def correct_entry(self, entry_id: str, *, reason: str | None = None,
                      **changes: Any) -> TimelineEntry:
        """Add a corrected copy of an entry that supersedes it; the original stays visible.
        ``reason`` (why it was corrected) is kept with the correction's change record."""
        old = self.get_entry(entry_id)
        if old.superseded_by:
            raise InvalidInput("that entry was already corrected; correct the newest version")
        if old.kind == "concern_change":
            raise InvalidInput("a concern level change is corrected by another change")
        fields: dict[str, Any] = {
            "summary": old.summary, "occurred_at": old.occurred_at, "details": old.details,
            "context": old.context, "outcome": old.outcome, "partner_id": old.partner_id,
            "referral_status": old.referral_status, "sensitivity": old.sensitivity,
        }
        unknown = set(changes) - set(fields)
        if unknown:
            raise InvalidInput(f"cannot correct {', '.join(sorted(unknown))}")
        fields.update(changes)
        return self.add_entry(old.case_id, old.kind, supersedes=old.id, reason=reason,
                              **fields)

    def correction_reason(self, entry_id: str) -> str:
        """Why an entry was written as a correction ("" when no reason was given)."""
        insert = changelog.insert_of(self.db, entry_id)
        return str((insert["reason"] if insert is not None else None) or "")

    def get_entry(self, entry_id: str) -> TimelineEntry:
        """One timeline entry."""
        row = self.db.query_one("SELECT * FROM timeline WHERE id = ?", (entry_id,))
        if row is None:
            raise NotFound(f"no timeline entry {entry_id}")
        newer = self.db.scalar("SELECT id FROM timeline WHERE supersedes = ?", (entry_id,))
        return _entry(row, newer)

    def timeline(self, id_or_number: str, *, kinds: tuple[str, ...] | None = None,
                 include_superseded: bool = True) -> list[TimelineEntry]:
        """A case's entries in the order they happened."""
        case_id = self.resolve_case_id(id_or_number)
        rows = self.db.query(
            "SELECT t.*, (SELECT n.id FROM timeline n WHERE n.supersedes = t.id) AS newer"
            " FROM timeline t WHERE t.case_id = ? ORDER BY t.occurred_at, t.recorded_at",
            (case_id,))
        entries = [_entry(r, r["newer"]) for r in rows]
        if kinds:
            entries = [e for e in entries if e.kind in kinds]
        if not include_superseded:
            entries = [e for e in entries if e.superseded_by is None]
        return entries

    # -- tasks and reviews ------------------------------------------
    def add_task(self, id_or_number: str, title: str, *, due_on: str | None = None,
                 kind: str = "task", assignee: str | None = None, notes: str = "",
                 sensitivity: tuple[str, ...] | list[str] = ()) -> Task:
        """Add a task or a scheduled review to a case (``sensitivity``: as for entries)."""
        case_id = self.resolve_case_id(id_or_number)
        _check_choice(kind, TASK_KINDS, "task kind")
        tags = _sensitivity(sensitivity)
        assignee_id = self.session.find_member(assignee).id if assignee else None
        with self.session.operation("task.create") as op:
            op.require_writer()
            task_id = op.insert("tasks", {
                "case_id": case_id, "kind": kind,
                "title": _text(title, "title", required=True, limit=300),
                "due_on": _check_date(due_on, "due date"), "assignee_id": assignee_id,
                "notes": _text(notes, "notes"), "created_at": audit.utc_now(),
                "sensitivity": tags})
            op.audit("task.create", "case", case_id, task=task_id)
        return self.get_task(task_id)

    def get_task(self, task_id: str) -> Task:
        """One task."""
        row = self.db.query_one("SELECT * FROM tasks WHERE id = ?", (task_id,))
        if row is None:
            raise NotFound(f"no task {task_id}")
        return _task(row)

    def complete_task(self, task_id: str) -> None:
        """Mark a task or review done."""
        task = self.get_task(task_id)
        if task.done_at:
            return
        with self.session.operation("task.complete") as op:
            op.require_writer()
            op.update("tasks", task_id, {"done_at": audit.utc_now(),
                                         "done_by": self.session.member_id})
            op.audit("task.complete", "case", task.case_id, task=task_id)

    def tasks(self, id_or_number: str) -> list[Task]:
        """A case's tasks, open ones first by due date."""
        case_id = self.resolve_case_id(id_or_number)
        rows = self.db.query(
            "SELECT * FROM tasks WHERE case_id = ? AND deleted_at IS NULL"
            " ORDER BY done_at IS NOT NULL, due_on IS NULL, due_on", (case_id,))
        return [_task(r) for r in rows]

    def _open_tasks_where(self, due_before: str | None, due_from: str | None,
                          assignee_id: str | None) -> tuple[str, list[Any]]:
        sql = (" FROM tasks t JOIN cases c ON c.id = t.case_id"
               " WHERE t.done_at IS NULL AND t.deleted_at IS NULL AND c.deleted_at IS NULL")
        params: list[Any] = []
        if due_from:
            sql += " AND t.due_on >= ?"
            params.append(_check_date(due_from, "due from"))
        if due_before:
            # An empty due date (a merged row may carry one) is no due date, not a late one.
            sql += " AND t.due_on > '' AND t.due_on < ?"
            params.append(_check_date(due_before, "due before"))
        if assignee_id:
            sql += " AND t.assignee_id = ?"
            params.append(assignee_id)
        return sql, params

    def open_tasks(self, *, due_before: str | None = None, due_from: str | None = None,
                   assignee_id: str | None = None, limit: int = 500) -> list[Task]:
        """Open tasks across live cases, soonest first (overdue: ``due_before=today()``;
        the next two weeks: ``due_from=today(), due_before=<today + 14 days>``)."""
        where, params = self._open_tasks_where(due_before, due_from, assignee_id)
        rows = self.db.query(f"SELECT t.*{where} ORDER BY t.due_on LIMIT ?", [*params, limit])
        return [_task(r) for r in rows]

    def count_open_tasks(self, *, due_before: str | None = None, due_from: str | None = None,
                         assignee_id: str | None = None) -> int:
        """How many tasks :meth:`open_tasks` would return without a limit."""
        where, params = self._open_tasks_where(due_before, due_from, assignee_id)
        # Without the join to cases: every open task through its partial index, less those
        # of trashed cases (few, found through the trashed-cases index). The join looked up
        # every open task's case: 0.5 s at 100,000 cases.
        tasks = where.replace(" JOIN cases c ON c.id = t.case_id", "").replace(
            " AND c.deleted_at IS NULL", "")
        trashed = where.replace(
            " FROM tasks t JOIN cases c ON c.id = t.case_id",
            " FROM cases c INDEXED BY cases_trashed CROSS JOIN tasks t ON t.case_id = c.id"
        ).replace(
            "c.deleted_at IS NULL", "c.deleted_at IS NOT NULL")
        return int(self.db.scalar(f"SELECT count(*){tasks}", params)) - int(
            self.db.scalar(f"SELECT count(*){trashed}", params))

    # -- partners ------------------------------------------
    def _partner_values(self, values: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for name, value in values.items():
            if name not in EDITABLE_PARTNER_FIELDS:
                raise InvalidInput(f"a partner has no field {name!r}")
            if name == "kind":
                clean[name] = _check_choice(value, PARTNER_KINDS, "kind")
            elif name == "discipline":
                clean[name] = _check_choice(value, DISCIPLINES, "discipline")
            elif name in ("tiers", "ages"):
                clean[name] = _word_list(value, TIERS if name == "tiers" else AGE_GROUPS, name)
            elif name == "wait_days":
                clean[name] = _wait_days(value)
            else:
                clean[name] = _text(value, name, required=(name == "name"), limit=10_000)
        return clean

    def add_partner(self, name: str, discipline: str, *, kind: str = "agency",
                    **details: Any) -> Partner:
        """Add a partner agency or community resource to the directory."""
        values = self._partner_values({"name": name, "discipline": discipline, "kind": kind,
                                       **details})
        with self.session.operation("partner.create") as op:
            op.require_writer()
            partner_id = op.insert("partners", {**values, "created_at": audit.utc_now()})
            op.audit("partner.create", "partner", partner_id)
        return self.get_partner(partner_id)

    def update_partner(self, partner_id: str, values: dict[str, Any]) -> list[str]:
        """Change a directory entry."""
        self.get_partner(partner_id)
        clean = self._partner_values(values)
        with self.session.operation("partner.update") as op:
            op.require_writer()
            changed = op.update("partners", partner_id, clean)
            op.audit("partner.update", "partner", partner_id, fields=sorted(changed))
        return changed

    def get_partner(self, partner_id: str) -> Partner:
        """One directory entry."""
        row = self.db.query_one("SELECT * FROM partners WHERE id = ?", (partner_id,))
        if row is None:
            raise NotFound(f"no partner {partner_id}")
        return _partner(row)

    def partners(self, *, text: str = "", discipline: str | None = None,
                 kind: str | None = None) -> list[Partner]:
        """The directory, optionally filtered."""
        sql = "SELECT * FROM partners WHERE deleted_at IS NULL"
        params: list[Any] = []
        if discipline:
            sql += " AND discipline = ?"
            params.append(_check_choice(discipline, DISCIPLINES, "discipline"))
        if kind:
            sql += " AND kind = ?"
            params.append(_check_choice(kind, PARTNER_KINDS, "kind"))
        if text:
            sql += " AND (name LIKE ? OR services LIKE ? OR contact_name LIKE ?)"
            params += [f"%{text}%"] * 3
        return [_partner(r) for r in self.db.query(sql + " ORDER BY name", params)]

    # -- attachments ------------------------------------------
    def add_attachment(self, id_or_number: str, filename: str, content: bytes, *,
                       media_type: str | None = None, description: str = "") -> Attachment:
        """Store a file inside the vault (encrypted with everything else)."""
        case_id = self.resolve_case_id(id_or_number)
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise InvalidInput("attachments are limited to 200 MB")
        name = Path(filename).name.strip() or "attachment"
        media = media_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        with self.session.operation("attachment.add") as op:
            op.require_writer()
            attachment_id = op.insert("attachments", {
                "case_id": case_id, "filename": name, "media_type": media,
                "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
                "content": content, "description": _text(description, "description"),
                "added_at": audit.utc_now(), "added_by": self.session.member_id})
            op.audit("attachment.add", "case", case_id, attachment=attachment_id,
                     size=len(content))
        return next(a for a in self.attachments(case_id) if a.id == attachment_id)

    def attachments(self, id_or_number: str) -> list[Attachment]:
        """A case's attachments (without their content)."""
        case_id = self.resolve_case_id(id_or_number)
        rows = self.db.query(
            "SELECT id, case_id, filename, media_type, size, sha256, added_at, description"
            " FROM attachments WHERE case_id = ? AND deleted_at IS NULL ORDER BY added_at",
            (case_id,))
        return [Attachment(*tuple(r)) for r in rows]

    def export_attachment(self, attachment_id: str, out: Path,
                          release: Release) -> Dissemination:
        """Write an attachment to ``out`` as a dissemination like a PDF: recipient, purpose and
        legal basis required, logged with the file's SHA-256, the record committed before the
        file appears (atomic, owner-only; see :func:`dissemination.write_export`)."""
        from btam_desktop.core import dissemination

        row = self.db.query_one("SELECT case_id, content FROM attachments WHERE id = ?",
                                (attachment_id,))
        if row is None:
            raise NotFound(f"no attachment {attachment_id}")
        return dissemination.write_export(
            self.session, Path(out), bytes(row["content"]), what="attachment",
            case_id=row["case_id"], release=release,
            audit_detail={"attachment": attachment_id})

    # -- history and audit ------------------------------------------
    def field_history(self, record_id: str, field: str | None = None) -> list[FieldChange]:
        """Each change of a record's fields, oldest first, with the value it replaced."""
        rows = changelog.history(self.db, record_id)
        current: dict[str, Any] = {}
        history: list[FieldChange] = []
        for row in rows:
            logged = change_value(self.db, row["tbl"], record_id, row["field"], row["value"])
            value = json.loads(logged) if logged is not None else None
            at = _stamp_time(row["hlc"])
            if row["field"] == "*":
                current.update(value or {})
                continue
            if row["field"].startswith("__"):
                continue  # markers (a conflict settled as it was), not a value
            name = row["field"]
            old = current.get(name)
            current[name] = value
            if field is None or field == name:
                history.append(FieldChange(record_id, name, old, value, at,
                                           row["member_name"], row["reason"]))
        return history

    def audit_trail(self, record_id: str | None = None, limit: int | None = None, *,
                    offset: int = 0, member_name: str | None = None,
                    action: str | None = None) -> list[AuditEntry]:
        """Audit entries, newest first; optionally about one record, by one member, of one
        action (or action prefix such as ``"case."``), a page at a time."""
        return audit.entries(self.db, record_id=record_id, limit=limit, offset=offset,
                             member_name=member_name, action=action)

    def count_audit(self, *, record_id: str | None = None, member_name: str | None = None,
                    action: str | None = None) -> int:
        """How many entries :meth:`audit_trail` would page through."""
        return audit.count(self.db, record_id=record_id, member_name=member_name,
                           action=action)


def _stamp_time(hlc: str) -> str:
    millis = int(hlc.split(".")[0])
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
