"""Vault schema and its forward-only migrations.

``MIGRATIONS[n]`` takes a vault from version ``n - 1`` to ``n``. A released migration is never
edited: tests open stored vaults made by every earlier version (``tests/data/vaults``).

Conventions every table follows, because sync bundles merge from them:
- ``id`` is a UUIDv7 string, never reused; ``deleted_at`` marks trash (soft delete);
- editable records carry ``updated_hlc``; immutable facts (timeline, attachments, audit) are
  only ever inserted;
- every write is mirrored in ``changes`` (the change log) by :mod:`btam_desktop.core.ops`.
"""

from __future__ import annotations

from btam_desktop.core.db import Database
from btam_desktop.core.errors import InvalidInput

SCHEMA_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    badge TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('officer', 'lead', 'analyst')),
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    device_id TEXT NOT NULL,
    updated_hlc TEXT NOT NULL
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'active', 'monitoring', 'closed')),
    concern TEXT NOT NULL CHECK (concern IN ('low', 'moderate', 'high', 'imminent')),
    tier TEXT NOT NULL CHECK (tier IN ('universal', 'selective', 'intensive')),
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    next_review TEXT,
    closure_reason TEXT NOT NULL DEFAULT '',
    purge_review_on TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT NOT NULL,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT
);
CREATE INDEX cases_status ON cases (status, concern) WHERE deleted_at IS NULL;
CREATE INDEX cases_review ON cases (next_review)
    WHERE deleted_at IS NULL AND status != 'closed';
CREATE INDEX cases_opened ON cases (opened_on);

CREATE TABLE case_assignments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    created_at TEXT NOT NULL,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT
);
CREATE INDEX case_assignments_case ON case_assignments (case_id);
CREATE INDEX case_assignments_member ON case_assignments (member_id) WHERE deleted_at IS NULL;

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    family_name TEXT NOT NULL DEFAULT '',
    given_names TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT '[]',
    date_of_birth TEXT,
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT NOT NULL,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT
);
CREATE INDEX persons_name ON persons (family_name, given_names);

CREATE TABLE case_persons (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    person_id TEXT NOT NULL REFERENCES persons (id),
    role TEXT NOT NULL CHECK (role IN ('person_of_concern', 'reporting_party',
        'potential_target', 'witness', 'family', 'partner_contact')),
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT
);
CREATE INDEX case_persons_case ON case_persons (case_id);
CREATE INDEX case_persons_person ON case_persons (person_id);

CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('agency', 'resource')),
    discipline TEXT NOT NULL CHECK (discipline IN ('mental_health', 'school', 'public_health',
        'social_services', 'victim_services', 'law_enforcement', 'other')),
    contact_name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    services TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT
);

CREATE TABLE timeline (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CHECK (kind IN ('concerning_behaviour', 'contact', 'intervention',
        'referral', 'note', 'review', 'concern_change')),
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    author_id TEXT,
    author_name TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    context TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    partner_id TEXT REFERENCES partners (id),
    referral_status TEXT,
    concern_from TEXT,
    concern_to TEXT,
    supersedes TEXT REFERENCES timeline (id),
    hlc TEXT NOT NULL,
    device_id TEXT NOT NULL
);
CREATE INDEX timeline_case ON timeline (case_id, occurred_at);
CREATE INDEX timeline_supersedes ON timeline (supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CHECK (kind IN ('task', 'review')),
    title TEXT NOT NULL,
    due_on TEXT,
    assignee_id TEXT REFERENCES members (id),
    done_at TEXT,
    done_by TEXT,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT
);
CREATE INDEX tasks_case ON tasks (case_id);
-- Overdue look-ups read only open tasks: a partial index keeps them fast at 100k cases.
CREATE INDEX tasks_open_due ON tasks (due_on, case_id)
    WHERE done_at IS NULL AND deleted_at IS NULL;

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    added_by TEXT,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT
);
CREATE INDEX attachments_case ON attachments (case_id);

-- The change log: one row per field changed (one '*' row holding the whole record on insert).
-- Sync bundles are built from it; base_hlc is the stamp of the value this change replaced.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id TEXT NOT NULL UNIQUE,
    tbl TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    base_hlc TEXT,
    hlc TEXT NOT NULL,
    device_id TEXT NOT NULL,
    member_id TEXT,
    reason TEXT
);
CREATE INDEX changes_record ON changes (record_id, field, hlc);
CREATE INDEX changes_hlc ON changes (hlc, device_id);

-- Append-only, hash-chained per device. 'detail' never holds case content, only field names
-- and counts, so the trail itself can be shown to an auditor.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    hlc TEXT NOT NULL,
    member_id TEXT,
    member_name TEXT NOT NULL,
    action TEXT NOT NULL,
    record_type TEXT,
    record_id TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX audit_record ON audit (record_id);

-- What remains of a purged record: its id, so a later sync cannot bring it back.
CREATE TABLE tombstones (
    record_id TEXT PRIMARY KEY,
    tbl TEXT NOT NULL,
    purged_at TEXT NOT NULL,
    purged_by TEXT,
    hlc TEXT NOT NULL,
    device_id TEXT NOT NULL
);

CREATE VIRTUAL TABLE search USING fts5 (
    kind UNINDEXED,
    record_id UNINDEXED,
    case_id UNINDEXED,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""

# v2: forms. Definitions in use are kept in the vault (a submission travels with the exact
# form it was made with); submissions hold answers as JSON, logged per answer in `changes`
# under the field name "answers.<field id>" so two devices editing one draft merge per answer.
SCHEMA_V2 = """
CREATE TABLE form_definitions (
    id TEXT PRIMARY KEY,
    form_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    definition TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('shipped', 'imported')),
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT NOT NULL,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    UNIQUE (form_id, version)
);

CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'complete', 'reviewed')),
    answers TEXT NOT NULL DEFAULT '{}',
    amends TEXT REFERENCES submissions (id),
    amendment_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT,
    completed_at TEXT,
    completed_by TEXT,
    reviewed_at TEXT,
    reviewed_by TEXT,
    updated_at TEXT NOT NULL,
    updated_hlc TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    FOREIGN KEY (form_id, form_version) REFERENCES form_definitions (form_id, version)
);
CREATE INDEX submissions_case ON submissions (case_id, status);

-- Dissemination log: every export that leaves the laptop, to whom, why, on what basis.
CREATE TABLE disseminations (
    id TEXT PRIMARY KEY,
    case_id TEXT REFERENCES cases (id),
    submission_id TEXT REFERENCES submissions (id),
    what TEXT NOT NULL,
    recipient TEXT NOT NULL,
    purpose TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    redaction_profile TEXT NOT NULL DEFAULT '',
    filename TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    exported_at TEXT NOT NULL,
    exported_by TEXT,
    exported_by_name TEXT NOT NULL,
    updated_hlc TEXT NOT NULL
);
CREATE INDEX disseminations_case ON disseminations (case_id);
CREATE INDEX submissions_amends ON submissions (amends) WHERE amends IS NOT NULL;
"""

# v3: the search index keyed by an ordinary table. FTS5 cannot index its record-id column, so
# replacing one record's text scanned the whole index (~1 s per write at 100k cases).
SCHEMA_V3 = """
CREATE TABLE search_docs (
    rowid INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    case_id TEXT
);
CREATE INDEX search_docs_case ON search_docs (case_id);
CREATE VIRTUAL TABLE search_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_docs (record_id, kind, case_id)
    SELECT record_id, kind, case_id FROM search GROUP BY record_id;
INSERT INTO search_fts (rowid, body)
    SELECT d.rowid, s.body FROM search s JOIN search_docs d ON d.record_id = s.record_id;
DROP TABLE search;
"""

# v4: indexes for the views at 100k cases: a member's open tasks ("My tasks" counted
# exactly), and the audit page filtered by action or member, newest first.
SCHEMA_V4 = """
CREATE INDEX tasks_open_assignee ON tasks (assignee_id, due_on)
    WHERE done_at IS NULL AND deleted_at IS NULL;
CREATE INDEX audit_action ON audit (action, seq);
CREATE INDEX audit_member ON audit (member_name, seq);
"""

# v5: sync bundles. Conflict resolutions name the changes they settle (``resolves``); the
# version vector, peers, bundle history, held records and the conflict queue are local
# bookkeeping of this laptop (never sent as records). Device keys live here, inside the
# encrypted database, so a stolen laptop without a passphrase exposes no bundle.
SCHEMA_V5 = """
ALTER TABLE changes ADD COLUMN resolves TEXT;
CREATE INDEX changes_device ON changes (device_id, hlc);
CREATE TABLE sync_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    keys TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sync_team (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    roster TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE sync_seen (
    device_id TEXT PRIMARY KEY,
    hlc TEXT NOT NULL DEFAULT '',
    audit_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sync_peers (
    device_id TEXT PRIMARY KEY,
    acked TEXT NOT NULL DEFAULT '{}',
    last_in_seq INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE TABLE sync_bundles (
    bundle_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    sender_device_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    file_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL DEFAULT '',
    recipients TEXT NOT NULL DEFAULT '[]',
    at TEXT NOT NULL,
    member_name TEXT NOT NULL DEFAULT '',
    filename TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (bundle_id, direction)
);
CREATE INDEX sync_bundles_sender ON sync_bundles (sender_device_id, sequence);
CREATE TABLE sync_forks (
    sender_device_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    bundle_ids TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    PRIMARY KEY (sender_device_id, sequence)
);
CREATE TABLE sync_pending (
    change_id TEXT PRIMARY KEY,
    waiting_for TEXT NOT NULL,
    change TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX sync_pending_waiting ON sync_pending (waiting_for);
CREATE TABLE sync_invitations (
    invitation_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_by TEXT
);
CREATE TABLE sync_requests (
    device_id TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined'))
);
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    tbl TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    winner_change_id TEXT,
    critical INTEGER NOT NULL DEFAULT 0,
    detected_at TEXT NOT NULL,
    resolved_change_id TEXT
);
CREATE INDEX conflicts_open ON conflicts (record_id) WHERE resolved_change_id IS NULL;
"""

# Key slots the vault knows (core/slot_registry.py): rekey reseals only these, unlock and
# check report any other slot in the unauthenticated key file. Local to this laptop: never
# carried by sync bundles.
SCHEMA_V6 = """
CREATE TABLE key_slots (
    slot_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('member', 'recovery')),
    public_key TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
"""

# v7: referrals between teams (core/sync/card.py, core/sync/referral.py). Other teams' contact
# cards, referrals sent and received, and the referral/acknowledgement bundles seen (replay
# and fork detection). Local to the lead laptop that handles them: never carried by sync
# bundles (what an accepted referral creates is ordinary case data and travels as such).
SCHEMA_V7 = """
CREATE TABLE referral_cards (
    team_id TEXT PRIMARY KEY,
    card_id TEXT NOT NULL,
    card TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    team_name TEXT NOT NULL,
    agency TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
    withdrawn_at TEXT,
    withdrawn_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE referrals (
    referral_id TEXT PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    follow_up_of TEXT,
    other_team_id TEXT NOT NULL,
    other_team_name TEXT NOT NULL,
    case_id TEXT,
    their_case_number TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('sent', 'received', 'accepted', 'declined')),
    reason TEXT NOT NULL DEFAULT '',
    legal_basis TEXT NOT NULL DEFAULT '',
    profile TEXT NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL DEFAULT '',
    bundle_id TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    sender_device_id TEXT NOT NULL,
    payload TEXT,
    counts TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    member_name TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    decided_by TEXT NOT NULL DEFAULT '',
    ack_bundle_id TEXT,
    ack_at TEXT
);
CREATE INDEX referrals_case ON referrals (case_id);
CREATE TABLE referral_bundles (
    bundle_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind TEXT NOT NULL CHECK (kind IN ('referral', 'ack')),
    team_id TEXT NOT NULL,
    sender_device_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    file_hash TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    at TEXT NOT NULL,
    filename TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (bundle_id, direction)
);
CREATE INDEX referral_bundles_sender ON referral_bundles (sender_device_id, sequence);
"""

# v8: nothing reads the change log by stamp alone any more (sync reads it per device, field
# history and conflicts per record), so that index only cost a write on every change.
SCHEMA_V8 = """
DROP INDEX IF EXISTS changes_hlc;
"""

# v9: sensitivity tags on timeline entries and tasks (plan items), a JSON list of the names
# forms use (core/forms/fieldtypes.SENSITIVITY_TAGS): redaction profiles leave tagged entries
# out of a partner's copy as they do tagged answers. Synced like every other field.
SCHEMA_V9 = """
ALTER TABLE timeline ADD COLUMN sensitivity TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN sensitivity TEXT NOT NULL DEFAULT '[]';
"""

# v10: audit entries signed (Ed25519) by the acting member's key slot, so a holder of the
# database key cannot rewrite another member's entries; ``audit_signers`` lists the public
# keys (this laptop's slots' and other laptops', from their bundles). Entries written before
# carry no signature ("unsigned, legacy"). See docs/vault-format.md.
SCHEMA_V10 = """
ALTER TABLE audit ADD COLUMN signer_key TEXT;
ALTER TABLE audit ADD COLUMN signature TEXT;
CREATE TABLE audit_signers (
    public_key TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    slot_id TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    replaced_at TEXT
);
CREATE INDEX audit_signers_slot ON audit_signers (device_id, slot_id);
"""

# v11: the search index as one document per case whose rowid follows the Cases list order
# (a first page walks the index and stops), and one per person; filled from the stored rows by
# core/search.rebuild after the statements (REBUILD_SEARCH). See core/search.py. Two small
# partial indexes let the dashboard count without reading case rows: trashed cases (open
# tasks are counted without a join, less those of trashed cases) and live cases' id, status,
# concern, review date and number (overdue, attention and caseload counts and lists); a
# member's assignments carry the case id in their index (a caseload without row reads).
SCHEMA_V11 = """
DROP TABLE search_fts;
DROP TABLE search_docs;
CREATE TABLE case_docs (
    rowid INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE case_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE person_docs (
    rowid INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE person_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE INDEX cases_trashed ON cases (id) WHERE deleted_at IS NOT NULL;
CREATE INDEX cases_live ON cases (id, status, concern, next_review, number)
    WHERE deleted_at IS NULL;
DROP INDEX case_assignments_member;
CREATE INDEX case_assignments_member ON case_assignments (member_id, case_id)
    WHERE deleted_at IS NULL;
"""

# v12: the community resource map: what each partner offers (prevention tiers, age groups,
# area served, hours, capacity, waiting time in days) so gaps can be named; synced like every
# other partner field. See docs/referrals.md and core/reports/resource_map.py.
SCHEMA_V12 = """
ALTER TABLE partners ADD COLUMN tiers TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN ages TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN area_served TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN hours TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN capacity TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN wait_days INTEGER;
"""

# v13: the Cases page reads the case list a page at a time in its order (newest number
# first: opening date, then number, both descending) and shows the first page at once. This
# index holds every column a row shows, so each page is read from the index alone, in order:
# 0.6 s for 100,000 cases and at most 15 ms a page, against twice that and a table look-up
# (a decrypted page) per case through cases_opened.
SCHEMA_V13 = """
CREATE INDEX cases_list ON cases (opened_on, number, id, title, status, concern, tier,
    next_review) WHERE deleted_at IS NULL;
"""

# v14: the same page's open-task due dates and assignees, each from an index alone (the
# per-case indexes led to a table look-up per task and per assignment: 3.3 s of a 100,000-case
# load, 1.1 s now).
SCHEMA_V14 = """
CREATE INDEX tasks_open_case ON tasks (case_id, due_on)
    WHERE done_at IS NULL AND deleted_at IS NULL AND due_on IS NOT NULL;
CREATE INDEX case_assignments_live ON case_assignments (case_id, member_id)
    WHERE deleted_at IS NULL;
"""

# v15: search and filters at 100,000 cases (issue 12). The case index gains FTS5 prefix indexes
# of one, two and three characters: a last word that short ("th", a query still being typed)
# matches as a prefix by reading one stored list instead of merging the lists of every indexed
# word it starts (0.13-0.6 s -> a few ms at 100,000 cases; the index grows by about 1.5 KB a
# case). FTS5 takes its prefix option only when the table is made, so case_fts is made again
# and filled from case_docs (rowids kept) by core/search.refill_cases (REFILL_CASE_INDEX). The
# index cases_filter holds every column a case filter tests, keyed by id (trashed cases too,
# for the trash-inclusive list), so a filter driven from a set of case ids (a member's
# assignments, the overdue cases, search matches) tests each case from the index alone, and a
# count by tier reads this small index instead of the table.
SCHEMA_V15 = """
DROP TABLE case_fts;
CREATE VIRTUAL TABLE case_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
CREATE INDEX cases_filter ON cases (id, deleted_at, status, concern, tier, next_review);
"""

# v16: the dashboard at 100,000 cases (issue 12). An index of the open cases (live, not closed)
# in the order "My caseload" lists them: concern from imminent down, then the review date (none
# last), then the number; with every column the list shows. A member's first cases are read in
# that order, each probed in the member's assignments, until the page is full (before: every
# case of the member looked up and sorted, 65-95 ms for a lead holding 29,000 open cases); the
# late reviews of imminent or high concern are a range of it (a walk of every live case
# before). The two expressions must stay those of core/queries.py (OPEN_RANK, OPEN_REVIEW):
# tests/core/test_queries_dashboard.py checks the query plans. The same open cases by id with
# every column a case filter tests (cases_open_id: 44,000 of 100,000 demo cases): the member's
# open cases are counted by merging it with the member's assignments, each case of a late task
# is looked up in it, and the store's overdue filter reads the late reviews from it; the
# dashboard's first read after an unlock decrypts every page it touches, and these touch a
# third to a half fewer (count 0.66x, late tasks 0.54x, cold).
SCHEMA_V16 = """
CREATE INDEX cases_open ON cases (
    CASE concern WHEN 'imminent' THEN 0 WHEN 'high' THEN 1 WHEN 'moderate' THEN 2 ELSE 3 END,
    coalesce(nullif(next_review, ''), '9999'), number, id, status, concern, next_review)
    WHERE deleted_at IS NULL AND status != 'closed';
CREATE INDEX cases_open_id ON cases (id, status, concern, tier, next_review)
    WHERE deleted_at IS NULL AND status != 'closed';
"""

# v17: the change log's per-record index drops the stamp (issue 12, vault size): keyed by
# (record, field) it is 1.2 KB a demo case (1.3 as written) instead of 1.75 (1.9), of 26.
# Every reader by record reads the change rows anyway (value, device, member, reason) except
# the base stamp of an edit (ops._field_base(s)), which now reads the few rows of that field
# and of the insert from the table instead of the index alone: 10-20 us more per edited
# record, against the several milliseconds of the edit's operation. See docs/vault-format.md.
SCHEMA_V17 = """
DROP INDEX changes_record;
CREATE INDEX changes_record ON changes (record_id, field);
"""

# v18: the fold (issue 12, vault size; docs/change-log-design.md): a plain insert change is
# kept in its record row instead of a change row (94 % of a demo vault's change log). Such a
# row's ``ins_actor`` names its (device, member) in ``change_actors`` (a small local number,
# never sent; two vaults number their actors differently); its change id is the record id and
# its stamp the row's own (``timeline.hlc``, else ``updated_hlc``: the insert's stamp for as
# long as ins_actor is set, because Operation.materialise writes the change row out and clears
# ins_actor before any UPDATE or DELETE of the row). ``change_log`` is the log as the union
# (read only by core/changelog.py); per folded table a partial index serves "a device's
# changes after a stamp". Only columns, a table, indexes and a view are added: rows written
# before keep their change rows (folding them is step 6 of the design, not done).
FOLDED: dict[str, str] = {
    "cases": "updated_hlc", "case_assignments": "updated_hlc", "persons": "updated_hlc",
    "case_persons": "updated_hlc", "timeline": "hlc", "tasks": "updated_hlc",
}
"""Folded tables and the column holding a folded insert's stamp (the view's arms, in order)."""
SCHEMA_V18 = """
CREATE TABLE change_actors (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    member_id TEXT
);
CREATE UNIQUE INDEX change_actors_pair ON change_actors (device_id, coalesce(member_id, ''));
""" + "".join(
    f"ALTER TABLE {table} ADD COLUMN ins_actor INTEGER;\n"
    f"CREATE INDEX {table}_folded ON {table} (ins_actor, {stamp})"
    " WHERE ins_actor IS NOT NULL;\n"
    for table, stamp in FOLDED.items()
) + "CREATE VIEW change_log AS\nSELECT seq, change_id, tbl, record_id, field, value," \
    " base_hlc, hlc, device_id, member_id, reason, resolves FROM changes" + "".join(
    f"\nUNION ALL SELECT NULL, t.id, '{table}', t.id, '*', NULL, NULL, t.{stamp},"
    " a.device_id, a.member_id, NULL, NULL FROM " + table +
    " t JOIN change_actors a ON a.id = t.ins_actor"
    for table, stamp in FOLDED.items()
) + ";\n"

# v19: who made a lead's change, proven (docs/bundle-format.md, "Who made a lead's change"):
# a purge, a conflict resolution or a form review is signed by the laptop that made it with
# its roster device key, and the signature travels with the change, so a laptop receiving it
# relayed by another can check that the lead laptop named on it made it. ``changes.sig``: the
# signature (base64) of a change's identifying fields (core/sync/leadsig.py), NULL for every
# other change and for lead changes written without a device key; ``tombstones.change_id`` and
# ``sig``: the purge change that left the tombstone and its signature (NULL for a record
# erased with its purged parent). ``change_log`` gains ``sig`` (NULL in the fold's arms: a
# folded insert is never a lead's change).
SCHEMA_V19 = """
ALTER TABLE changes ADD COLUMN sig TEXT;
ALTER TABLE tombstones ADD COLUMN change_id TEXT;
ALTER TABLE tombstones ADD COLUMN sig TEXT;
DROP VIEW change_log;
""" + "CREATE VIEW change_log AS\nSELECT seq, change_id, tbl, record_id, field, value," \
    " base_hlc, hlc, device_id, member_id, reason, resolves, sig FROM changes" + "".join(
    f"\nUNION ALL SELECT NULL, t.id, '{table}', t.id, '*', NULL, NULL, t.{stamp},"
    " a.device_id, a.member_id, NULL, NULL, NULL FROM " + table +
    " t JOIN change_actors a ON a.id = t.ins_actor"
    for table, stamp in FOLDED.items()
) + ";\n"

# v20: the vault's size (issue 12). The case index keeps which documents hold a word, not
# where in them (``detail = column``): 2.38 -> about 1.5 KB a demo case. Positions served
# only phrase queries: the one the app made, a whole case number as a phrase at the start of
# the document, is now the number's words in the document's own ``number`` column (FTS5
# column filters need only the column lists), and a user's word the tokenizer would split
# ("nightowl_5339") is split before it is quoted (core/search.py). Made again and filled from
# case_docs (rowids kept) by core/search.refill_cases, as v15 did.
SCHEMA_V20 = """
DROP TABLE case_fts;
CREATE VIRTUAL TABLE case_fts USING fts5 (
    number,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3',
    detail = column
);
"""

# v21: erased means erased (found while making backups copies of the vault's file). Both search
# indexes are contentless with ``contentless_delete``: a document taken out leaves its words
# in the stored segments until a merge, so the words of cases and persons purged before this
# version can still be in the index. A purge now merges the index (core/search.forget_purged);
# this merges it once where anything indexed was ever purged. (A vault coming from before v20
# has a case index made again by v20 and merges an empty one.) About 9 s at 100,000 cases.
SCHEMA_V21 = """
INSERT INTO case_fts (case_fts) SELECT 'optimize' WHERE EXISTS (SELECT 1 FROM tombstones
    WHERE tbl IN ('cases', 'timeline', 'submissions', 'case_persons', 'persons'));
INSERT INTO person_fts (person_fts) SELECT 'optimize' WHERE EXISTS (SELECT 1 FROM tombstones
    WHERE tbl = 'persons');
"""

MIGRATIONS: dict[int, str] = {
    1: SCHEMA_V1, 2: SCHEMA_V2, 3: SCHEMA_V3, 4: SCHEMA_V4, 5: SCHEMA_V5, 6: SCHEMA_V6,
    7: SCHEMA_V7, 8: SCHEMA_V8, 9: SCHEMA_V9, 10: SCHEMA_V10, 11: SCHEMA_V11,
    12: SCHEMA_V12, 13: SCHEMA_V13, 14: SCHEMA_V14, 15: SCHEMA_V15,
    16: SCHEMA_V16, 17: SCHEMA_V17, 18: SCHEMA_V18, 19: SCHEMA_V19, 20: SCHEMA_V20,
    21: SCHEMA_V21,
}
REBUILD_SEARCH = frozenset({11})
"""Versions after whose statements the search index is rebuilt from the stored rows (once,
when the whole migration's statements have run)."""
REFILL_CASE_INDEX = frozenset({15, 20})
"""Versions after whose statements the case documents are filled again from the stored rows,
keeping their rowids (the case index was made again; a whole rebuild covers it too)."""
SIGN_OWN = frozenset({19})
"""Versions after whose statements this laptop signs its own lead's changes written unsigned
before (with its device key, when it has one: core/sync/leadsig.py)."""
LATEST = max(MIGRATIONS)


def current_version(db: Database) -> int:
    """The schema version of an open vault (0 for an empty database)."""
    has_meta = db.scalar("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'")
    if not has_meta:
        return 0
    value = db.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(value) if value is not None else 0


def migrate(db: Database) -> tuple[int, int]:
    """Bring the vault to :data:`LATEST` in one transaction; returns (from, to)."""
    start = current_version(db)
    if start > LATEST:
        raise InvalidInput(
            f"this vault was written by a newer BTAM Desktop (schema {start}); update the app"
        )
    if start == LATEST:
        return start, start
    with db.transaction():
        for version in range(start + 1, LATEST + 1):
            for statement in _statements(MIGRATIONS[version]):
                db.execute(statement)
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(version),),
            )
        if REBUILD_SEARCH & set(range(start + 1, LATEST + 1)) and start > 0:
            from btam_desktop.core import search

            search.rebuild(db)
        elif REFILL_CASE_INDEX & set(range(start + 1, LATEST + 1)) and start > 0:
            from btam_desktop.core import search

            search.refill_cases(db)
        if SIGN_OWN & set(range(start + 1, LATEST + 1)) and start > 0:
            _sign_own(db)
    return start, LATEST


def _sign_own(db: Database) -> None:
    """After v19: the purges, resolutions and reviews this laptop made before are signed with
    its device key (a lead laptop's would otherwise not count when relayed by others)."""
    from btam_desktop.core.sync import leadsig

    device = db.meta("device_id")
    keys = leadsig.stored_keys(db, device) if device else None
    if keys is not None:
        leadsig.sign_own_unsigned(db, keys)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit our transaction)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    parts, current = [], ""
    for line in lines:
        current += line + "\n"
        if line.rstrip().endswith(";"):
            parts.append(current.strip())
            current = ""
    if current.strip():
        parts.append(current.strip())
    return parts
