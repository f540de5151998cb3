"""The community resource map: the partner directory laid out as disciplines against
prevention tiers (universal, selective, intensive), the gaps named in plain words, and how
often each partner was used and with what outcome.

Gaps, per discipline (but "other") and tier:

* no partner at all: "no partner for intensive mental-health services";
* partners, but none for one age group (a partner with no age group recorded counts for
  both): "no partner for intensive mental-health services for adults";
* a single partner: "School (intensive tier): one partner, 6-week wait" (the wait when
  recorded): one closure or a full list leaves the tier uncovered.
"""

from __future__ import annotations

from btam_desktop.core.model import AGE_GROUPS, DISCIPLINES, TIERS, Partner
from btam_desktop.core.reports import Period, Report, Table, _data
from btam_desktop.core.session import Session

MAPPED = tuple(d for d in DISCIPLINES if d != "other")
AGE_WORDS = {"youth": "young people", "adults": "adults"}


def wait_words(days: int | None) -> str:
    """"6-week wait", "10-day wait", "no wait" ("" when not recorded)."""
    if days is None:
        return ""
    if days == 0:
        return "no wait"
    if days % 7 == 0:
        return f"{days // 7}-week wait"
    return f"{days}-day wait"


def covers(partner: Partner, discipline: str, tier: str) -> bool:
    """True when the partner serves ``tier`` in ``discipline``."""
    return partner.discipline == discipline and tier in partner.tiers


def gaps(partners: list[Partner]) -> list[str]:
    """The gaps in plain words, by discipline then tier."""
    found: list[str] = []
    for discipline in MAPPED:
        words = _data.DISCIPLINE_WORDS[discipline]
        for tier in TIERS:
            here = [p for p in partners if covers(p, discipline, tier)]
            if not here:
                found.append(f"No partner for {tier} {words} services.")
                continue
            missing = [age for age in AGE_GROUPS
                       if not any(not p.ages or age in p.ages for p in here)]
            for age in missing:
                found.append(f"No partner for {tier} {words} services for {AGE_WORDS[age]}.")
            if len(here) == 1:
                wait = wait_words(here[0].wait_days)
                found.append(f"{_data.DISCIPLINE_TITLES[discipline]} ({tier} tier): one"
                             f" partner{', ' + wait if wait else ''}.")
    return found


def build(session: Session, period: Period | None = None) -> Report:
    """The map, its gaps and the partners' use (referrals made in ``period``, or ever)."""
    partners = _data.partners(session)
    report = Report("resource-map", "Community resource map", period)
    report.findings = gaps(partners)
    unrecorded = [p for p in partners if not p.tiers]
    if unrecorded:
        # Said first: after the upgrade no partner has tiers yet, and every tier would look
        # like a gap when it is only not recorded.
        report.findings.insert(0, f"{len(unrecorded)} of {len(partners)} partners have no"
                                  " prevention tier recorded and are left out of the map:"
                                  " record them under Partners & resources > Edit >"
                                  " Resource map.")
    grid = Table("Partners by discipline and prevention tier",
                 ["Discipline", *[t.capitalize() for t in TIERS]],
                 note="Each cell: how many partners serve that tier; 0 is a gap.")
    for discipline in MAPPED:
        grid.rows.append([_data.DISCIPLINE_TITLES[discipline],
                          *[sum(covers(p, discipline, t) for p in partners) for t in TIERS]])
    report.tables.append(grid)

    directory = Table("Partners and resources",
                      ["Partner", "Discipline", "Tiers", "Ages", "Wait (days)",
                       "Area; hours; capacity", "Contact"])
    for p in partners:
        contact = " ".join(x for x in (p.contact_name, p.phone, p.email) if x)
        where = "; ".join(x for x in (p.area_served, p.hours, p.capacity) if x)
        directory.rows.append([
            p.name, _data.DISCIPLINE_TITLES.get(p.discipline, p.discipline),
            ", ".join(p.tiers) or "not recorded", ", ".join(p.ages) or "all",
            "" if p.wait_days is None else p.wait_days, where, contact])
    report.tables.append(directory)

    usage = Table("Use of partners" + (f" ({period.label})" if period else ""),
                  ["Partner", "Referrals", *[o.capitalize() for o in _data.OUTCOMES]],
                  note="A referral counts once, at its newest status; 'pending': proposed or"
                       " made, no answer yet.")
    known = {p.id: p for p in _data.partners(session, include_removed=True)}
    counts: dict[str, dict[str, int]] = {}
    for entry in _data.entries(session, ("referral",)):
        if entry.partner_id is None or (period is not None
                                        and not period.contains(entry.first_at)):
            continue
        outcome = _data.OUTCOME_OF.get(entry.referral_status or "made", "pending")
        row = counts.setdefault(entry.partner_id, dict.fromkeys(_data.OUTCOMES, 0))
        row[outcome] += 1
    for pid in sorted(known, key=lambda k: known[k].name.lower()):
        row = counts.get(pid, dict.fromkeys(_data.OUTCOMES, 0))
        if pid not in {p.id for p in partners} and not any(row.values()):
            continue  # a removed partner with no referrals in the period
        usage.rows.append([known[pid].name, sum(row.values()),
                           *[row[o] for o in _data.OUTCOMES]])
    report.tables.append(usage)
    unused = [r[0] for r in usage.rows if r[1] == 0]
    if unused and partners:
        report.findings.append(f"{len(unused)} of {len(partners)} partners received no"
                               " referral" + (" in the period." if period else "."))
    return report
