"""Case report PDF: the whole case file on paper, in the order a reviewer reads it.

Summary; people and their roles; how the level of concern changed and why; the full
chronological timeline (a corrected entry stays, marked as corrected, next to its
correction); the current management plan; interventions and their outcomes; referrals with
the partner and their status; reviews and tasks; and the dissemination log (who already
received what). A redaction profile can leave out entry kinds, entry fields, personal
details and whole sections, and replaces third-party names by their role everywhere.
Timeline entries and tasks (plan items) tagged with a sensitivity the profile removes are
withheld like tagged form answers: "[redacted]" in their place (``replace``) or left out
(``omit``); :func:`withheld_items` says beforehand what a profile will withhold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, Paragraph, Spacer

from btam_desktop.core.dissemination import Dissemination, Release
from btam_desktop.core.forms import FormDefinition
from btam_desktop.core.model import (
    ENTRY_KIND_LABELS,
    STATUS_LABELS,
    Case,
    CasePerson,
    Partner,
    Task,
    TimelineEntry,
)
from btam_desktop.core.pdf.blocks import (
    BLANK,
    Row,
    data_table,
    kv_grid,
    muted,
    para,
    release_box,
    section_bar,
)
from btam_desktop.core.pdf.filled import form_story
from btam_desktop.core.pdf.markup import esc
from btam_desktop.core.pdf.page import Bookmark, DocumentSpec, Masthead, RenderedPdf, build_pdf
from btam_desktop.core.pdf.redaction import (
    REDACTED,
    RedactionProfile,
    Redactor,
    TagWithholding,
)
from btam_desktop.core.pdf.styles import styles
from btam_desktop.core.submissions import Submission

if TYPE_CHECKING:
    from btam_desktop.core.session import Session

__all__ = ["CaseReportData", "gather_case_report", "render_case_report", "withheld_items"]

CONCERN_LABELS = {"low": "Low", "moderate": "Moderate", "high": "High", "imminent": "Imminent"}
TIER_LABELS = {"universal": "Universal", "selective": "Selective", "intensive": "Intensive"}
DISCIPLINE_LABELS = {
    "mental_health": "Mental health", "school": "School", "public_health": "Public health",
    "social_services": "Social services", "victim_services": "Victim services",
    "law_enforcement": "Law enforcement", "other": "Other",
}
REFERRAL_LABELS = {"proposed": "Proposed", "made": "Made", "waiting": "Waiting list",
                   "accepted": "Accepted", "declined": "Declined", "completed": "Completed"}
NONE = muted("—&nbsp;&nbsp;none")
PLAN_FORM = "management_plan"
# The plan summary: what the plan is, its goals, strategies, referrals, lead and review.
PLAN_FIELDS = frozenset({
    "plan_date", "plan_type", "revision_reason", "concern_level_at_plan", "goals",
    "strategies", "strategies_rationale", "referrals", "lead_discipline", "lead_agency",
    "lead_person", "review_date", "review_triggers",
})


@dataclass(frozen=True)
class CaseReportData:
    """Everything the report shows, read from the vault beforehand."""

    case: Case
    persons: Sequence[CasePerson] = ()
    timeline: Sequence[TimelineEntry] = ()
    tasks: Sequence[Task] = ()
    partners: Mapping[str, Partner] = field(default_factory=dict)
    members: Mapping[str, str] = field(default_factory=dict)
    plan: tuple[Submission, FormDefinition] | None = None
    disseminations: Sequence[Dissemination] = ()


def _latest_plan(session: Session, case_id: str) -> tuple[Submission, FormDefinition] | None:
    subs = [s for s in session.submissions.for_case(case_id, include_superseded=False)
            if s.form_id == PLAN_FORM]
    if not subs:
        return None
    done = [s for s in subs if s.status != "draft"]
    chosen = (done or subs)[-1]  # for_case is oldest first
    return chosen, session.submissions.form_for(chosen)


def gather_case_report(session: Session, case: str) -> CaseReportData:
    """Read a case and everything its report shows."""
    from btam_desktop.core import dissemination

    store = session.store
    current = store.get_case(case)
    timeline = store.timeline(current.id)
    partner_ids = {e.partner_id for e in timeline if e.partner_id}
    return CaseReportData(
        case=current,
        persons=store.case_persons(current.id),
        timeline=timeline,
        tasks=store.tasks(current.id),
        partners={pid: store.get_partner(pid) for pid in sorted(partner_ids)},
        members={m.id: m.name for m in session.members(include_inactive=True)},
        plan=_latest_plan(session, current.id),
        disseminations=dissemination.for_case(session, current.id),
    )


def withheld_items(data: CaseReportData, profile: RedactionProfile) -> list[str]:
    """What the profile withholds because of sensitivity tags, in words, for the release
    dialog: ["3 timeline entries (mental health)", "1 plan item (criminal history)"]."""
    if not profile.remove_tags:
        return []
    rule = TagWithholding.build(profile, data.timeline)
    timeline_shown = any(k not in profile.drop_sections for k in (
        "timeline", "interventions", "referrals", "concern_history"))
    entries = [e for e in data.timeline
               if e.kind not in profile.drop_entry_kinds] if timeline_shown else []
    tasks = data.tasks if "tasks" not in profile.drop_sections else ()
    return rule.counted(entries, tasks)


def _when(stamp: str | None) -> str:
    """ISO date-time as "2026-03-14 14:05" (stored UTC stamps keep their "Z" as "UTC")."""
    if not stamp:
        return ""
    text = stamp.replace("T", " ")
    if text.endswith("Z"):
        return text[:16] + " UTC"
    return text[:16]


class _Report:
    def __init__(self, data: CaseReportData, redactor: Redactor) -> None:
        self.data = data
        self.redactor = redactor
        self.profile = redactor.profile
        self.number = 0
        self.rule = TagWithholding.build(self.profile, data.timeline)
        entries = [e for e in data.timeline if e.kind not in self.profile.drop_entry_kinds]
        if self.profile.mode == "omit":
            entries = [e for e in entries if not self.withheld(e)]
        self.entries = entries
        self.by_id = {e.id: e for e in data.timeline}

    def text(self, value: object) -> str:
        return esc(self.redactor.text(value))

    def withheld(self, e: TimelineEntry) -> bool:
        """Whether the entry carries a tag the profile removes (so none of its text shows)."""
        return self.rule.entry(e)

    def task_withheld(self, t: Task) -> bool:
        return self.rule.task(t)

    def section(self, key: str, title: str) -> list[Flowable]:
        self.number += 1
        number = str(self.number)
        return [Bookmark(f"r-{key}", f"{number} {title}"), Spacer(1, 4),
                section_bar(number, title), Spacer(1, 3)]

    def wanted(self, key: str) -> bool:
        return key not in self.profile.drop_sections

    # -- sections ------------------------------------------------------------------------
    def summary(self) -> list[Flowable]:
        case = self.data.case
        assigned = ", ".join(case.assigned)
        rows = [
            Row("Case number", esc(case.number)),
            Row("Title", self.text(case.title)),
            Row("Status", esc(STATUS_LABELS.get(case.status, case.status))),
            Row("Level of concern",
                f"<b>{esc(CONCERN_LABELS.get(case.concern, case.concern))}</b>"),
            Row("Prevention tier", esc(TIER_LABELS.get(case.tier, case.tier))),
            Row("Opened", esc(case.opened_on)),
            Row("Next review", esc(case.next_review) if case.next_review else NONE),
            Row("Assigned", esc(assigned) if assigned else NONE),
        ]
        if case.closed_on:
            rows.append(Row("Closed", f"{esc(case.closed_on)} — {self.text(case.closure_reason)}"))
        rows.append(Row("Summary", self.text(case.summary) if case.summary else NONE,
                        wide=True))
        return [*self.section("summary", "Case summary"), kv_grid(rows, label_share=0.24)]

    def people(self) -> list[Flowable]:
        drop = self.profile.drop_person_fields
        grouped: dict[str, list[CasePerson]] = {}
        # The person of concern first, then the others in the store's order.
        ordered = sorted(self.data.persons, key=lambda link: not self.redactor.is_poc(
            link.person.id))
        for link in ordered:
            grouped.setdefault(link.person.id, []).append(link)
        rows: list[list[str]] = []
        for links in grouped.values():
            person = links[0].person
            roles = esc(self.redactor.roles(person.id))
            if self.redactor.name_withheld(person.id):
                rows.append([muted("name withheld"), roles, muted("withheld")])
                continue
            details: list[str] = []
            if person.date_of_birth and "date_of_birth" not in drop:
                details.append(f"Born {esc(person.date_of_birth)}")
            if person.aliases and "aliases" not in drop:
                details.append("Also known as " + esc(", ".join(person.aliases)))
            for name, label in (("phone", "Phone"), ("email", "E-mail"),
                                ("address", "Address")):
                value = getattr(person, name)
                if value and name not in drop:
                    details.append(f"{label}: {self.text(value)}")
            if person.notes and "notes" not in drop:
                details.append(self.text(person.notes))
            rows.append([f"<b>{esc(person.display_name)}</b>", roles,
                         "<br/>".join(details) or muted("—")])
        flow = self.section("people", "People and roles")
        if not rows:
            return [*flow, para(muted("No people are linked to this case."))]
        return [*flow, data_table(["Name", "Role on this case", "Details"], rows,
                                  [2.2, 1.6, 3.6])]

    def concern_history(self) -> list[Flowable]:
        changes = [e for e in self.entries if e.kind == "concern_change"]
        flow = self.section("concern", "Level of concern: history and rationale")
        if not changes:
            level = CONCERN_LABELS.get(self.data.case.concern, self.data.case.concern)
            return [*flow, para(muted(f"No changes recorded; the level is {esc(level)}."))]
        rows = []
        for e in changes:
            before = CONCERN_LABELS.get(e.concern_from or "", e.concern_from or "?")
            after = CONCERN_LABELS.get(e.concern_to or "", e.concern_to or "?")
            rationale = self.text(e.details) if "details" not in self.profile.drop_entry_fields \
                and not self.withheld(e) else muted("withheld")
            rows.append([esc(_when(e.occurred_at)), f"{esc(before)} → <b>{esc(after)}</b>",
                         rationale or BLANK, esc(e.author_name)])
        return [*flow, data_table(["Date", "Change", "Rationale", "Recorded by"], rows,
                                  [1.2, 1.4, 4.4, 1.3])]

    def entry_text(self, e: TimelineEntry, *, with_outcome: bool = True) -> str:
        drop = self.profile.drop_entry_fields
        if self.withheld(e):
            return muted(esc(REDACTED))
        parts = [f"<b>{self.text(e.summary)}</b>"]
        # A note's summary is its first line: do not print it twice.
        if e.details and "details" not in drop and e.details.strip() != e.summary.strip():
            parts.append(self.text(e.details))
        if e.context and "context" not in drop:
            parts.append(muted("Context: ") + self.text(e.context))
        if with_outcome and e.outcome and "outcome" not in drop:
            parts.append(muted("Outcome: ") + self.text(e.outcome))
        if e.partner_id and e.partner_id in self.data.partners:
            partner = self.data.partners[e.partner_id]
            status = REFERRAL_LABELS.get(e.referral_status or "", e.referral_status or "")
            parts.append(muted("Partner: ") + esc(partner.name)
                         + (f" — {esc(status)}" if status else ""))
        return "<br/>".join(parts)

    def timeline(self) -> list[Flowable]:
        flow = self.section("timeline", "Timeline")
        if not self.entries:
            return [*flow, para(muted("No entries."))]
        rows: list[list[str]] = []
        superseded: list[int] = []
        for e in self.entries:
            text = self.entry_text(e)
            if e.superseded_by:
                newer = self.by_id.get(e.superseded_by)
                when = f" on {esc(_when(newer.recorded_at))}" if newer else ""
                text = f"<b>CORRECTED{when}</b> — the correction is listed below.<br/>" + text
                superseded.append(len(rows))
            if e.supersedes:
                older = self.by_id.get(e.supersedes)
                of = f" of {esc(_when(older.occurred_at))}" if older else ""
                text = f"<b>Correction</b> of the entry{of}.<br/>" + text
            kind = ENTRY_KIND_LABELS.get(e.kind, e.kind)
            rows.append([esc(_when(e.occurred_at)), esc(kind), text,
                         f"{esc(e.author_name)}<br/>" + muted(esc(_when(e.recorded_at)), 7)])
        return [*flow, data_table(["When", "Type", "Entry", "Recorded by"], rows,
                                  [1.1, 1.0, 4.6, 1.3], muted_rows=superseded)]

    def plan(self) -> list[Flowable]:
        flow = self.section("plan", "Management plan")
        if self.data.plan is None:
            return [*flow, para(muted("No management plan has been written for this case."))]
        sub, form = self.data.plan
        state = {"draft": "draft, not complete", "complete": "complete",
                 "reviewed": "reviewed"}.get(sub.status, sub.status)
        intro = (f"Latest plan: {esc(form.title)} (version {form.version}), {esc(state)}, "
                 f"started {esc(_when(sub.created_at))}.")
        only = PLAN_FIELDS if any(
            f.id in PLAN_FIELDS for f in form.iter_fields(members=False)) else None
        body = form_story(form, sub.answers, self.redactor, only=only, nested=True,
                          bookmarks=False)
        return [*flow, para(intro), Spacer(1, 4), *body]

    def current(self, kind: str) -> list[TimelineEntry]:
        return [e for e in self.entries if e.kind == kind and not e.superseded_by]

    def interventions(self) -> list[Flowable]:
        flow = self.section("interventions", "Interventions and outcomes")
        entries = self.current("intervention")
        if not entries:
            return [*flow, para(muted("No interventions recorded."))]
        drop = self.profile.drop_entry_fields
        rows = [[esc(_when(e.occurred_at)), self.entry_text(e, with_outcome=False),
                 (self.text(e.outcome) if "outcome" not in drop and not self.withheld(e)
                  else muted("withheld")) or BLANK, esc(e.author_name)] for e in entries]
        return [*flow, data_table(["Date", "Intervention", "Outcome", "Recorded by"], rows,
                                  [1.1, 3.6, 2.4, 1.3])]

    def referrals(self) -> list[Flowable]:
        flow = self.section("referrals", "Referrals")
        entries = self.current("referral")
        if not entries:
            return [*flow, para(muted("No referrals recorded."))]
        rows = []
        for e in entries:
            if self.withheld(e):
                # The partner's name alone (a crisis team) would tell what was withheld.
                rows.append([esc(_when(e.occurred_at)), muted(esc(REDACTED)),
                             muted(esc(REDACTED)), muted("—"), esc(e.author_name)])
                continue
            partner = self.data.partners.get(e.partner_id or "")
            name = (f"<b>{esc(partner.name)}</b><br/>"
                    + muted(esc(DISCIPLINE_LABELS.get(partner.discipline, partner.discipline)))
                    if partner else muted("unknown partner"))
            summary = f"<b>{self.text(e.summary)}</b>"
            if e.details and "details" not in self.profile.drop_entry_fields:
                summary += "<br/>" + self.text(e.details)
            status = REFERRAL_LABELS.get(e.referral_status or "", e.referral_status or "—")
            rows.append([esc(_when(e.occurred_at)), name, summary, esc(status),
                         esc(e.author_name)])
        return [*flow, data_table(["Date", "Partner", "Referral", "Status", "Recorded by"],
                                  rows, [1.1, 1.8, 3.2, 0.9, 1.2])]

    def tasks(self) -> list[Flowable]:
        flow = self.section("tasks", "Reviews and tasks")
        if not self.data.tasks:
            return [*flow, para(muted("No reviews or tasks."))]
        rows = []
        shown = [t for t in self.data.tasks
                 if not (self.profile.mode == "omit" and self.task_withheld(t))]
        if not shown:
            return [*flow, para(muted("No reviews or tasks."))]
        for t in shown:
            who = self.data.members.get(t.assignee_id or "", "")
            done = f"Done {esc(_when(t.done_at))}" if t.done_at else "<b>Open</b>"
            title = f"<b>{self.text(t.title)}</b>"
            if t.notes:
                title += "<br/>" + self.text(t.notes)
            if self.task_withheld(t):
                title = muted(esc(REDACTED))
            rows.append(["Review" if t.kind == "review" else "Task", title,
                         esc(t.due_on or "—"), esc(who) or muted("—"), done])
        return [*flow, data_table(["Kind", "What", "Due", "Assigned to", "Status"], rows,
                                  [0.8, 3.6, 1.0, 1.4, 1.3])]

    def disseminations(self) -> list[Flowable]:
        flow = self.section("disseminations", "Dissemination log")
        note = para(muted("Copies of this case's information that were exported, to whom, "
                          "why and on what basis. This copy is added to the log when it is "
                          "written (its own file hash cannot be printed inside it)."))
        if not self.data.disseminations:
            return [*flow, note, Spacer(1, 3), para(muted("No earlier exports."))]
        rows = [[esc(_when(d.exported_at)), esc(d.what_label), esc(d.recipient),
                 esc(d.purpose), esc(d.legal_basis), esc(d.redaction_profile.replace("_", " ")),
                 esc(d.exported_by_name),
                 f'<font name="BTAMMono" size="7">{esc(d.sha256[:16])}</font>']
                for d in self.data.disseminations]
        return [*flow, note, Spacer(1, 3), data_table(
            ["Exported", "What", "Recipient", "Purpose", "Legal basis", "Redaction", "By",
             "SHA-256 (start)"], rows, [1.1, 0.9, 1.4, 1.4, 1.4, 1.0, 1.0, 1.1])]

    def story(self) -> list[Flowable]:
        flow = self.summary()
        parts = (("people", self.people), ("concern_history", self.concern_history),
                 ("timeline", self.timeline), ("management_plan", self.plan),
                 ("interventions", self.interventions), ("referrals", self.referrals),
                 ("tasks", self.tasks), ("dissemination_log", self.disseminations))
        for key, build in parts:
            if self.wanted(key):
                flow += [Spacer(1, 8), *build()]
        return flow


def render_case_report(data: CaseReportData, masthead: Masthead, profile: RedactionProfile,
                       release: Release | None = None) -> RenderedPdf:
    """The case report as a PDF."""
    redactor = Redactor(profile, data.persons)
    st = styles()
    story: list[Flowable] = [
        Paragraph("Case report", st.title),
        Paragraph(f"Case {esc(data.case.number)} · "
                  f"{esc(STATUS_LABELS.get(data.case.status, data.case.status))} · "
                  f"level of concern {esc(CONCERN_LABELS.get(data.case.concern, ''))}",
                  st.subtitle),
        Spacer(1, 8),
    ]
    story += release_box(release, profile.summary(),
                         profile.title if profile.removes_anything else None)
    story += _Report(data, redactor).story()
    story += [Spacer(1, 8), Paragraph(muted("— End of report —"), st.small)]
    spec = DocumentSpec(
        title="Case report",
        case_number=data.case.number,
        subject=f"Case report {data.case.number}",
        metadata={"BTAM-Document": "case_report", "BTAM-Redaction": profile.id},
    )
    return build_pdf(story, masthead, spec)
