"""Words the Sync page shows for what the sync core returns: fingerprints in groups, clock
stamps as local times, bundle history rows, conflicts and import summaries in plain language.

Everything here is counts, names of laptops and members, field names and (in the conflict
dialog only) the two values a lead must choose between; nothing is logged.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from btam_desktop.core.errors import BtamError, NotFound
from btam_desktop.core.hlc import Stamp
from btam_desktop.core.session import Session
from btam_desktop.core.sync import team
from btam_desktop.core.sync.conflicts import Conflict, Side
from btam_desktop.core.sync.exchange import ExportResult, ImportSummary
from btam_desktop.core.sync.roster import Roster
from btam_desktop.core.words import plural
from btam_desktop.ui.case.labels import FIELD_LABELS, field_value, humanise, show_datetime

WARNING = "\u26a0"  # warning sign: never colour alone
INVITE_SUFFIX = ".btaminvite"
REQUEST_SUFFIX = ".btamjoin"
DEVICE_ROLE_LABELS = {"lead": "Lead laptop", "member": "Member laptop"}
DEVICE_STATUS_LABELS = {"active": "Active", "revoked": "Revoked"}
TABLE_LABELS = {
    "cases": "Case", "persons": "Person", "case_persons": "Person on a case",
    "timeline": "Timeline entry", "tasks": "Task", "submissions": "Form",
    "partners": "Partner", "members": "Team member", "attachments": "Attachment",
    "disseminations": "Dissemination", "case_assignments": "Assignment",
}
KIND_LABELS = {
    "value": "Two different values",
    "trash": "Edited after it was moved to the trash",
    "fork": "Two versions of one record",
}


def fingerprint_lines(fingerprint: str) -> str:
    """"ABCD EFGH IJKL MNOP" on two lines of four groups: easy to read out and compare."""
    groups = [g for g in fingerprint.replace(" ", "-").split("-") if g]
    half = (len(groups) + 1) // 2
    return " ".join(groups[:half]) + "\n" + " ".join(groups[half:])


def fingerprint_spoken(fingerprint: str) -> str:
    """The groups separated by commas, for screen readers."""
    return ", ".join(g for g in fingerprint.replace(" ", "-").split("-") if g)


def stamp_time(hlc: str) -> str:
    """The local time a clock stamp was taken ("2026-03-31 14:05"), or "" if unreadable."""
    try:
        millis = Stamp.decode(hlc).millis
    except ValueError:
        return ""
    return datetime.fromtimestamp(millis / 1000).astimezone().strftime("%Y-%m-%d %H:%M")


def device_label(roster: Roster | None, device_id: str, me: str) -> str:
    """"Laptop K7Q (Dana Reyes)" for a device id; "this laptop" for our own."""
    if device_id == me:
        return "this laptop"
    device = roster.device(device_id) if roster is not None else None
    if device is None:
        return "an unknown laptop"
    return device.name


# -- export and history ---------------------------------------------------------------------
def counts_text(counts: dict[str, Any]) -> str:
    """"2 cases, 14 changes, 3 audit entries" from a bundle's counts."""
    parts = [plural(int(counts.get("cases", 0)), "case"),
             plural(int(counts.get("changes", 0)), "change")]
    if counts.get("audit"):
        parts.append(plural(int(counts["audit"]), "audit entry", "audit entries"))
    if counts.get("attachments"):
        parts.append(plural(int(counts["attachments"]), "attachment"))
    if counts.get("tombstones"):
        parts.append(plural(int(counts["tombstones"]), "purged record"))
    return ", ".join(parts)


def export_text(result: ExportResult, roster: Roster | None, me: str) -> str:
    """What an export wrote, in words."""
    names = ", ".join(device_label(roster, r, me) for r in result.recipients)
    size = result.size / 1024
    if result.parts:
        # Larger than one bundle may be: several bundles, and the receiver needs them all.
        files = ", ".join(part.path.name for part in result.parts)
        return (f"Written in {len(result.parts)} parts to {result.path.parent} for {names}:"
                f" {files}. Together: {counts_text(result.counts)} ({size:,.1f} KB)."
                " Every part must be imported on their laptops (in any order); carry them"
                " all on a USB stick, by mail or through a shared folder; only their laptops"
                " can open them.")
    return (f"Bundle #{result.sequence} written to {result.path} for {names}: "
            f"{counts_text(result.counts)} ({size:,.1f} KB). Carry it to them on a USB stick, "
            "by mail or through a shared folder; only their laptops can open it.")


def history_direction(row: dict[str, Any]) -> str:
    """"\u2191 Sent" or "\u2193 Received" (an arrow and a word)."""
    return "\u2191 Sent" if row.get("direction") == "out" else "\u2193 Received"


def history_laptops(row: dict[str, Any], roster: Roster | None, me: str) -> str:
    """To whom a bundle went, or from whom it came."""
    if row.get("direction") == "out":
        ids = [str(r) for r in row.get("recipients") or []]
        return "to " + ", ".join(device_label(roster, r, me) for r in ids) if ids else ""
    return "from " + device_label(roster, str(row.get("sender_device_id", "")), me)


def history_counts(row: dict[str, Any]) -> str:
    """What a bundle carried (sent) or changed here (received)."""
    summary = row.get("summary") or {}
    if row.get("direction") == "out":
        text = counts_text(summary.get("counts") or {})
        if summary.get("parts"):
            text += f" (part {int(summary.get('part', 0))} of {int(summary['parts'])})"
        return text + (" (everything)" if summary.get("full") else "")
    created = summary.get("created") or {}
    updated = summary.get("updated") or {}
    parts = [f"{int(created.get('cases', 0)):,} new and {int(updated.get('cases', 0)):,} "
             "updated case(s)", plural(int(summary.get("applied", 0)), "change") + " applied"]
    if summary.get("conflicts"):
        parts.append(plural(int(summary["conflicts"]), "new conflict"))
    if summary.get("held"):
        parts.append(plural(int(summary["held"]), "record") + " held")
    refused = int(summary.get("not_lead_purges", 0)) + int(summary.get("not_lead_resolutions", 0))
    if refused:
        parts.append(f"{refused:,} purge(s)/resolution(s) from a laptop that is not a lead"
                     " laptop not applied")
    if summary.get("not_lead_reviews"):
        parts.append(plural(int(summary["not_lead_reviews"]), "form review")
                     + " from a laptop that is not a lead laptop not applied")
    unproven = sum(int(summary.get(f"not_proven_{kind}", 0))
                   for kind in ("purges", "resolutions", "reviews"))
    if unproven:
        parts.append(f"{unproven:,} purge(s)/resolution(s)/review(s) said to be a lead"
                     " laptop's but not proven not applied")
    return ", ".join(parts)


def fork_warning(fork: dict[str, Any], roster: Roster | None, me: str) -> str:
    """The cloned-laptop warning for the lead."""
    laptop = device_label(roster, str(fork.get("sender_device_id", "")), me)
    return (f"{WARNING} Two different bundles numbered #{fork.get('sequence')} from {laptop}: "
            "it may have been cloned or restored from a copy. Nothing from the second one was "
            "imported. Check that laptop before importing more from it "
            f"(found {show_datetime(str(fork.get('detected_at') or ''))}).")


def held_text(item: dict[str, Any]) -> str:
    """"Timeline entry waiting for its case (since 2026-03-31 14:05)"."""
    what = TABLE_LABELS.get(str(item.get("table")), humanise(str(item.get("table"))))
    parent = TABLE_LABELS.get(str(item.get("waiting_for_table")),
                              humanise(str(item.get("waiting_for_table")))).lower()
    since = show_datetime(str(item.get("received_at") or ""))
    return f"{what} waiting for its {parent} to arrive (held since {since})"


# -- import ---------------------------------------------------------------------------------
def summary_lines(summary: ImportSummary) -> list[str]:
    """The core's summary lines, with the command-line pointer replaced by the page's."""
    return [line.replace(": see `btam conflicts list`", ": see Sync \u203a Conflicts")
            for line in summary.lines()]


def refusal_text(error: BaseException) -> str:
    """Why a bundle was not imported, in plain words."""
    from btam_desktop.ui import messages

    return "Not imported: " + messages.describe(error)


# -- conflicts ------------------------------------------------------------------------------
def field_label(conflict: Conflict) -> str:
    """"Concern level", "Title", "Answer: risk.summary"."""
    name = conflict.field
    if conflict.kind == "fork":
        return "Amendment" if name == "amends" else "Correction"
    if name.startswith("answers."):
        return "Answer " + name.removeprefix("answers.")
    return FIELD_LABELS.get(name, humanise(name))


def record_label(session: Session, conflict: Conflict) -> str:
    """"Case 2026-0042-K7Q" (the case number where there is one)."""
    what = TABLE_LABELS.get(conflict.table, humanise(conflict.table))
    if conflict.table == "cases":
        try:
            return f"Case {session.store.get_case(conflict.record_id).number}"
        except (NotFound, BtamError, AssertionError):
            pass
    return f"{what} \u2026{conflict.record_id[-8:]}"


def value_text(conflict: Conflict, side: Side) -> str:
    """One side's value as a reader sees it."""
    if conflict.kind == "trash" and side.change_id == conflict.current.change_id:
        return "Moved to the trash"
    if conflict.kind == "fork":
        return "This version"
    value = side.value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=1)
    if conflict.table == "cases":
        return field_value(conflict.field, value)
    return "(empty)" if value in (None, "") else str(value)


def editable_value(value: Any) -> str:
    """A value as the lead edits it: the stored key or text (JSON for structured answers)."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def side_facts(session: Session, side: Side, roster: Roster | None) -> list[tuple[str, str]]:
    """Who, when, on which laptop and why, as (caption, text) pairs."""
    when = stamp_time(side.hlc) or "unknown time"
    laptop = device_label(roster, side.device_id, session.device_id)
    return [("By", side.member_name or "unknown member"), ("When", when),
            ("Laptop", laptop), ("Reason", side.reason or "(none given)")]


def conflict_title(conflict: Conflict) -> str:
    """"Critical: Concern level" or "Title" for the queue's first column."""
    prefix = f"{WARNING} Critical: " if conflict.critical else ""
    return prefix + field_label(conflict)


def current_roster(session: Session) -> Roster | None:
    """The roster this laptop trusts (None before it is in a team)."""
    return team.roster(session)
