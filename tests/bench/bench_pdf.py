"""Benchmark: PDF pages per second for case reports, filled forms and blank forms, against
reportlab laying out the same number of pages of plain paragraphs in the same run.

Run by hand (pytest does not collect ``tests/bench``)::

    .venv/bin/python tests/bench/bench_pdf.py              # 100-page report, 1,000 forms
    .venv/bin/python tests/bench/bench_pdf.py --forms 200  # quicker

Workloads (all rendered in memory; reading the vault is timed apart):

* one case report of about 100 pages (a case with a long timeline, corrections, a plan);
* 1,000 filled forms, cycling through every shipped form with every relevant question
  answered (two items per repeat group), as :mod:`tests.core.pdf.sample` fills them;
* the blank fillable form of every shipped form (AcroForm fields + the pypdf pass).

The baseline renders, for each workload, the same number of documents with the same number
of pages each, of plain DejaVu paragraphs in one frame: what reportlab costs with no tables,
headers or fields. The target is at least 20 pages per second for reports and filled forms.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reportlab.lib.pagesizes import LETTER
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from btam_desktop.core import vault
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.pdf import (
    SubmissionDoc,
    gather_case_report,
    get_profile,
    masthead_for,
    render_blank_form,
    render_case_report,
    render_submission,
)
from btam_desktop.core.pdf.styles import styles
from btam_desktop.core.session import Session
from btam_desktop.core.submissions import Submission
from tests.core.pdf.sample import full_answers, make_case

TARGET_PAGES_PER_S = 20.0
REPORT_PAGES = 100
LOREM = ("The team reviewed the contact notes, compared them with the school's account and "
         "agreed on the next steps for supervision, counselling and follow-up visits. ")


@dataclass
class Result:
    """One workload's timing and its plain-paragraph baseline."""

    name: str
    docs: int
    pages: int
    seconds: float
    baseline_seconds: float

    @property
    def rate(self) -> float:
        return self.pages / self.seconds

    @property
    def baseline_rate(self) -> float:
        return self.pages / self.baseline_seconds


def _session(folder: Path) -> Session:
    kdf = KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1)
    session, _ = vault.create_vault(folder / "bench.btam", member_name="Bench Lead",
                                    new_passphrase="granite-orchard-velvet-58",
                                    agency="Harlow County Sheriff's Office", kdf=kdf)
    return session


def _long_case(session: Session, entries: int) -> str:
    people = make_case(session, "Long-running case for the PDF benchmark")
    store = session.store
    partner = store.add_partner("Harlow County Youth Counselling", "mental_health")
    kinds = ("contact", "concerning_behaviour", "intervention", "note", "review")
    for n in range(entries):
        kind = kinds[n % len(kinds)]
        day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{8 + n % 10:02d}:15"
        entry = store.add_entry(people.case.id, kind, f"Entry {n}: {kind.replace('_', ' ')}",
                                occurred_at=day, details=LOREM * (1 + n % 4),
                                outcome="Agreed next steps." if kind == "intervention" else "")
        if n % 25 == 0 and kind != "note":
            store.correct_entry(entry.id, summary=f"Entry {n}, corrected")
        if n % 40 == 0:
            store.add_entry(people.case.id, "referral", f"Referral {n}", occurred_at=day,
                            partner_id=partner.id, referral_status="made")
    plan = session.forms.definition("management_plan")
    session.submissions.create(people.case.id, "management_plan",
                               full_answers(plan, people), strict=False)
    return people.case.id


def _time(work: Callable[[], int], runs: int) -> tuple[int, float]:
    """(pages, median seconds) of ``runs`` runs of ``work`` (which returns pages)."""
    times: list[float] = []
    pages = 0
    for _ in range(runs):
        start = time.perf_counter()
        pages = work()
        times.append(time.perf_counter() - start)
    return pages, statistics.median(times)


def _baseline(page_counts: Sequence[int]) -> float:
    """Seconds to render one plain document per entry with that many pages."""
    st = styles().body
    text = LOREM * 6
    start = time.perf_counter()
    for pages in page_counts:
        story: list[object] = []
        for page in range(pages):
            story += [Paragraph(text, st) for _ in range(6)]
            if page < pages - 1:
                story.append(PageBreak())
        SimpleDocTemplate(io.BytesIO(), pagesize=LETTER).build(story)
    return time.perf_counter() - start


def bench_report(session: Session, runs: int) -> Result:
    entries = 470
    case_id = _long_case(session, entries)
    profile = get_profile("none")
    masthead = masthead_for(session, profile)
    start = time.perf_counter()
    data = gather_case_report(session, case_id)
    gather = time.perf_counter() - start
    pages, seconds = _time(lambda: render_case_report(data, masthead, profile).pages, runs)
    print(f"  case report: {len(data.timeline)} timeline entries, {pages} pages; reading the "
          f"vault took {gather:.3f} s (not in the rate)")
    return Result("case report (one document)", 1, pages, seconds, _baseline([pages]))


def bench_forms(session: Session, count: int) -> Result:
    people = make_case(session, "Case for the filled-form benchmark")
    persons = session.store.case_persons(people.case.id)
    docs: list[SubmissionDoc] = []
    forms = [session.forms.definition(info.form_id) for info in session.forms.available()]
    for n in range(count):
        form = forms[n % len(forms)]
        sub = Submission(id=f"bench-{n}", case_id=people.case.id, form_id=form.id,
                         form_version=form.version, status=("draft", "complete")[n % 2],
                         answers=full_answers(form, people), created_at="2026-01-05T10:00Z")
        docs.append(SubmissionDoc(form, sub, people.case, persons))
    profile = get_profile("none")
    masthead = masthead_for(session, profile)
    per_doc: list[int] = []
    start = time.perf_counter()
    for doc in docs:
        per_doc.append(render_submission(doc, masthead, profile).pages)
    seconds = time.perf_counter() - start
    return Result(f"filled forms ({count} documents)", count, sum(per_doc), seconds,
                  _baseline(per_doc))


def bench_blank(session: Session, runs: int) -> Result:
    forms = [session.forms.definition(info.form_id) for info in session.forms.available()]
    masthead = masthead_for(session)
    masthead = replace(masthead, banner=masthead.banner + " (when filled in)")
    per_doc: list[int] = []

    def work() -> int:
        per_doc.clear()
        per_doc.extend(render_blank_form(form, masthead).pages for form in forms)
        return sum(per_doc)

    pages, seconds = _time(work, runs)
    return Result(f"blank fillable forms ({len(forms)} documents)", len(forms), pages,
                  seconds, _baseline(per_doc))


def main(argv: list[str] | None = None) -> None:
    """Run the workloads and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forms", type=int, default=1000, help="filled forms to render")
    parser.add_argument("--runs", type=int, default=3, help="runs of the single-document "
                        "workloads (median)")
    args = parser.parse_args(argv)
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    styles()  # font registration is a one-off cost, not part of any workload
    with tempfile.TemporaryDirectory() as tmp:
        session = _session(Path(tmp))
        try:
            results = [bench_report(session, args.runs), bench_forms(session, args.forms),
                       bench_blank(session, args.runs)]
        finally:
            session.lock()
    width = max(len(r.name) for r in results) + 2
    print(f"\n{'workload':<{width}}{'pages':>7}{'seconds':>9}{'pages/s':>9}"
          f"{'baseline p/s':>14}{'ratio':>7}  target >= {TARGET_PAGES_PER_S:.0f} p/s")
    for r in results:
        ok = "n/a" if r.name.startswith("blank") else (
            "OK" if r.rate >= TARGET_PAGES_PER_S else "BELOW")
        print(f"{r.name:<{width}}{r.pages:>7}{r.seconds:>9.2f}{r.rate:>9.1f}"
              f"{r.baseline_rate:>14.1f}{r.rate / r.baseline_rate:>7.2f}  {ok}")
    print("\nratio = pages/s of the BTAM document / pages/s of plain paragraphs (same pages, "
          "same number of documents)")


if __name__ == "__main__":
    main()
