"""``btam pdf``: filled forms, case reports, blank fillable forms, importing filled forms,
redaction profiles and the dissemination log.

Exports of case data (``submission``, ``case``) need ``--recipient``, ``--purpose`` and
``--legal-basis`` (a law, court order or consent); they are written atomically and
owner-only, and recorded in the dissemination log with the file's SHA-256. An existing file
is only replaced with ``--force``.

``import`` exit codes: 0 when the file was stored as a draft, even if problems are listed
(the draft holds everything usable, the problems say what to enter or fix in the app); 1
when the file is refused (not a PDF, damaged, encrypted, active content, too large, another
form or a form version the vault lacks) and nothing was stored.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from btam_desktop.cli.common import Context, output_file, table
from btam_desktop.core import dissemination
from btam_desktop.core.dissemination import Release
from btam_desktop.core.pdf.export import (
    ExportResult,
    export_blank_form,
    export_case_report,
    export_submission,
)
from btam_desktop.core.pdf.importer import import_filled_pdf
from btam_desktop.core.pdf.redaction import get_profile, load_profiles

__all__ = ["register"]

# The module docstring without reStructuredText quoting, for `btam pdf --help`.
HELP = (__doc__ or "").replace("``", "")


def _release(ctx: Context) -> Release:
    a = ctx.args
    return Release.checked(a.recipient, a.purpose, a.legal_basis)


def _report(ctx: Context, result: ExportResult, what: str) -> None:
    lines = [f"Wrote {what} to {result.path} ({result.pages} page"
             f"{'' if result.pages == 1 else 's'}, {result.size // 1024 + 1} KB)"]
    if result.redaction_profile != "none":
        lines.append(f"Redaction profile: {result.redaction_profile}")
    lines.append(f"SHA-256 {result.sha256}")
    if result.dissemination_id:
        lines.append(f"Recorded in the dissemination log as {result.dissemination_id}")
    ctx.emit(result.to_json(), "\n".join(lines))


def cmd_submission(ctx: Context) -> int:
    """Export one filled form."""
    release = _release(ctx)
    profile = get_profile(ctx.args.redact)
    out = output_file(ctx.args.out, force=ctx.args.force)
    with ctx.unlock() as session:
        result = export_submission(session, ctx.args.submission, out, release=release,
                                   profile=profile, language=ctx.args.language)
    _report(ctx, result, "the filled form")
    return 0


def cmd_case(ctx: Context) -> int:
    """Export a case report."""
    release = _release(ctx)
    profile = get_profile(ctx.args.redact)
    out = output_file(ctx.args.out, force=ctx.args.force)
    with ctx.unlock() as session:
        result = export_case_report(session, ctx.args.case, out, release=release,
                                    profile=profile)
    _report(ctx, result, "the case report")
    return 0


def cmd_blank(ctx: Context) -> int:
    """Write a blank fillable form (no case data: audited, not a dissemination)."""
    out = output_file(ctx.args.out, force=ctx.args.force)
    with ctx.unlock() as session:
        result = export_blank_form(session, ctx.args.form_id, out, version=ctx.args.version)
    _report(ctx, result, "the blank form")
    return 0


def cmd_import(ctx: Context) -> int:
    """Store a filled PDF as a draft on a case; list every problem found."""
    with ctx.unlock() as session:
        result = import_filled_pdf(session, Path(ctx.args.file).expanduser(), ctx.args.case,
                                   expected_form=ctx.args.form)
        number = session.store.get_case(result.case_id).number
    lines = [f"Imported as draft {result.submission_id}",
             f"  form {result.form_id} version {result.form_version} on case {number}; "
             f"{result.answered} question{'' if result.answered == 1 else 's'} answered"]
    if result.problems:
        count = len(result.problems)
        lines.append(f"{count} problem{'' if count == 1 else 's'} to check in the app:")
        lines += [f"  - {p}" for p in result.problems]
    else:
        lines.append("No problems found.")
    ctx.emit(result.to_json(), "\n".join(lines))
    return 0


def cmd_profiles(ctx: Context) -> int:
    """List the redaction profiles (no vault needed)."""
    profiles = load_profiles()
    rows = [[p.id, p.mode, ", ".join(sorted(p.remove_tags)) or "-", p.third_party_names,
             p.title] for p in profiles.values()]
    ctx.emit([p.to_json() for p in profiles.values()],
             table(rows, ["PROFILE", "MODE", "REMOVES TAGS", "OTHER NAMES", "TITLE"]))
    return 0


def cmd_log(ctx: Context) -> int:
    """The dissemination log of a case."""
    with ctx.unlock() as session:
        entries = dissemination.for_case(session, ctx.args.case)
    rows = [[d.exported_at[:16].replace("T", " "), d.what, d.recipient[:30], d.purpose[:30],
             d.redaction_profile, d.exported_by_name, d.sha256[:12]] for d in entries]
    ctx.emit([d.to_json() for d in entries],
             table(rows, ["EXPORTED (UTC)", "WHAT", "RECIPIENT", "PURPOSE", "PROFILE", "BY",
                          "SHA-256"]))
    return 0


def _export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--out", required=True, metavar="OUT.pdf",
                        help="file to write (owner-only permissions)")
    parser.add_argument("--redact", metavar="PROFILE", default="none",
                        help="redaction profile (see `btam pdf profiles`; default none)")
    parser.add_argument("--recipient", help="who receives the copy (person and agency)")
    parser.add_argument("--purpose", help="why it is shared")
    parser.add_argument("--legal-basis", dest="legal_basis", metavar="BASIS",
                        help="the law, court order or consent that allows sharing it")
    parser.add_argument("--force", action="store_true", help="replace an existing file")


def register(sub: Any, json_parent: argparse.ArgumentParser) -> None:
    """Add ``btam pdf ...`` to the top-level subparsers."""
    pdf = sub.add_parser(
        "pdf", help="PDF exports, blank fillable forms and importing filled forms",
        description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    ).add_subparsers(dest="pdf_action", required=True)

    p = pdf.add_parser("submission", parents=[json_parent], help="export a filled form")
    p.add_argument("submission", metavar="SUBMISSION_ID")
    p.add_argument("--language", metavar="LANGUAGE",
                   help="print the form in this language of the form (its code, e.g. es, or "
                        "its name as the form writes it; default: the form's default language)")
    _export_options(p)
    p.set_defaults(func=cmd_submission)

    p = pdf.add_parser("case", parents=[json_parent], help="export a case report")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    _export_options(p)
    p.set_defaults(func=cmd_case)

    p = pdf.add_parser("blank", parents=[json_parent], help="write a blank fillable form")
    p.add_argument("form_id", metavar="FORM_ID")
    p.add_argument("-o", "--out", required=True, metavar="OUT.pdf")
    p.add_argument("--version", type=int, help="form version (default: the newest)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_blank)

    p = pdf.add_parser(
        "import", parents=[json_parent],
        help="store a filled fillable PDF as a draft (exit 0 when stored, even with "
             "problems listed; 1 when refused)")
    p.add_argument("file", metavar="FILLED.pdf")
    p.add_argument("--case", required=True, metavar="ID_OR_NUMBER")
    p.add_argument("--form", metavar="FORM_ID", help="refuse the file unless it is this form")
    p.set_defaults(func=cmd_import)

    p = pdf.add_parser("profiles", parents=[json_parent], help="list redaction profiles")
    p.set_defaults(func=cmd_profiles)

    p = pdf.add_parser("log", parents=[json_parent], help="a case's dissemination log")
    p.add_argument("case", metavar="ID_OR_NUMBER")
    p.set_defaults(func=cmd_log)
