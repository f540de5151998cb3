"""Fictional demonstration data: a partner directory and BTAM case files for training,
screenshots and benchmarks.

Everything here is invented. Agency names, places and people are made-up combinations; phone
numbers are in the 555-0100..0199 range reserved for fiction and e-mail addresses use the
reserved ``.example`` domain. Case text describes *behaviour* in context (statements,
approach, fixation, leakage, interventions and their outcomes), never a person's protected
characteristics; name lists mix origins and scripts and are drawn uniformly for every role, so
no group of names is tied to being a person of concern.

Output depends only on ``seed``, ``cases`` and ``today``: titles, names, dates and text repeat
exactly; ids, clock stamps and ``recorded_at``/``created_at`` (which say when the rows were
written) do not.

Write path. Every record goes through :class:`~btam_desktop.core.ops.Operation` (one change-log
row per record or field change, audit entries), grouped in one operation per batch of
:data:`BATCH_CASES` cases so progress can be reported and a cancel keeps what was committed. It
does not call ``CaseStore.create_case``/``add_person``/``add_entry`` per record because those
are too slow for 10,000+ cases (measured in ``tests/bench``):

* each store call re-reads what it wrote (``get_case``, ``resolve_case_id``, ``find_member``)
  and appends its own audit entry: about 0.2 ms per call, against
  about 0.05 ms for ``op.insert``.

So this module gathers a batch's records per table and inserts them with
``op.insert_many`` (one statement per table, change-log rows included); the operation indexes
what it touched for search before it commits, by the same rule as for every write
(core/search.py). The tests
check that the store's searches find demo records. Records that are few (partners) go through
the store's public methods.

A case's later history (a concern change with its rationale, closing) is not an UPDATE after
the insert: it is handed to ``insert_many`` as the record's ``edits``, which logs exactly what
insert + update would (the case as opened, then each changed field with its own later stamp
and reason) and stores the row once, in its final state. The field history, bundles and the
conflict rules therefore see a case that was opened and then changed, as it was.
"""

from __future__ import annotations

import functools
import json
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import TYPE_CHECKING

from btam_desktop.core import audit
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.ids import new_ids
from btam_desktop.core.model import (
    PURGE_REVIEW_DAYS,
    Member,
    sensitivity_to_db,
    suggest_sensitivity,
)
from btam_desktop.core.ops import collector_paused

if TYPE_CHECKING:
    from btam_desktop.core.ops import Operation
    from btam_desktop.core.session import Session

BATCH_CASES = 2000
"""Cases per operation (transaction): progress and a cancel every 1-3 s. Each commit writes
the batch's pages to the WAL and checkpoints them into the vault (fsync under
``synchronous=FULL``), and the index pages a batch shares with the next are written again by
each: at 500 cases a batch, commits took a fifth of a demo's time (tests/bench/bench_write.py,
4,000 cases: commits 2.8 -> 1.8 s, write path / executemany 2.5 -> 2.1 at 2,000). A batch's
pages (about 50 MB) still fit the session's 64 MiB page cache (db.CACHE_KIB)."""

HISTORY_DAYS = 3 * 365
"""Cases open over the last three years."""

Progress = Callable[[int, int], bool]


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` made (``cancelled``: the progress callback stopped it early)."""

    cases: int
    persons: int
    entries: int
    tasks: int
    partners: int
    seconds: float
    cancelled: bool = False


# -- vocabularies -------------------------------------------------------------------------
# Invented places. "Harlow County" and its towns stand for the department's own jurisdiction.

STREETS = (
    "Juniper Court", "Alder Way", "Marlowe Street", "Quarry Road", "Heron Lane",
    "Foxglove Drive", "Tamarack Avenue", "Belvedere Place", "Copperfield Road",
    "Sumac Terrace", "Wrenfield Lane", "Ironbridge Road", "Larch Hollow", "Millrace Street",
    "Pennywhistle Lane", "Bramblewood Drive", "Osprey Point Road", "Cinder Street",
    "Lantern Row", "Kestrel Way", "Thornbury Avenue", "Goldfinch Circle", "Saltmarsh Road",
    "Hawthorne Bend", "Driftwood Court", "Old Mill Road", "Ridgecrest Drive", "Briar Lane",
    "Sextant Way", "Clover Hill Road",
)
TOWNS = ("Harlow", "Ashford", "Lakeview", "Maple Ridge", "Eastbrook", "Northgate")
AREA_CODES = ("206", "312", "503", "614", "720", "919")
WORKPLACES = (
    "Harlow Regional Distribution Center", "Pinecrest Logistics", "Ashford Municipal Utilities",
    "Brightwater Call Center", "Northgate Medical Clinic", "Meridian Insurance Services",
    "Cobalt Fabrication", "Harlow County Administration Building", "Summit Grocery Co-op",
    "Redwood Data Systems",
)
SCHOOLS = (
    "Maple Ridge High School", "Lakeview Middle School", "Ashford High School",
    "Crestwood Academy", "Eastbrook Junior High", "Northgate High School",
)


@dataclass(frozen=True)
class _PartnerSpec:
    name: str
    kind: str
    discipline: str
    services: str
    contact_title: str
    fits: tuple[str, ...] = ()  # scenario settings it takes referrals for (empty: any)


PARTNERS: tuple[_PartnerSpec, ...] = (
    _PartnerSpec("Riverbend Behavioral Health Center", "agency", "mental_health",
                 "Outpatient counselling, crisis evaluation, 24/7 mobile crisis team",
                 "Intake coordinator"),
    _PartnerSpec("Cedar Hollow Crisis Line", "resource", "mental_health",
                 "Round-the-clock phone and text crisis support; warm hand-off to local care",
                 "Programme manager"),
    _PartnerSpec("Northgate Family Counseling Cooperative", "agency", "mental_health",
                 "Individual and family counselling; anger-management groups; sliding fees",
                 "Clinical director"),
    _PartnerSpec("Fairmont Employee Assistance Program", "resource", "mental_health",
                 "Confidential counselling for employees and managers of member employers",
                 "Account manager", ("workplace",)),
    _PartnerSpec("Lakeview Unified School District - Student Support Services", "agency",
                 "school", "District threat assessment liaison, counsellors, student safety plans",
                 "Student services director", ("school", "home", "online")),
    _PartnerSpec("Maple Ridge High School Counseling Office", "agency", "school",
                 "Student counselling, attendance and behaviour support, parent meetings",
                 "Lead counsellor", ("school",)),
    _PartnerSpec("Harlow Community College Behavioral Intervention Team", "agency", "school",
                 "Campus care team, student conduct, campus safety liaison", "Team chair",
                 ("campus",)),
    _PartnerSpec("Harlow County Public Health Department", "agency", "public_health",
                 "Substance-use services, violence-prevention programme, health workers",
                 "Violence prevention coordinator"),
    _PartnerSpec("Eastbrook Harm Reduction Outreach", "resource", "public_health",
                 "Street outreach, substance-use counselling referrals", "Outreach lead"),
    _PartnerSpec("Harlow County Department of Social Services", "agency", "social_services",
                 "Adult and child protective services, benefits case management",
                 "Duty supervisor"),
    _PartnerSpec("Bridgeway Housing Assistance Network", "resource", "social_services",
                 "Emergency shelter placement, rental assistance, eviction prevention",
                 "Housing navigator"),
    _PartnerSpec("Second Step Employment Center", "resource", "social_services",
                 "Job search support and re-employment counselling after job loss",
                 "Career counsellor", ("workplace", "community")),
    _PartnerSpec("Safe Harbor Domestic Violence Advocates", "agency", "victim_services",
                 "24-hour advocacy, safety planning, protective order help, emergency shelter",
                 "Advocacy supervisor"),
    _PartnerSpec("Lantern Victim Advocacy Program", "agency", "victim_services",
                 "Advocates for stalking and harassment victims; court accompaniment",
                 "Senior advocate"),
    _PartnerSpec("Harlow County Prosecutor - Victim-Witness Unit", "agency", "victim_services",
                 "Victim notification, court preparation, restitution help", "Unit coordinator"),
    _PartnerSpec("Harlow County Sheriff's Office - Threat Management Unit", "agency",
                 "law_enforcement", "Threat inquiries, protective order service, firearm "
                 "relinquishment", "Unit sergeant"),
    _PartnerSpec("Ashford Police Department - School Resource Unit", "agency",
                 "law_enforcement", "School resource officers; liaison with school teams",
                 "Unit supervisor", ("school", "home", "online")),
    _PartnerSpec("Harlow County Probation Department", "agency", "law_enforcement",
                 "Supervision conditions, compliance checks, pre-sentence information",
                 "Supervising officer", ("intimate_partner", "community", "public_official")),
    _PartnerSpec("Harlow County Courts - Security Office", "agency", "law_enforcement",
                 "Court security, judicial protection, visitor screening", "Security manager",
                 ("public_official",)),
    _PartnerSpec("Oakline Community Mediation Center", "resource", "other",
                 "Neighbour and workplace dispute mediation; restorative conversations",
                 "Mediation coordinator", ("community", "workplace", "public_official")),
    _PartnerSpec("Willow Street Youth Mentoring", "resource", "other",
                 "One-to-one mentoring and after-school programmes for young people",
                 "Programme director", ("school", "home", "online")),
)

# Names: invented combinations drawn from mixed-origin pools. Latin-script given and family
# names are paired freely (as in any mixed community); names in other scripts come as whole,
# grammatically consistent pairs, each with a Latin transliteration kept as an alias so that
# officers can search either spelling. Pools avoid the names of well-known public figures.
GIVEN_NAMES = (
    "Amara", "Tomasz", "Ingrid", "Mateo", "Priyanka", "Oluwaseun", "Declan", "Ximena",
    "Rasmus", "Yusra", "Thandiwe", "Emeric", "Leilani", "Bogdan", "Saoirse", "Kwabena",
    "Marisol", "Henrik", "Anouk", "Nilufar", "Rafferty", "Chiamaka", "Teodor", "Aurelio",
    "Mireille", "Søren", "Ifeoma", "Lachlan", "Paloma", "Kenji", "Haruka", "Jae-won",
    "Min-seo", "Farida", "Ezinne", "Caoimhe", "Benedikt", "Lucía", "Joaquín", "Zofia",
    "Wiktor", "Dalia", "Kofi", "Esi", "Rohan", "Meera", "Anaïs", "Théo", "Björn", "Åsa",
    "Niamh", "Callum", "Imogen", "Jonah", "Delphine", "Ramón", "Valentina", "Ngozi", "Malia",
    "Keoni", "Wren", "Rowan", "Sasha", "Casey", "Jordan", "Avery", "Quinn", "Morgan",
    "Emerson", "Elliott", "Desmond", "Odalys", "Cormac", "Ottilie", "Linnea", "Esperanza",
    "Leyla", "Emre", "Defne", "Łukasz", "Zuzanna", "Tadeáš", "Eliška", "Ines", "Gonçalo",
)
FAMILY_NAMES = (
    "Abernathy", "Okonkwo", "Lindqvist", "Castellanos", "Wójcik", "Nakagawa", "Ferreira",
    "Adeyemi", "Kowalczyk", "Haugland", "Marchetti", "Villanueva", "Osei", "Achterberg",
    "Brannigan", "Quintero", "Halvorsen", "Szabó", "Petrakis", "Fairweather", "Thistlewood",
    "Okafor", "Balogun", "Mensah", "Iyer", "Raghunathan", "Chaudhry", "Gallagher", "Kavanagh",
    "McAllister", "Tremblay", "Bouchard", "Lefebvre", "Moreau", "Esposito", "Santangelo",
    "Kristiansen", "Sandoval", "Cárdenas", "Ibarra", "Zamora", "Halloran", "Pemberton",
    "Whitlock", "Ashcombe", "Greaves", "Underhill", "Nwachukwu", "Oyelaran", "Haddad",
    "Khoury", "Saleh", "Demir", "Yılmaz", "Aydın", "Öztürk", "Dvořák", "Grzybowski",
    "Ó Briain", "Mac Giolla", "Sørensen", "Ekström", "Nieminen", "Virtanen", "Takahashi",
    "Morimoto", "Han", "Seo", "Baptiste", "Desrosiers", "Kalani", "Makoa", "Oduya", "Adebayo-Ross",
    "Vasquez-Holt", "Lindgren", "Barros", "Teixeira", "Mbatha", "Dlamini",
)
VIETNAMESE_FAMILY = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
    "Lương",
)
VIETNAMESE_GIVEN = (
    "Thị Ngọc Hân", "Văn Khải", "Minh Thư", "Bảo Châu", "Quốc Huy", "Hoài An", "Gia Bảo",
    "Khánh Linh", "Đức Anh", "Phương Vy", "Tuấn Kiệt", "Mỹ Duyên", "Thu Hằng", "Trọng Nghĩa",
)
# (family, given, Latin transliteration as "Given Family").
NON_LATIN_NAMES = (
    ("Θεοδωροπούλου", "Ελπίδα", "Elpida Theodoropoulou"),
    ("Πετροχείλος", "Στέλιος", "Stelios Petrocheilos"),
    ("Κυπαρισσιώτη", "Δανάη", "Danai Kyparissioti"),
    ("Κουτσούκος", "Ορέστης", "Orestis Koutsoukos"),
    ("Ανεμογιάννη", "Φοίβη", "Foivi Anemogianni"),
    ("Σταθόπουλος", "Ιάσονας", "Iasonas Stathopoulos"),
    ("Ροδοπούλου", "Νεφέλη", "Nefeli Rodopoulou"),
    ("Αργυρόπουλος", "Θεμιστοκλής", "Themistoklis Argyropoulos"),
    ("Жаворонкова", "Милена", "Milena Zhavoronkova"),
    ("Ледянкин", "Тимофей", "Timofei Ledyankin"),
    ("Верболоз", "Оксана", "Oksana Verboloz"),
    ("Синеглазов", "Ярослав", "Yaroslav Sineglazov"),
    ("Рябинкина", "Вероника", "Veronika Ryabinkina"),
    ("Черёмухина", "Алина", "Alina Cheryomukhina"),
    ("Журавушкин", "Святослав", "Sviatoslav Zhuravushkin"),
    ("Калиновська", "Богдана", "Bohdana Kalynovska"),
)
NICKNAMES = ("Kip", "Dee", "Nico", "Jojo", "Sunny", "Bear", "Mo", "Ace", "Tee", "Lulu")
HANDLE_WORDS = ("nightowl", "quietstorm", "lowtide", "graymatter", "northwind", "ironleaf")


@dataclass(frozen=True)
class _Scenario:
    """One kind of referral: how it reads, who tends to be involved, where referrals go."""

    setting: str
    weight: float
    titles: tuple[str, ...]
    summary: str
    behaviours: tuple[tuple[str, str], ...]  # (summary, context): first is the reported one
    target: str | None  # the potential target's relation to the person of concern
    reporters: tuple[str, ...]
    poc_age: tuple[int, int]
    disciplines: tuple[str, ...]


# Placeholders: {workplace}, {school}, {street}, {town}. Titles stay under the store's 200 chars.
SCENARIOS: tuple[_Scenario, ...] = (
    _Scenario(
        "workplace", 4,
        ("Statements about harming coworkers after termination",
         "Terminated employee said they would 'make them all pay'; coworkers alarmed"),
        "Former employee of {workplace} told a coworker that everyone who 'got me fired' would "
        "pay. HR reported the concern because the person of concern knows shift schedules and "
        "had not returned their access badge.",
        (("Statement to former coworker about making managers 'pay' after termination",
          "Phone call two days after the termination meeting"),
         ("Parked outside the staff entrance at shift change without approaching",
          "Seen by security on two evenings in one week"),
         ("Asked a former colleague which managers work late on Fridays",
          "Text message forwarded to HR by the colleague")),
        "former supervisor", ("HR manager", "coworker", "security supervisor"), (24, 62),
        ("mental_health", "social_services", "law_enforcement"),
    ),
    _Scenario(
        "workplace", 2,
        ("Threatening voicemails to former supervisor following dismissal",),
        "Former supervisor at {workplace} received three voicemails after a dismissal, the "
        "last saying 'you will see what happens'. No direct approach so far.",
        (("Voicemails to former supervisor escalating in tone",
          "Three messages over five days; last one left after midnight"),
         ("Drove past supervisor's home on {street}",
          "Supervisor's neighbour recognised the car")),
        "former supervisor", ("former supervisor", "HR manager"), (25, 60),
        ("mental_health", "victim_services", "law_enforcement"),
    ),
    _Scenario(
        "workplace", 2,
        ("Employee researching past workplace attacks after disciplinary hearing",),
        "IT review at {workplace} found repeated searches about past workplace attacks and "
        "building floor plans in the week after a disciplinary hearing.",
        (("Searches on past workplace attacks and floor plans after disciplinary hearing",
          "Found during routine IT review of a work laptop"),
         ("Told a coworker 'one day they will understand what they did'",
          "Break-room conversation reported a week later")),
        "HR staff involved in the hearing", ("HR manager", "IT security lead"), (22, 60),
        ("mental_health", "law_enforcement"),
    ),
    _Scenario(
        "workplace", 2,
        ("Grievance against HR escalating to veiled threats in e-mails",
         "Long-running pay grievance; e-mails now mention 'last resort'"),
        "An employee of {workplace} has filed repeated grievances about pay and scheduling. "
        "Recent e-mails to HR say they have 'run out of options' and that a 'last resort' is "
        "coming.",
        (("E-mails to HR describing a 'last resort' over unresolved grievance",
          "Sent late at night, copied to the company director"),
         ("Refused to leave HR office until escorted out",
          "Raised voice, slammed a door; no physical contact")),
        "HR manager", ("HR manager", "company director"), (28, 64),
        ("mental_health", "other", "social_services"),
    ),
    _Scenario(
        "workplace", 1,
        ("Coworker tracking colleague's schedule; unwanted following after shifts",),
        "A worker at {workplace} has kept notes on a colleague's shift times and was seen "
        "following the colleague's car after work.",
        (("Followed colleague's car after late shift", "Colleague noticed the same car for "
          "several miles"),
         ("Notebook with colleague's shift times found in break room",
          "Handed to the site manager by a cleaner")),
        "coworker", ("site manager", "coworker"), (22, 58),
        ("victim_services", "law_enforcement", "mental_health"),
    ),
    _Scenario(
        "intimate_partner", 4,
        ("Fixation on former partner, repeated unwanted contact",
         "Former partner receives dozens of unwanted messages a day after separation"),
        "Since the separation the person of concern has sent dozens of messages a day to the "
        "former partner, turned up at their home on {street} and contacted their friends to "
        "find out where they are.",
        (("Repeated unwanted messages and calls to former partner",
          "Over 60 messages in one day after the former partner blocked the number"),
         ("Waited outside former partner's home on {street}", "Left when neighbours came out"),
         ("Contacted former partner's friends asking where they are staying",
          "Friends forwarded the messages to the reporting party")),
        "former partner", ("former partner", "victim advocate"), (19, 60),
        ("victim_services", "mental_health", "law_enforcement"),
    ),
    _Scenario(
        "intimate_partner", 3,
        ("Protective order violation; appeared at former partner's workplace",),
        "The person of concern came to the former partner's workplace at {workplace} two weeks "
        "after a protective order was served, and left a note on their car.",
        (("Appeared at former partner's workplace despite protective order",
          "Security asked them to leave; note left on the car windscreen"),
         ("Messages through a relative asking the former partner to drop the order",
          "Relative passed them on and then stopped")),
        "former partner", ("former partner", "security supervisor"), (20, 62),
        ("victim_services", "law_enforcement"),
    ),
    _Scenario(
        "intimate_partner", 2,
        ("Tracking device found on former spouse's car; threatening text messages",),
        "A mechanic found a tracking device on the former spouse's car. The spouse also "
        "received texts saying 'I always know where you are'.",
        (("Tracking device found on former spouse's car",
          "Found during a routine service; handed to the investigating officer"),
         ("Texts saying 'I always know where you are'", "Sent from a new number")),
        "former spouse", ("former spouse", "victim advocate"), (24, 65),
        ("victim_services", "law_enforcement"),
    ),
    _Scenario(
        "intimate_partner", 1,
        ("Custody dispute with statements about 'ending this for good'",),
        "During a custody exchange the person of concern told the other parent they would "
        "'end this for good' if they lost the hearing. A relative reports recent heavy "
        "drinking and talk of having nothing to lose.",
        (("Statement at custody exchange about 'ending this for good'",
          "Said in front of a relative at the exchange point"),
         ("Told a relative they have 'nothing left to lose'", "Phone call late at night")),
        "other parent", ("other parent", "relative"), (24, 55),
        ("victim_services", "mental_health", "social_services"),
    ),
    _Scenario(
        "school", 4,
        ("Student essay referencing school attack; transient vs substantive unclear",
         "Creative-writing assignment describes attack on own school; intent unclear"),
        "A student at {school} handed in an essay describing an attack on the school in "
        "detail, naming real rooms and times. The school team could not decide whether the "
        "threat is transient or substantive.",
        (("Essay describing an attack on the school with real room numbers",
          "Creative-writing assignment; teacher reported it the same day"),
         ("Told a classmate 'the essay wasn't fiction'",
          "Classmate told a counsellor two days later")),
        None, ("teacher", "assistant principal", "school counsellor"), (12, 18),
        ("school", "mental_health", "other"),
    ),
    _Scenario(
        "school", 3,
        ("Student posted photo of weapon with caption naming classmates",),
        "A student at {school} posted a photo of a rifle with a caption naming three "
        "classmates. The post was deleted within an hour; several students saved copies.",
        (("Photo of rifle posted with caption naming three classmates",
          "Posted on a social media story late on a school night"),
         ("Asked a friend whether the school checks bags on Mondays",
          "Friend told a parent, who called the school")),
        "classmates named in the post", ("assistant principal", "parent of a classmate"),
        (13, 18), ("school", "mental_health", "law_enforcement"),
    ),
    _Scenario(
        "school", 2,
        ("List of classmates' names labelled 'targets' found in student notebook",),
        "A teacher at {school} found a notebook page titled 'targets' with five classmates' "
        "names. The student says it was a joke list of people who had bullied them.",
        (("Notebook page labelled 'targets' listing five classmates",
          "Found by a teacher during class; student says it was a joke"),
         ("Reported being bullied by students on the list for months",
          "Disclosed during the school team interview")),
        "students named on the list", ("teacher", "assistant principal"), (11, 17),
        ("school", "mental_health", "other"),
    ),
    _Scenario(
        "school", 3,
        ("Student overheard planning to 'get even' with peers after bullying",),
        "Students at {school} overheard a classmate talking about 'getting even' with a group "
        "who had been bullying them, including where the group sits at lunch.",
        (("Overheard planning to 'get even' with peers during lunch",
          "Two students reported it to a counsellor"),
         ("Searched online for how to get into the school after hours",
          "Found on a school-issued laptop")),
        "group of peers", ("school counsellor", "teacher"), (12, 18),
        ("school", "mental_health", "other"),
    ),
    _Scenario(
        "school", 2,
        ("Student threatened teacher after suspension; access to firearms at home unknown",),
        "After a suspension a student at {school} told a teacher 'you will regret this'. "
        "Whether the student has access to firearms at home was not known at intake.",
        (("Told teacher 'you will regret this' after suspension",
          "In the corridor after the suspension meeting"),
         ("Posted the teacher's car registration number online",
          "Post seen by another teacher and reported")),
        "teacher", ("teacher", "principal"), (13, 18),
        ("school", "mental_health", "law_enforcement"),
    ),
    _Scenario(
        "school", 2,
        ("Anonymous threat written on restroom wall; author identified through interviews",),
        "A threat naming a date was written on a restroom wall at {school}. Interviews "
        "identified the student who wrote it; they say they wanted the school closed for a day.",
        (("Threat naming a date written on restroom wall",
          "Found by custodial staff before school"),
         ("Admitted writing it to get the school closed for a test day",
          "Admission during interview with parent present")),
        None, ("principal", "school resource officer"), (12, 17),
        ("school", "other"),
    ),
    _Scenario(
        "school", 1,
        ("Repeated bomb-threat calls to high school traced to former student",),
        "{school} received four bomb-threat calls in two weeks. Phone records point to a "
        "former student who left after repeated conflicts with staff.",
        (("Bomb-threat calls to the school office",
          "Four calls in two weeks, each ending with 'this time it's real'"),
         ("Social media post counting down the days to the end of term",
          "Post screenshot shared by a current student")),
        None, ("principal", "school resource officer"), (16, 21),
        ("school", "law_enforcement", "mental_health"),
    ),
    _Scenario(
        "campus", 1,
        ("Graduate student grievance against advisor with statements about harm to self and "
         "others",),
        "A graduate student at Harlow Community College told a lab mate that if the advisor "
        "failed them again they would 'take everyone down with me'.",
        (("Told lab mate they would 'take everyone down with me' if failed again",
          "Conversation in the lab after a failed review"),
         ("Sent advisor a long e-mail listing grievances and saying goodbye",
          "Sent at 3 a.m.; advisor forwarded it to the care team")),
        "academic advisor", ("academic advisor", "care team chair"), (23, 40),
        ("school", "mental_health"),
    ),
    _Scenario(
        "campus", 1,
        ("Former student returning to campus despite trespass warning",),
        "A former student issued a trespass warning last term keeps returning to the library "
        "and to one lecturer's office hours.",
        (("Returned to campus despite trespass warning",
          "Seen at the library twice; left when security approached"),
         ("Waited outside lecturer's office during office hours",
          "Lecturer left by another door and called security")),
        "lecturer", ("campus security", "lecturer"), (19, 35),
        ("school", "mental_health", "law_enforcement"),
    ),
    _Scenario(
        "public_official", 2,
        ("Escalating messages to council member over zoning decision",),
        "After a zoning decision the person of concern has sent the council member's office "
        "long messages daily; recent ones mention knowing where the member lives.",
        (("Daily messages to council member, recently mentioning their home",
          "Sent to the council office and the member's public account"),
         ("Spoke at public meeting, pointing at the member and saying 'you're next'",
          "Recorded on the meeting video")),
        "council member", ("council member's chief of staff",), (30, 75),
        ("mental_health", "law_enforcement", "other"),
    ),
    _Scenario(
        "public_official", 2,
        ("Repeated visits to courthouse demanding judge reopen case; references to weapons",),
        "A litigant whose case was dismissed has come to the courthouse several times "
        "demanding to see the judge, and told a clerk that 'people like me have guns'.",
        (("Told clerk 'people like me have guns' while demanding to see judge",
          "At the courthouse front counter"),
         ("Waited in the judges' parking area", "Found by court security")),
        "judge", ("court security officer", "court clerk"), (30, 72),
        ("law_enforcement", "mental_health"),
    ),
    _Scenario(
        "public_official", 1,
        ("Letters to county clerk expressing grievance and a 'final warning'",),
        "The county clerk's office has received six handwritten letters about a property tax "
        "dispute; the latest is headed 'final warning'.",
        (("Letter to county clerk headed 'final warning'",
          "Sixth letter in two months; sent by post"),
         ("Photographed clerk's office staff entrance", "Seen by a staff member")),
        "county clerk", ("county clerk",), (35, 78),
        ("law_enforcement", "social_services", "mental_health"),
    ),
    _Scenario(
        "public_official", 1,
        ("Litigant posting court staff home addresses online",),
        "A litigant posted the home addresses of two court staff members with comments "
        "encouraging others to 'pay them a visit'.",
        (("Posted home addresses of court staff online", "Forum post and two social accounts"),
         ("Comments urging others to 'pay them a visit'", "Replies under the same posts")),
        "court staff", ("court security officer",), (28, 70),
        ("law_enforcement", "victim_services"),
    ),
    _Scenario(
        "community", 2,
        ("Neighbour dispute with threats involving a firearm",),
        "A long-running dispute over a shared driveway on {street} escalated when the person "
        "of concern told the neighbour they 'have something for you' while touching their "
        "waistband.",
        (("Threat to neighbour while gesturing at waistband",
          "During argument over shared driveway"),
         ("Damaged neighbour's fence at night", "Neighbour's camera recorded it")),
        "neighbour", ("neighbour",), (30, 80),
        ("other", "mental_health", "law_enforcement"),
    ),
    _Scenario(
        "community", 2,
        ("Tenant threatening property manager after eviction notice",),
        "After an eviction notice a tenant on {street} told the property manager they would "
        "'not leave alone', and has been waiting at the office.",
        (("Told property manager they would 'not leave alone' after eviction notice",
          "At the rental office counter"),
         ("Waited outside rental office at closing time", "Three evenings in a row")),
        "property manager", ("property manager",), (22, 75),
        ("social_services", "mental_health", "other"),
    ),
    _Scenario(
        "community", 1,
        ("Customer threatening utility staff over service shut-off",),
        "After a shut-off notice a customer threatened field staff of Ashford Municipal "
        "Utilities and said the next worker to come 'won't leave'.",
        (("Threatened utility field worker after shut-off notice",
          "At the meter; worker left without completing the job"),
         ("Phoned call centre describing what they would do to the next worker",
          "Call recorded by the utility")),
        "utility field staff", ("utility safety officer",), (30, 75),
        ("social_services", "mental_health"),
    ),
    _Scenario(
        "community", 1,
        ("Threats toward pharmacy staff after prescription refused",),
        "A customer whose prescription could not be filled told pharmacy staff they would "
        "'come back and settle this' and has phoned the pharmacy repeatedly.",
        (("Threats to pharmacy staff after prescription refused", "At the pharmacy counter"),
         ("Repeated calls to pharmacy asking when a named pharmacist works",
          "Five calls in one afternoon")),
        "pharmacist", ("pharmacy manager",), (25, 75),
        ("public_health", "mental_health"),
    ),
    _Scenario(
        "community", 1,
        ("Patient's relative threatening clinic staff after care complaint",),
        "A relative of a patient at Northgate Medical Clinic blames a nurse for poor care and "
        "said the nurse 'will answer for it'.",
        (("Said nurse 'will answer for it' after care complaint",
          "In the clinic waiting room, in front of patients"),
         ("Looked for the nurse's home address on social media",
          "Asked the nurse's friends online where they live")),
        "clinic nurse", ("clinic practice manager",), (25, 70),
        ("public_health", "mental_health", "victim_services"),
    ),
    _Scenario(
        "community", 1,
        ("Client threatening case worker after benefits denial",),
        "After a benefits decision a client told their case worker at the Department of "
        "Social Services that they know which bus the worker takes home.",
        (("Told case worker they know which bus the worker takes home",
          "At the end of a benefits appointment"),
         ("Waited at the bus stop near the office", "Seen by another worker")),
        "case worker", ("case worker's supervisor",), (22, 70),
        ("social_services", "mental_health"),
    ),
    _Scenario(
        "online", 2,
        ("Online posts admiring mass attackers; leakage about 'doing something big'",),
        "A user known locally has posted admiring comments about past mass attackers and told "
        "online contacts they will 'do something big' before summer.",
        (("Posts admiring past attackers and promising to 'do something big'",
          "Gaming forum and a messaging group; reported by another user"),
         ("Asked in a forum about body armour sizes", "Same account, two weeks later")),
        None, ("school resource officer", "concerned online contact", "parent"), (15, 30),
        ("mental_health", "law_enforcement", "other"),
    ),
    _Scenario(
        "online", 1,
        ("Fixation on local news presenter; unwanted gifts and messages",),
        "A viewer has sent a local news presenter hundreds of messages and several gifts, and "
        "recently wrote that they would 'meet soon' at the station.",
        (("Hundreds of messages and gifts to news presenter",
          "Messages on public accounts; gifts left at station reception"),
         ("Wrote they would 'meet soon' at the station", "Message after presenter blocked them")),
        "news presenter", ("station security manager",), (25, 65),
        ("mental_health", "victim_services"),
    ),
    _Scenario(
        "online", 1,
        ("Anonymous account threatening youth sports referee after tournament",),
        "After a youth tournament an anonymous account posted threats against a referee and "
        "the referee's home town; the account was traced to a parent of a player.",
        (("Threats against youth sports referee posted after tournament",
          "Posted the evening after the final"),
         ("Second account created after the first was suspended", "Same wording and photos")),
        "referee", ("tournament organiser",), (30, 60),
        ("other", "law_enforcement"),
    ),
    _Scenario(
        "home", 1,
        ("Young person acquiring weapon-related items; parents concerned by sudden change",),
        "Parents report that their child has bought knives and tactical gear online, stopped "
        "seeing friends and spends nights reading about past attacks.",
        (("Bought knives and tactical gear online", "Parcels found by a parent"),
         ("Spends nights reading about past attacks", "Parent saw browser history")),
        None, ("parent",), (14, 22),
        ("mental_health", "school", "other"),
    ),
)
_SCENARIO_WEIGHTS = [s.weight for s in SCENARIOS]

# Entries that fit any case. {street} and {target} are filled in per case.
CONTACTS = (
    ("Intake interview with reporting party",
     "Reporting party gave a detailed account and agreed to be contacted again."),
    ("Interview with person of concern at residence on {street}",
     "Cooperative; acknowledged the statements and described them as venting. Agreed to a "
     "follow-up contact."),
    ("Knock-and-talk with person of concern on {street}",
     "Declined to discuss the statements; calm, no threats made to officers."),
    ("Phone check-in with reporting party",
     "No new incidents since last contact; reporting party feels safer."),
    ("Check-in with {target}",
     "Safety plan reviewed; no further unwanted contact reported."),
    ("Meeting with family of person of concern",
     "Family described recent stressors (job loss, separation) and agreed to call if "
     "behaviour changes."),
    ("Joint home visit with partner clinician on {street}",
     "Person of concern engaged and accepted a follow-up appointment."),
    ("Collateral interview with witness",
     "Witness confirmed the wording of the statement; no other concerning behaviour seen."),
    ("Follow-up interview with person of concern",
     "Expressed regret; described current plans for work and housing. No new grievance."),
)
INTERVENTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "any": (
        ("Safety plan developed with {target}",
         "Plan covers route changes, notifying the workplace and emergency contacts."),
        ("Firearms voluntarily stored with a relative pending review",
         "Storage confirmed in person; receipt on file."),
        ("Welfare check at residence on {street}",
         "Person of concern at home and calm; no immediate safety concern."),
        ("Crisis team evaluation arranged", "Evaluation completed; outpatient follow-up booked."),
        ("Warning letter about continued contact delivered",
         "Received in person; person of concern said they understood."),
    ),
    "workplace": (
        ("Employer issued no-trespass notice and deactivated badge access",
         "Badge deactivated; security briefed with a photo."),
        ("Workplace violence restraining order petition supported",
         "Temporary order granted and served."),
    ),
    "school": (
        ("Parent meeting and supervision plan",
         "Parents agreed to lock up medicines and firearms and to supervise internet use."),
        ("Modified schedule with daily counsellor check-in",
         "Student attends check-ins; attendance has improved."),
        ("Arrival plan with bag check through the front office",
         "Student arrives through the office; no issues reported."),
    ),
    "campus": (
        ("Interim campus restrictions agreed with student conduct office",
         "Access limited to scheduled classes; compliance monitored by campus security."),
    ),
    "intimate_partner": (
        ("Protective order served", "Served in person; firearm relinquishment explained."),
        ("Danger assessment with victim advocate",
         "Advocate completed the assessment; shelter option offered and declined."),
    ),
    "public_official": (
        ("Security briefing for the official's office staff",
         "Staff trained on visitor protocol; screening added at the front desk."),
        ("Single point of contact set up for the grievance",
         "Person of concern told that all communication goes through one clerk."),
    ),
    "community": (
        ("Mediation offered between the parties", "Both attended; agreement on next steps."),
        ("No-contact advisory delivered", "Advisory acknowledged; no further incidents."),
    ),
    "online": (
        ("Platform preservation request and account report",
         "Platform preserved the content and suspended the account."),
    ),
    "home": (
        ("Items voluntarily surrendered by family for safekeeping",
         "Knives and gear logged; family to keep the room checked."),
    ),
}
NOTES = (
    ("Records check completed",
     "No prior arrests; one noise complaint at the address two years ago."),
    ("Open-source review of public social media",
     "No posts referring to violence since the initial report."),
    ("Information-sharing agreed with partner agency",
     "Release of information signed by the person of concern."),
    ("Reporting party provided screenshots",
     "Screenshots kept with the case file by the reporting officer."),
    ("Case discussed at weekly team meeting", "Team agreed to keep the current strategy."),
    ("Prior contacts reviewed", "Two earlier welfare checks at the address; no arrests."),
    ("Consulted with prosecutor about charging options",
     "Behaviour so far does not meet a charge; continue management."),
)
STATEMENT_TONES = (
    "said in anger, not as a joke", "flat and deliberate", "repeated to more than one person",
    "made once and not repeated", "said quietly and then laughed off",
)
WEAPON_ACCESS = (
    "No known access to firearms.",
    "A household member owns a handgun; storage unknown at intake.",
    "Recently asked a friend about buying a rifle.",
    "Firearms in the home are locked in a safe, according to family.",
    "Access to weapons not yet established.",
)
HISTORIES = (
    "No prior calls for service involving the person of concern.",
    "Two prior welfare checks at the address in the past year.",
    "Earlier complaint of intimidation, resolved informally.",
    "Recent stressors: job loss and end of a relationship.",
    "Prior protective order expired last year.",
)
WARNING_BEHAVIOURS = (
    "fixation and leakage present; no evidence of planning or preparation",
    "grievance persists; no threatening statements since the last review",
    "last-resort language not repeated",
    "no new warning behaviours",
    "no approach behaviour since the last contact",
    "approach behaviour stopped after intervention",
)
REVIEW_DECISIONS = {
    "low": "Continue monitoring at the current interval.",
    "moderate": "Keep management plan; reassess at next review.",
    "high": "Keep active management; weekly contact with partners.",
    "imminent": "Immediate protective measures in place; daily coordination.",
}
CONCERN_REASONS = {
    "up": (
        "New approach behaviour and a specific statement of intent.",
        "Leakage to a third party naming a date.",
        "Person of concern stopped engaging with services and resumed contact.",
    ),
    "down": (
        "No concerning behaviour for 60 days; engaged with services.",
        "Protective measures in place and complied with.",
        "Grievance resolved through mediation.",
    ),
}
TASK_TITLES = (
    "Follow up with reporting party", "Confirm protective order was served",
    "Check firearm storage arrangement with relative",
    "Obtain release of information from partner agency",
    "Ask school counsellor about attendance", "Verify badge access remains deactivated",
    "Review public social media for new posts", "Schedule joint home visit with clinician",
    "Update safety plan with {target}", "Request court date for the order hearing",
    "Collect screenshots from reporting party", "Check in with family",
)
CLOSURE_REASONS = (
    "Concern resolved after intervention; no concerning behaviour during 90-day monitoring.",
    "Person of concern moved out of the jurisdiction; case transferred to the receiving "
    "agency.",
    "Inquiry found the behaviour was transient; no ongoing concern.",
    "Protective order in place and complied with for six months.",
    "Person of concern engaged in ongoing services; managed by partner agency.",
    "Reporting party withdrew the concern after mediation; no further behaviour.",
)
WITNESSES = {
    "school": ("classmate", "teacher on duty", "another student"),
    "campus": ("lab mate", "campus security officer"),
    "workplace": ("coworker present at the time", "security officer", "shift lead"),
    "any": ("neighbour", "bystander", "friend of the reporting party", "security officer"),
}
# Relation -> (youngest, oldest, relative): ages added to the person of concern's age when
# relative, else absolute (adult child: oldest is how much younger than the person of concern).
FAMILY: dict[str, tuple[int, int, bool]] = {
    "parent": (20, 40, True), "sibling": (-6, 6, True), "grandparent": (40, 60, True),
    "aunt or uncle": (12, 30, True), "guardian": (25, 70, False),
    "adult child": (18, 40, False),
}
FAMILY_NOTES = (
    "Supportive of intervention.", "Reports the person of concern has been isolating.",
    "Worried but reluctant to involve police.", "Main point of contact for the team.",
)
CONCERNS = ("low", "moderate", "high", "imminent")
_CONCERN_WEIGHTS = (42, 38, 16, 4)
_TIER_OF = {"low": "universal", "moderate": "selective", "high": "intensive",
            "imminent": "intensive"}
_REVIEW_EVERY = {"low": 90, "moderate": 45, "high": 21, "imminent": 7}  # days
_REFERRAL_LATE = (("accepted", 40), ("completed", 35), ("declined", 15), ("made", 10))
_REFERRAL_EARLY = (("proposed", 30), ("made", 50), ("accepted", 20))


# -- the plan ---------------------------------------------------------------------------
# A case is first planned as plain data (pure function of the random stream), then written.
# Keeping the two apart lets the writer stay a thin layer over Operation and keeps every random
# draw in one place, in one order, which is what makes a seed reproducible.


@dataclass
class _PersonPlan:
    role: str
    family_name: str
    given_names: str
    aliases: list[str]
    date_of_birth: str | None
    phone: str
    email: str
    address: str
    link_notes: str
    roles: tuple[str, ...] = ()  # further roles of the same person on the case


@dataclass
class _EntryPlan:
    kind: str
    occurred_at: str
    summary: str
    details: str = ""
    context: str = ""
    outcome: str = ""
    partner: int | None = None
    referral_status: str | None = None
    concern_from: str | None = None
    concern_to: str | None = None


@dataclass
class _TaskPlan:
    kind: str
    title: str
    due_on: str
    assignee: int | None
    done_at: str | None


@dataclass
class _CasePlan:
    title: str
    summary: str
    status: str
    concern: str  # at intake; a concern_change entry moves it to final_concern
    final_concern: str
    concern_reason: str
    opened_on: str
    next_review: str | None
    closed_on: str | None
    closure_reason: str
    assignees: list[int]
    persons: list[_PersonPlan] = field(default_factory=list)
    entries: list[_EntryPlan] = field(default_factory=list)
    tasks: list[_TaskPlan] = field(default_factory=list)


class _Draws(Random):
    """:class:`random.Random` with ``randint`` and ``randrange`` in one Python call instead of
    three: the same numbers from the same calls of ``getrandbits`` (CPython's
    ``_randbelow_with_getrandbits``), so a seed plans the same cases. A 10,000-case demo
    makes some 300,000 of these draws (measured: 1.3 -> 0.8-1.0 us each)."""

    def _below(self, n: int) -> int:
        getrandbits = self.getrandbits
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return r

    def randint(self, a: int, b: int) -> int:
        """As Random.randint."""
        n = b - a + 1
        if n <= 0:
            return super().randint(a, b)  # its error
        getrandbits = self.getrandbits
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return a + r

    def randrange(self, start: int, stop: int | None = None,
                  step: int = 1) -> int:
        """As Random.randrange (one or two positive-width int arguments here)."""
        if stop is None and start > 0 and step == 1:
            return self._below(start)
        if stop is not None and stop > start and step == 1:
            return start + self._below(stop - start)
        return super().randrange(start, stop, step)


def _phone(rng: Random) -> str:
    return f"({rng.choice(AREA_CODES)}) 555-01{rng.randrange(100):02d}"


def _at(day: date, rng: Random) -> str:
    """A plausible working-hours time on ``day`` in the store's minute precision."""
    minute = rng.choice((0, 10, 15, 20, 30, 45, 50))
    return f"{day.isoformat()}T{rng.randint(7, 20):02d}:{minute:02d}"


def _name(rng: Random) -> tuple[str, str, list[str]]:
    """(family, given, aliases) from the mixed pools; about 1 in 8 names not in Latin script
    or with Vietnamese diacritics."""
    pick = rng.random()
    if pick < 0.06:
        family, given, latin = rng.choice(NON_LATIN_NAMES)
        return family, given, [latin]
    if pick < 0.12:
        return rng.choice(VIETNAMESE_FAMILY), rng.choice(VIETNAMESE_GIVEN), []
    given = rng.choice(GIVEN_NAMES)
    if rng.random() < 0.12:  # a second given name now and then
        given = f"{given} {rng.choice(GIVEN_NAMES)}"
    return rng.choice(FAMILY_NAMES), given, []


def _email(rng: Random, family: str, given: str) -> str:
    # Addresses are ASCII: strip diacritics (Lương -> luong); other scripts fall back below.
    decomposed = unicodedata.normalize("NFKD", f"{given.split()[0]}.{family}".lower())
    local = "".join(ch for ch in decomposed.replace("đ", "d") if ch.isascii()
                    and (ch.isalnum() or ch == "."))
    local = local.strip(".") or f"contact{rng.randrange(1000)}"
    return f"{local}{rng.randrange(10, 99)}@mail.example"


def _person(rng: Random, role: str, on: date, ages: tuple[int, int], notes: str) -> _PersonPlan:
    family, given, aliases = _name(rng)
    if role == "person_of_concern" and rng.random() < 0.2:
        aliases.append(rng.choice(NICKNAMES) if rng.random() < 0.6
                       else f"{rng.choice(HANDLE_WORDS)}_{rng.randrange(10, 9999)}")
    dob: str | None = None
    if role in ("person_of_concern", "potential_target") or rng.random() < 0.5:
        age_days = rng.randint(ages[0] * 365, ages[1] * 365 + 364)
        dob = (on - timedelta(days=age_days)).isoformat()
    address = ""
    if role != "witness" and rng.random() < 0.7:
        address = f"{rng.randint(10, 9899)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"
    return _PersonPlan(
        role=role, family_name=family, given_names=given, aliases=aliases,
        date_of_birth=dob, phone=_phone(rng) if rng.random() < 0.85 else "",
        email=_email(rng, family, given) if rng.random() < 0.35 else "",
        address=address, link_notes=notes,
    )


def _choose(rng: Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _plan_case(
    rng: Random, opened: date, today: date, partners: Sequence[_PartnerSpec], members: int
) -> _CasePlan:
    """Everything about one case, drawn from ``rng`` in a fixed order."""
    scenario = rng.choices(SCENARIOS, _SCENARIO_WEIGHTS)[0]
    fill = {
        "workplace": rng.choice(WORKPLACES), "school": rng.choice(SCHOOLS),
        "street": rng.choice(STREETS), "town": rng.choice(TOWNS),
        "target": scenario.target or "the reporting party",
    }
    age_days = (today - opened).days
    concern = rng.choices(CONCERNS, _CONCERN_WEIGHTS)[0]
    if concern == "imminent" and age_days > 60:
        concern = "high"  # an imminent concern is not left open for months: it was de-escalated
    # Old cases are mostly closed; recent ones mostly still being handled.
    closed = age_days > 45 and rng.random() < min(0.8, age_days / 700)
    final = concern
    if rng.random() < 0.2:
        index = CONCERNS.index(concern)
        moved = index - 1 if (closed or index == 3 or rng.random() < 0.6) else index + 1
        final = CONCERNS[max(0, min(2 if age_days > 60 else 3, moved))]
    if closed:
        status = "closed"
    elif age_days < 21:
        status = rng.choice(("open", "open", "active"))
    elif final in ("high", "imminent"):
        status = "active"
    else:
        status = rng.choice(("monitoring", "monitoring", "active"))
    end = today
    closed_on: str | None = None
    if closed:
        end = opened + timedelta(days=rng.randint(30, min(age_days, 540)))
        closed_on = end.isoformat()
    span = max(1, (end - opened).days)

    plan = _CasePlan(
        title=rng.choice(scenario.titles).format(**fill),
        summary=scenario.summary.format(**fill),
        status=status, concern=concern, final_concern=final,
        concern_reason=rng.choice(CONCERN_REASONS["up" if CONCERNS.index(final) >
                                                   CONCERNS.index(concern) else "down"]),
        opened_on=opened.isoformat(), next_review=None, closed_on=closed_on,
        closure_reason=rng.choice(CLOSURE_REASONS) if closed else "",
        assignees=rng.sample(range(members), k=min(members, 1 + (rng.random() < 0.3))),
    )

    # People. Roles are drawn the same way whatever the names: no name pool leans to a role.
    reporter = rng.choice(scenario.reporters)
    poc_age = rng.randint(*scenario.poc_age)
    plan.persons.append(_person(rng, "person_of_concern", opened, (poc_age, poc_age), ""))
    reported = rng.random() < 0.88
    if reported and reporter == scenario.target:
        # The person at risk reported it themselves: one person, two roles.
        person = _person(rng, "reporting_party", opened, (22, 70),
                         f"{reporter.capitalize()}; reported the concern")
        person.roles = ("potential_target",)
        plan.persons.append(person)
    else:
        if reported:
            plan.persons.append(_person(rng, "reporting_party", opened, (24, 66),
                                        reporter.capitalize()))
        if scenario.target and rng.random() < 0.6:
            plan.persons.append(_person(rng, "potential_target", opened, (22, 70),
                                        scenario.target.capitalize()))
    if rng.random() < 0.3:
        witness = rng.choice(WITNESSES.get(scenario.setting, WITNESSES["any"]))
        ages = (14, 19) if witness in ("classmate", "another student") else (18, 70)
        plan.persons.append(_person(rng, "witness", opened, ages, witness.capitalize()))
    if rng.random() < 0.35:
        fits = [name for name, (_, high, relative) in FAMILY.items()
                if (poc_age + high if relative else high) <= 100
                and (name != "adult child" or poc_age >= 40)
                and (name != "guardian" or poc_age < 18)]
        relation = rng.choice(fits)
        low, high, relative = FAMILY[relation]
        ages = (max(10, poc_age + low), max(10, poc_age + high)) if relative else (
            (low, high) if relation == "guardian" else (18, poc_age - low))
        plan.persons.append(_person(rng, "family", opened, ages,
                                    f"{relation.capitalize()}. {rng.choice(FAMILY_NOTES)}"))

    # Timeline: the reported behaviour, intake, then events spread over the case's life.
    def day_at(fraction: float) -> date:
        return opened + timedelta(days=round(span * fraction))

    first, context = scenario.behaviours[0]
    details = (f"Reported by the {reporter}. Statement {rng.choice(STATEMENT_TONES)}. "
               f"{rng.choice(WEAPON_ACCESS)} {rng.choice(HISTORIES)}")
    entries = plan.entries
    entries.append(_EntryPlan("concerning_behaviour",
                              _at(opened - timedelta(days=rng.randint(0, 3)), rng),
                              first.format(**fill), details, context.format(**fill)))
    summary, outcome = CONTACTS[0]
    entries.append(_EntryPlan("contact", _at(opened, rng), summary, outcome=outcome))
    events: list[tuple[float, _EntryPlan]] = []
    weight = CONCERNS.index(max(concern, final, key=CONCERNS.index))
    for _ in range(rng.randint(1, 2 + weight)):
        summary, outcome = rng.choice(CONTACTS[1:])
        events.append((rng.uniform(0.02, 0.9), _EntryPlan(
            "contact", "", summary.format(**fill), outcome=outcome)))
    pool = INTERVENTIONS["any"] + INTERVENTIONS.get(scenario.setting, ())
    for _ in range(rng.randint(0 if final == "low" else 1, 1 + weight)):
        summary, outcome = rng.choice(pool)
        events.append((rng.uniform(0.05, 0.9), _EntryPlan(
            "intervention", "", summary.format(**fill), outcome=outcome)))
    suitable = [i for i, p in enumerate(partners) if p.discipline in scenario.disciplines
                and (not p.fits or scenario.setting in p.fits)]
    for partner in rng.sample(suitable, k=min(len(suitable), rng.randint(0, 2))):
        fraction = rng.uniform(0.05, 0.7)
        elapsed = span * (1 - fraction)
        status_ = _choose(rng, _REFERRAL_LATE if elapsed > 30 or closed else _REFERRAL_EARLY)
        events.append((fraction, _EntryPlan(
            "referral", "", f"Referral to {partners[partner].name}",
            details=f"Referred for: {partners[partner].services.split(',')[0].lower()}.",
            outcome=f"Referral {status_}.", partner=partner, referral_status=status_)))
    for _ in range(rng.randint(0, 2)):
        summary, details_ = rng.choice(NOTES)
        events.append((rng.uniform(0.01, 0.95), _EntryPlan("note", "", summary, details_)))
    if len(scenario.behaviours) > 1 and (weight >= 2 or rng.random() < 0.25):
        summary, context = rng.choice(scenario.behaviours[1:])
        events.append((rng.uniform(0.05, 0.5), _EntryPlan(
            "concerning_behaviour", "", summary.format(**fill), context=context.format(**fill),
            details=f"Reported by the {reporter}.")))
    change_at = rng.uniform(0.2, 0.6) if final != concern else 0.0
    if final != concern:
        events.append((change_at, _EntryPlan(
            "concern_change", "", f"Concern level {concern} → {final}",
            details=plan.concern_reason, concern_from=concern, concern_to=final)))
    reviews = min(3, max(1, span // _REVIEW_EVERY[final]))
    review_days = sorted(day_at(rng.uniform(0.15, 1.0)) for _ in range(reviews))
    for review_day in review_days:
        level = final if review_day >= day_at(change_at) else concern
        events.append(((review_day - opened).days / span, _EntryPlan(
            "review", "", f"Team review: concern {level}",
            details=f"Warning behaviours: {rng.choice(WARNING_BEHAVIOURS)}.",
            outcome=REVIEW_DECISIONS[level])))
    if closed:
        events.append((1.0, _EntryPlan("review", "", "Closure review",
                                       details=plan.closure_reason, outcome="Case closed.")))
    # Stable sort on the fraction only: ties keep draw order, so the result is reproducible.
    events.sort(key=lambda item: item[0])
    for fraction, entry in events:
        entry.occurred_at = _at(day_at(fraction), rng)
        entries.append(entry)

    # Reviews and tasks. Past reviews were done on the day; open cases have a next review,
    # about one in six of them overdue.
    def assignee() -> int | None:
        return rng.choice(plan.assignees) if plan.assignees else None

    for review_day in review_days:
        plan.tasks.append(_TaskPlan("review", "Scheduled case review", review_day.isoformat(),
                                    assignee(), f"{review_day.isoformat()}T16:00:00.000Z"))
    if not closed:
        if rng.random() < 0.16:
            due = today - timedelta(days=rng.randint(1, 45))
        else:
            due = today + timedelta(days=rng.randint(1, _REVIEW_EVERY[final]))
        plan.next_review = due.isoformat()
        plan.tasks.append(_TaskPlan("review", "Scheduled case review", plan.next_review,
                                    assignee(), None))
    for _ in range(rng.randint(0, 3)):
        title = rng.choice(TASK_TITLES).format(**fill)
        due = max(opened, day_at(rng.uniform(0.05, 1.0)) + timedelta(days=rng.randint(-5, 20)))
        done = closed or due < today - timedelta(days=30) or rng.random() < 0.5
        done_at = None
        if done:
            finished = max(opened, min(due + timedelta(days=rng.randint(-3, 2)), end))
            hour, minute = rng.randint(8, 18), rng.randint(0, 59)
            done_at = f"{finished.isoformat()}T{hour:02d}:{minute:02d}:00.000Z"
        plan.tasks.append(_TaskPlan("task", title, due.isoformat(), assignee(), done_at))
    return plan


# -- writing ------------------------------------------------------------------------------


# Demo texts repeat (they are drawn from the vocabularies above): the tags of each text are
# worked out once. 10,000 cases ask 150,000 times; the regular expressions cost 0.8 ms a case.
_tags = functools.lru_cache(maxsize=65536)(
    lambda *texts: sensitivity_to_db(suggest_sensitivity(*texts)))


class _Writer:
    """Writes planned cases through one Operation per batch; counts what it made.

    A batch's records are gathered per table and inserted with ``Operation.insert_many``
    (one statement per table for the rows and one for their change-log rows). The changes a
    case gets after it was opened (concern changes with their rationale, closing) are that
    insert's ``edits``: the change log holds the case as opened and one row per field each
    change made, with its reason and a later stamp, exactly as ``Operation.update`` would log
    them; only the stored row is written once, in its final state."""

    _TABLES = ("cases", "case_assignments", "persons", "case_persons", "timeline", "tasks")

    def __init__(self, session: Session, partner_ids: list[str], members: list[Member]) -> None:
        self.session = session
        self.db = session.db
        self.store = session.store
        self.partner_ids = partner_ids
        self.members = members
        self.counts = {"cases": 0, "persons": 0, "entries": 0, "tasks": 0}

    @staticmethod
    def _edits(plan: _CasePlan) -> list[tuple[dict[str, object], str | None]]:
        """The changes a case gets after it was opened, in order: each concern change with
        its rationale, then closing on the planned date (not "today", as update_case would)."""
        edits: list[tuple[dict[str, object], str | None]] = []
        if plan.final_concern != plan.concern:  # the one concern_change entry's change
            edits.append(({"concern": plan.final_concern,
                           "tier": _TIER_OF[plan.final_concern]}, plan.concern_reason))
        if plan.closed_on:
            purge = date.fromisoformat(plan.closed_on) + timedelta(days=PURGE_REVIEW_DAYS)
            edits.append(({"status": "closed", "closed_on": plan.closed_on,
                           "closure_reason": plan.closure_reason,
                           "purge_review_on": purge.isoformat(), "next_review": None}, None))
        return edits

    def write(self, op: Operation, plans: list[_CasePlan]) -> None:
        """Write one batch of planned cases inside ``op``."""
        session = self.session
        member_id = session.member_id
        now = audit.utc_now()
        rows: dict[str, list[dict[str, object]]] = {t: [] for t in self._TABLES}
        # Ids are made here only for the records others refer to (cases, persons); insert_many
        # makes the rest. Appending to the lists directly: a call per record was a tenth of
        # the writer's time.
        case_ids = new_ids(len(plans))
        person_ids_list = new_ids(sum(len(plan.persons) for plan in plans))
        person_ids = iter(person_ids_list)
        cases, assignments, persons, links, timeline, tasks = (
            rows[t].append for t in self._TABLES)
        author = session.actor_name

        # The store's allocator keeps numbering (per year, per device) in one place; a
        # batch takes its numbers per year at once, in the order of its cases.
        years = [int(plan.opened_on[:4]) for plan in plans]
        numbers = {year: iter(self.store.allocate_numbers(year, years.count(year)))
                   for year in dict.fromkeys(years)}
        written: list[tuple[str, _CasePlan]] = []
        edits: list[list[tuple[dict[str, object], str | None]]] = []
        for plan, year, case_id in zip(plans, years, case_ids, strict=True):
            number = next(numbers[year])
            cases({
                "number": number, "title": plan.title, "summary": plan.summary,
                "status": "monitoring" if plan.status == "closed" else plan.status,
                "concern": plan.concern, "tier": _TIER_OF[plan.concern],
                "opened_on": plan.opened_on, "next_review": plan.next_review,
                # Every field written (those set later by closing too): the change log then
                # needs no copy of the record (ops.STORED).
                "closed_on": None, "closure_reason": "", "purge_review_on": None,
                "created_at": now, "created_by": member_id,
            })
            edits.append(self._edits(plan))
            for index in plan.assignees:
                assignments({
                    "case_id": case_id, "member_id": self.members[index].id,
                    "created_at": now})
            for person in plan.persons:
                person_id = next(person_ids)
                persons({
                    "family_name": person.family_name, "given_names": person.given_names,
                    "aliases": json.dumps(person.aliases, ensure_ascii=False)
                    if person.aliases else "[]",
                    "date_of_birth": person.date_of_birth, "phone": person.phone,
                    "email": person.email, "address": person.address, "notes": "",
                    "created_at": now, "created_by": member_id,
                })
                for role in (person.role, *person.roles):
                    links({
                        "case_id": case_id, "person_id": person_id, "role": role,
                        "notes": person.link_notes, "created_at": now})
            for entry in plan.entries:
                timeline({
                    "case_id": case_id, "kind": entry.kind, "occurred_at": entry.occurred_at,
                    "recorded_at": now, "author_id": member_id,
                    "author_name": author, "summary": entry.summary,
                    "details": entry.details, "context": entry.context,
                    "outcome": entry.outcome,
                    "partner_id": None if entry.partner is None
                    else self.partner_ids[entry.partner],
                    "referral_status": entry.referral_status,
                    "concern_from": entry.concern_from, "concern_to": entry.concern_to,
                    "supersedes": None,
                    # Tagged as an officer would be prompted to (crisis team, protective
                    # order), so the redaction profiles have something to withhold in the demo.
                    "sensitivity": _tags(entry.kind, entry.summary, entry.details,
                                         entry.context, entry.outcome),
                })
            for task in plan.tasks:
                tasks({
                    "case_id": case_id, "kind": task.kind, "title": task.title,
                    "due_on": task.due_on,
                    "assignee_id": None if task.assignee is None
                    else self.members[task.assignee].id,
                    "done_at": task.done_at, "done_by": member_id if task.done_at else None,
                    "notes": "", "created_at": now,
                    "sensitivity": _tags(task.kind, task.title),
                })
            written.append((case_id, plan))
        for table in self._TABLES:  # parents before the records that refer to them
            record_ids = {"cases": case_ids, "persons": person_ids_list}.get(table)
            op.insert_many(table, rows[table], record_ids,
                           edits=edits if table == "cases" else None)

        # Appended together after the batch's records, each with the stamp of the latest
        # change written (as op.audit would give it here).
        stamp = op.audit_stamp()
        entries: list[audit.Pending] = []
        for case_id, plan in written:
            entries.append(audit.Pending(
                stamp, "demo.case", "case", case_id,
                {"persons": len(plan.persons), "entries": len(plan.entries),
                 "tasks": len(plan.tasks)}))
            self.counts["cases"] += 1
            self.counts["persons"] += len(plan.persons)
            self.counts["entries"] += len(plan.entries)
            self.counts["tasks"] += len(plan.tasks)
        op.audit_many(entries)


def _partner_directory(session: Session, rng: Random) -> tuple[list[str], int]:
    """Ids of the demo partners in :data:`PARTNERS` order, adding the missing ones."""
    existing = {p.name: p.id for p in session.store.partners()}
    ids: list[str] = []
    made = 0
    for spec in PARTNERS:
        # Drawn even when the partner exists, so a second run plans the same cases.
        family, given, _ = _name(rng)
        phone = _phone(rng)
        number = rng.randint(100, 4999)
        street = rng.choice(STREETS)
        if spec.name in existing:
            ids.append(existing[spec.name])
            continue
        slug = "".join(word[0] for word in spec.name.lower().split() if word[0].isalpha())
        partner = session.store.add_partner(
            spec.name, spec.discipline, kind=spec.kind,
            contact_name=f"{given} {family} ({spec.contact_title})", phone=phone,
            email=f"intake@{slug}.example", address=f"{number} {street}, Harlow",
            services=spec.services,
        )
        ids.append(partner.id)
        made += 1
    return ids, made


def _opened_dates(rng: Random, count: int, today: date) -> list[date]:
    # More recent years hold a little more: referrals grow as a programme becomes known.
    offsets = sorted(
        int(HISTORY_DAYS * (1 - rng.random() ** 0.8)) for _ in range(count)
    )
    return [today - timedelta(days=offset) for offset in reversed(offsets)]


def generate(
    session: Session,
    cases: int,
    seed: int = 0,
    progress: Progress | None = None,
    *,
    today: date | None = None,
) -> DemoSummary:
    """Fill the vault with ``cases`` fictional case files and a partner directory.

    Runs in operations of :data:`BATCH_CASES` cases; after each commit ``progress(done,
    total)`` is called and returning False stops (what was committed stays). ``today`` is the
    date the history ends (default: the real date); pass it to reproduce a data set exactly.
    Needs an officer or lead session. The same ``seed``, ``cases`` and ``today`` give the same
    titles, names, dates and text.
    """
    if cases < 0:
        raise InvalidInput("the number of demo cases cannot be negative")
    started = time.perf_counter()
    today = today or date.today()
    rng = _Draws(seed)
    # Cases are assigned to the people who work them; analysts only if there is nobody else.
    members = [m for m in session.members() if m.role != "analyst"] or session.members()
    with session.operation("demo.generate") as op:
        op.require_writer()
        partner_ids, partners_made = _partner_directory(session, rng)
    opened = _opened_dates(rng, cases, today)
    writer = _Writer(session, partner_ids, members)
    done = 0
    cancelled = False
    while done < cases:
        batch = opened[done:done + BATCH_CASES]
        # The collector off while a batch is planned and written (ops.collector_paused).
        with collector_paused(), session.operation("demo.generate") as op:
            op.require_writer()
            writer.write(op, [_plan_case(rng, day, today, PARTNERS, len(members))
                              for day in batch])
            op.audit("demo.generate", "vault", session.vault_id, cases=len(batch), seed=seed)
        done += len(batch)
        if progress is not None and progress(done, cases) is False:
            cancelled = done < cases
            break
    counts = writer.counts
    return DemoSummary(
        cases=counts["cases"], persons=counts["persons"], entries=counts["entries"],
        tasks=counts["tasks"], partners=partners_made,
        seconds=time.perf_counter() - started, cancelled=cancelled,
    )
