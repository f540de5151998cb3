"""The gap analysis of a period: counts only, never names or case numbers, so it can go to a
chief or a county board.

* Caseload: cases open at any time in the period, by concern level, prevention tier and
  status (as they stand now), and how many were opened in it.
* Time from intake to first intervention: for cases opened in the period, days from the
  opening date to the first intervention or referral on the timeline.
* Reviews: scheduled reviews due in the period, done on time, done late, not done.
* Referrals made in the period by the partner's discipline and outcome, and referrals to and
  from other teams (sent, received; accepted, declined, not answered yet).
* Needs no partner could meet: services asked for in management plans (the plan's
  referrals) marked "not available or waitlisted", or of a discipline with no partner in the
  directory.
* Cases closed in the period and why: the closure criteria ticked on the closure review form
  (the free-text closure reason is never shown: it may name people).
"""

from __future__ import annotations

from datetime import date

from btam_desktop.core.model import CASE_STATUSES, CONCERN_LEVELS, DISCIPLINES, TIERS
from btam_desktop.core.reports import Period, Report, Table, _data
from btam_desktop.core.session import Session
from btam_desktop.core.words import plural

CLOSURE_CRITERIA = {
    "off_pathway": "No longer on a pathway toward violence",
    "supports_in_place": "Stabilising supports in place and engaged",
    "stressors_resolved": "Main stressors resolved or being managed",
    "weapons_access_reduced": "Access to weapons reduced or resolved",
    "target_protected": "Potential targets protected and informed",
    "grievance_resolved": "Grievance resolved or no longer held",
    "moved_with_handoff": "Moved out of the jurisdiction with handoff",
    "long_term_custody": "In long-term custody or care, holding agency informed",
    "other": "Other",
}
NO_REVIEW = "No closure review form recorded"


def _open_in(case: _data.CaseRow, period: Period) -> bool:
    return case.opened_on[:10] <= period.end.isoformat() and (
        case.closed_on is None or case.closed_on[:10] >= period.start.isoformat())


def build(session: Session, period: Period) -> Report:
    """The gap analysis of ``period``."""
    report = Report("gaps", "Gap analysis", period)
    all_cases = _data.cases(session)
    load = [c for c in all_cases if _open_in(c, period)]
    ids = {c.id for c in load}
    opened = [c for c in load if period.contains(c.opened_on)]

    caseload = Table("Caseload in the period", ["Counted", "Cases"])
    caseload.rows.append(["Open at any time in the period", len(load)])
    caseload.rows.append(["Opened in the period", len(opened)])
    caseload.rows.append(["Closed in the period",
                          sum(1 for c in load if period.contains(c.closed_on))])
    report.tables.append(caseload)
    for title, attr, values in (("Caseload by concern level", "concern", CONCERN_LEVELS),
                                ("Caseload by prevention tier", "tier", TIERS),
                                ("Caseload by status", "status", CASE_STATUSES)):
        table = Table(title, [title.split(" by ")[1].capitalize(), "Cases"],
                      note="As each case stands now.")
        for value in values:
            table.rows.append([value.replace("_", " ").capitalize(),
                               sum(1 for c in load if getattr(c, attr) == value)])
        report.tables.append(table)

    # Intake to first intervention.
    first: dict[str, str] = {}
    for entry in _data.entries(session, ("intervention", "referral")):
        first.setdefault(entry.case_id, entry.first_at)
    waits = [max(0, _data.days_between(c.opened_on, first[c.id])) for c in opened
             if c.id in first]
    timing = Table("Time from intake to first intervention (cases opened in the period)",
                   ["Counted", "Value"])
    timing.rows += [["Cases with an intervention or referral", len(waits)],
                    ["Cases with none yet", len(opened) - len(waits)],
                    ["Median days", _data.median(waits)],
                    ["Longest (days)", max(waits) if waits else 0],
                    ["Within 7 days", sum(1 for w in waits if w <= 7)]]
    report.tables.append(timing)

    # Reviews.
    today = date.today().isoformat()
    reviews = Table("Scheduled reviews due in the period", ["Counted", "Reviews"])
    on_time = late = missed = 0
    for row in session.db.query(
            "SELECT t.due_on, t.done_at FROM tasks t JOIN cases c ON c.id = t.case_id"
            " WHERE t.kind = 'review' AND t.deleted_at IS NULL AND c.deleted_at IS NULL"
            " AND t.due_on BETWEEN ? AND ?", (period.start.isoformat(),
                                              period.end.isoformat())):
        if row["done_at"]:
            if row["done_at"][:10] <= row["due_on"]:
                on_time += 1
            else:
                late += 1
        elif row["due_on"] < today:
            missed += 1
    reviews.rows += [["Done on time", on_time], ["Done late", late],
                     ["Overdue, not done", missed]]
    report.tables.append(reviews)
    due = on_time + late + missed
    if due:
        report.findings.append(f"{on_time} of {due} reviews due in the period were done on"
                               " time.")

    # Referrals by discipline and outcome.
    disciplines = {p.id: p.discipline for p in _data.partners(session, include_removed=True)}
    referrals = Table("Referrals made in the period by discipline and outcome",
                      ["Discipline", "Referrals", *[o.capitalize() for o in _data.OUTCOMES]],
                      note="Each referral at its newest status; 'pending': proposed or made,"
                           " no answer yet.")
    by: dict[str, dict[str, int]] = {d: dict.fromkeys(_data.OUTCOMES, 0) for d in DISCIPLINES}
    for entry in _data.entries(session, ("referral",)):
        if not period.contains(entry.first_at) or entry.partner_id not in disciplines:
            continue
        outcome = _data.OUTCOME_OF.get(entry.referral_status or "made", "pending")
        by[disciplines[entry.partner_id]][outcome] += 1
    for discipline in DISCIPLINES:
        row = by[discipline]
        referrals.rows.append([_data.DISCIPLINE_TITLES[discipline], sum(row.values()),
                               *[row[o] for o in _data.OUTCOMES]])
    report.tables.append(referrals)

    # Referrals between teams (this laptop's record of them), made or received in the period.
    teams = Table("Referrals to and from other teams in the period",
                  ["Direction", "Referrals", "Not answered yet", "Accepted", "Declined"],
                  note="As recorded on this lead laptop; 'not answered yet': sent without an"
                       " acknowledgement back, or received and not decided.")
    for direction, label, waiting in (("out", "Sent to other teams", "sent"),
                                      ("in", "Received from other teams", "received")):
        rows = [r for r in session.db.query(
            "SELECT status, created_at FROM referrals WHERE direction = ?", (direction,))
            if period.contains(r["created_at"])]
        teams.rows.append([label, len(rows),
                           *[sum(1 for r in rows if r["status"] == s)
                             for s in (waiting, "accepted", "declined")]])
    report.tables.append(teams)

    # Needs no partner could meet (management plans of the caseload, newest plan per case).
    covered = set(disciplines.values()) & {p.discipline for p in _data.partners(session)}
    plans: dict[str, dict[str, object]] = {}
    for case_id, _at, answers in _data.form_answers(session, "management_plan"):
        if case_id in ids:
            plans[case_id] = answers  # oldest first: the newest plan wins
    unmet = Table("Needs in management plans no partner could meet",
                  ["Discipline", "Not available or waitlisted", "No partner in the directory"])
    counts = {d: [0, 0] for d in DISCIPLINES}
    for answers in plans.values():
        items = answers.get("referrals")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            need = str(item.get("referral_discipline"))
            if need not in counts:
                continue
            if item.get("referral_status") == "unavailable":
                counts[need][0] += 1
            elif need not in covered:
                counts[need][1] += 1
    for discipline in DISCIPLINES:
        unmet.rows.append([_data.DISCIPLINE_TITLES[discipline], *counts[discipline]])
    report.tables.append(unmet)
    total_unmet = sum(a + b for a, b in counts.values())
    if total_unmet:
        worst = max(DISCIPLINES, key=lambda d: sum(counts[d]))
        report.findings.append(
            f"{total_unmet} needs in management plans could not be met; most in"
            f" {_data.DISCIPLINE_WORDS[worst]} services ({sum(counts[worst])}).")

    # Closed cases and why.
    closed = [c for c in load if period.contains(c.closed_on)]
    closed_ids = {c.id for c in closed}
    criteria: dict[str, list[str]] = {}
    for case_id, _at, answers in _data.form_answers(session, "case_review_closure"):
        if case_id in closed_ids and answers.get("decision") == "close":
            ticked = answers.get("closure_criteria_met")
            criteria[case_id] = [str(t) for t in ticked] if isinstance(ticked, list) else []
    why = Table("Cases closed in the period and why", ["Closure criterion", "Cases"],
                note="A case counts under every criterion ticked on its closure review.")
    for key, label in CLOSURE_CRITERIA.items():
        why.rows.append([label, sum(1 for ticked in criteria.values() if key in ticked)])
    why.rows.append([NO_REVIEW, len(closed_ids - set(criteria))])
    report.tables.append(why)

    report.findings.insert(0, f"{plural(len(load), 'case')} {'was' if len(load) == 1 else 'were'}"
                              f" open during the period; {len(opened):,} were opened and"
                              f" {len(closed):,} closed.")
    if opened:
        report.findings.insert(1, f"Median time from intake to first intervention:"
                                  f" {_data.median(waits):g} days ({len(opened) - len(waits)}"
                                  " new cases without one yet).")
    return report
