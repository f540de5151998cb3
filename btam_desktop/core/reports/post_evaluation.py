"""Post-evaluation of the cases closed in a period: what was tried, how the concern level
moved, how long cases took, and whether the person of concern came back.

* Interventions tried: the management strategies chosen in the cases' plans, and the
  timeline's interventions and referrals (by the partner's discipline).
* Concern level over time: per case a step series (the level at opening, then each recorded
  change), and across cases the average level by month since opening.
* Time to closure: days from opening to closing.
* Re-referrals: the person of concern of a closed case is the person of concern of a case
  opened on the closing day or after.

Cases are named by number only; no person is named.
"""

from __future__ import annotations

from btam_desktop.core.model import CONCERN_LEVELS
from btam_desktop.core.reports import Period, Report, Series, Table, _data
from btam_desktop.core.session import Session

STRATEGIES = {
    "no_further_action": "No further action", "watch_and_wait": "Watch and wait",
    "third_party_monitoring": "Third-party monitoring or intervention",
    "subject_interview": "Interview or engagement with the person",
    "protective_order": "Civil or protective order",
    "mental_health_evaluation": "Mental-health evaluation",
    "arrest_prosecution": "Arrest and prosecution",
}
MONTH = 30


def concern_series(case: _data.CaseRow, changes: list[_data.EntryRow]) -> list[tuple[str, float]]:
    """(day, level) points: the level at opening, each change, and the level at closing."""
    start = changes[0].concern_from if changes and changes[0].concern_from else case.concern
    points: list[tuple[str, float]] = [(case.opened_on[:10], float(_data.LEVEL.get(start, 0)))]
    for change in changes:
        if change.concern_to in _data.LEVEL:
            points.append((change.occurred_at[:10], float(_data.LEVEL[change.concern_to])))
    end = case.closed_on or case.opened_on
    points.append((end[:10], float(_data.LEVEL.get(case.concern, points[-1][1]))))
    return points


def level_at(points: list[tuple[str, float]], day: str) -> float:
    """The step series' level on ``day``."""
    level = points[0][1]
    for when, value in points:
        if when <= day:
            level = value
    return level


def build(session: Session, period: Period) -> Report:
    """The post-evaluation of the cases closed in ``period``."""
    report = Report("post-evaluation", "Post-evaluation of closed cases", period)
    all_cases = _data.cases(session)
    closed = [c for c in all_cases if c.status == "closed" and period.contains(c.closed_on)]
    ids = {c.id for c in closed}
    changes: dict[str, list[_data.EntryRow]] = {}
    tried: dict[str, dict[str, int]] = {c.id: {"intervention": 0, "referral": 0}
                                        for c in closed}
    disciplines = {p.id: p.discipline for p in _data.partners(session, include_removed=True)}
    by_discipline: dict[str, int] = {}
    for entry in _data.entries(session, ("concern_change", "intervention", "referral")):
        if entry.case_id not in ids:
            continue
        if entry.kind == "concern_change":
            changes.setdefault(entry.case_id, []).append(entry)
        else:
            tried[entry.case_id][entry.kind] += 1
            if entry.kind == "referral" and entry.partner_id in disciplines:
                name = disciplines[entry.partner_id]
                by_discipline[name] = by_discipline.get(name, 0) + 1

    strategies = dict.fromkeys(STRATEGIES, 0)
    for case_id, _at, answers in _data.form_answers(session, "management_plan"):
        if case_id not in ids:
            continue
        chosen = answers.get("strategies")
        for key in chosen if isinstance(chosen, list) else []:
            if key in strategies:
                strategies[key] += 1
    interventions = Table("Interventions tried", ["Intervention", "Times"],
                          note="Strategies count once per management plan (amended plans"
                               " count once, at their newest version).")
    interventions.rows += [[label, strategies[key]] for key, label in STRATEGIES.items()]
    interventions.rows.append(["Interventions on the timeline",
                               sum(t["intervention"] for t in tried.values())])
    for discipline, title in _data.DISCIPLINE_TITLES.items():
        if by_discipline.get(discipline):
            interventions.rows.append([f"Referrals to {title.lower()} partners",
                                       by_discipline[discipline]])
    report.tables.append(interventions)

    # Re-referrals: the same person of concern in a case opened after this one closed.
    poc: dict[str, set[str]] = {}
    for row in session.db.query(
            "SELECT case_id, person_id FROM case_persons WHERE role = 'person_of_concern'"
            " AND deleted_at IS NULL"):
        poc.setdefault(row["case_id"], set()).add(row["person_id"])
    opened = {c.id: c.opened_on[:10] for c in all_cases}
    cases_of: dict[str, list[str]] = {}  # person -> the cases they are the subject of
    for case_id, people in poc.items():
        if case_id in opened:
            for person in people:
                cases_of.setdefault(person, []).append(case_id)
    rereferred: set[str] = set()
    for case in closed:
        closing = (case.closed_on or "")[:10]
        # Opened on the closing day or later (a case reopened the same day counts).
        if any(other != case.id and opened[other] >= closing
               for person in poc.get(case.id, ()) for other in cases_of[person]):
            rereferred.add(case.id)

    per_case = Table("Closed cases", ["Case", "Closed", "Days open", "Concern at opening",
                                      "Highest", "At closing", "Actions", "Re-referred"],
                     note="Actions: interventions / referrals on the timeline. Re-referred:"
                          " the person of concern came back in a later case.")
    days: list[int] = []
    for case in closed:
        points = concern_series(case, changes.get(case.id, []))
        report.series.append(Series(case.number, points))
        span = max(0, _data.days_between(case.opened_on, case.closed_on or case.opened_on))
        days.append(span)
        per_case.rows.append([
            case.number, (case.closed_on or "")[:10], span,
            CONCERN_LEVELS[int(points[0][1])], CONCERN_LEVELS[int(max(p[1] for p in points))],
            CONCERN_LEVELS[int(points[-1][1])],
            f"{tried[case.id]['intervention']} / {tried[case.id]['referral']}",
            "yes" if case.id in rereferred else "no"])
    report.tables.append(per_case)

    # Across cases: the average level by month since opening.
    if report.series:
        longest = max(days) if days else 0
        overall: list[tuple[str, float]] = []
        for month in range(0, longest // MONTH + 1):
            levels = []
            for case, series in zip(closed, report.series, strict=True):
                if month * MONTH <= _data.days_between(case.opened_on,
                                                       case.closed_on or case.opened_on):
                    day = _shift(case.opened_on, month * MONTH)
                    levels.append(level_at(series.points, day))
            if levels:
                overall.append((f"month {month}", round(sum(levels) / len(levels), 2)))
        report.overall = Series("Average concern level by month since opening", overall)

    moved = Table("Concern level from opening to closing", ["Moved", "Cases"])
    went_down = sum(1 for s in report.series if s.points[-1][1] < s.points[0][1])
    went_up = sum(1 for s in report.series if s.points[-1][1] > s.points[0][1])
    moved.rows += [["Lower at closing", went_down], ["Unchanged", len(closed) - went_down
                                                     - went_up], ["Higher at closing", went_up]]
    report.tables.append(moved)
    timing = Table("Time to closure", ["Counted", "Value"])
    timing.rows += [["Cases closed", len(closed)], ["Median days", _data.median(days)],
                    ["Shortest (days)", min(days) if days else 0],
                    ["Longest (days)", max(days) if days else 0],
                    ["Re-referred after closure", len(rereferred)]]
    report.tables.append(timing)
    report.findings.append(f"{len(closed)} cases were closed in the period after a median of"
                           f" {_data.median(days):g} days.")
    if closed:
        report.findings.append(f"The concern level was lower at closing than at opening in"
                               f" {went_down} of {len(closed)} cases.")
        report.findings.append(f"{len(rereferred)} of {len(closed)} closed cases had their"
                               " person of concern referred again afterwards.")
    return report


def _shift(day: str, offset: int) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day[:10]) + timedelta(days=offset)).isoformat()
