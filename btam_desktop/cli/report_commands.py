"""``btam report``: the program's own reports over the whole vault.

  btam report resource-map [--from D --to D]     partners by discipline and tier, the gaps
                                                 named, use of each partner
  btam report gaps --from D --to D               gap analysis of a period (counts only)
  btam report post-evaluation --from D --to D    closed cases: interventions, concern level
                                                 over time, time to closure, re-referrals
  btam report log                                reports exported, to whom, why, on what basis

Without ``-o`` the figures are printed (``--json`` for scripts). With ``-o FILE`` the report
is exported as PDF or CSV (``--format``, or the file's extension) and recorded in the
dissemination log: ``--recipient``, ``--purpose`` and ``--legal-basis`` are required, and an
existing file is replaced only with ``--force``. CSV cells that a spreadsheet would run as a
formula (starting with = + - @, tab or CR) are neutralised with a leading apostrophe.
Dates are YYYY-MM-DD, both days included; the default period is the last 12 months (the
resource map: all time).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from btam_desktop.cli.common import Context, UsageError, safe_text, table

__all__ = ["register"]

HELP = (__doc__ or "").replace("``", "")


def _text(report: Any) -> str:
    lines = [report.title + (f" ({report.period.label})" if report.period else "")]
    lines += [f"  - {f}" for f in report.findings]
    for item in report.tables:
        lines += ["", item.title]
        rows = [[safe_text(f"{v:g}" if isinstance(v, float) else str(v)) for v in row]
                for row in item.rows]
        lines.append(table(rows, [h.upper() for h in item.headers]))
    return "\n".join(lines)


def _log(ctx: Context) -> int:
    from btam_desktop.core.reports.export import logged

    with ctx.unlock() as session:
        found = logged(session)
    rows = [[d.exported_at[:16].replace("T", " "), d.redaction_profile.removeprefix("report:"),
             safe_text(d.recipient[:30]), safe_text(d.purpose[:30]),
             safe_text(d.legal_basis[:30]), safe_text(d.filename), d.exported_by_name]
            for d in found]
    ctx.emit([d.to_json() for d in found],
             table(rows, ["EXPORTED", "REPORT", "RECIPIENT", "PURPOSE", "LEGAL BASIS", "FILE",
                          "BY"]))
    return 0


def cmd_report(ctx: Context) -> int:
    """Compute a report; print it, or export it through the dissemination log."""
    from btam_desktop.core.dissemination import Release
    from btam_desktop.core.reports import Period
    from btam_desktop.core.reports.compute import build
    from btam_desktop.core.reports.export import FORMATS, export_report

    a = ctx.args
    if a.kind == "log":
        return _log(ctx)
    given = a.date_from is not None or a.date_to is not None
    period = Period.parse(a.date_from, a.date_to) if (given or a.kind != "resource-map") \
        else None
    out = Path(a.out).expanduser() if a.out else None
    fmt = a.format or (out.suffix.lower().lstrip(".") if out else "")
    if out is not None and fmt not in FORMATS:
        raise UsageError("give --format pdf or csv (or a file name ending in .pdf or .csv)")
    release = Release.checked(a.recipient, a.purpose, a.legal_basis) if out else None
    with ctx.unlock() as session:
        report = build(session, a.kind, period)
        if out is None:
            ctx.emit(report.to_json(), _text(report))
            return 0
        assert release is not None
        logged = export_report(session, report, out, fmt=fmt, release=release,
                               overwrite=a.force)
    ctx.emit({**logged.to_json(), "report": a.kind, "format": fmt},
             f"Wrote {report.title.lower()} to {out} ({fmt.upper()}); recorded in the"
             f" dissemination log for {safe_text(release.recipient)}.")
    return 0


def register(sub: Any, json_parent: argparse.ArgumentParser) -> None:
    """Add ``report`` to the subparsers."""
    p = sub.add_parser("report", parents=[json_parent],
                       help="resource map, gap analysis and post-evaluation reports",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=("resource-map", "gaps", "post-evaluation", "log"))
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day (YYYY-MM-DD)")
    p.add_argument("-o", "--out", metavar="FILE", help="export to this PDF or CSV file")
    p.add_argument("--format", choices=("pdf", "csv"), help="default: the file's extension")
    p.add_argument("--recipient", help="who receives the report (person and agency)")
    p.add_argument("--purpose", help="why they receive it; '-': standard input")
    p.add_argument("--legal-basis", dest="legal_basis", metavar="BASIS",
                   help="law, policy or consent that allows it; '-': standard input")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_report)
