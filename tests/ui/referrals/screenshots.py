"""Screenshots of referrals between teams, the partner's resource-map fields and the Reports
page at 1024x768 in the light theme (a script, not a test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/referrals/screenshots.py [OUT_DIR]

Two fictional teams' vaults in a temporary folder: "Harlow County TAT" (demo cases, partners
given tiers and waits) and "State Threat Assessment Program"; they exchange contact cards, the
state program refers a case (waiting to be decided), and Harlow refers one of its cases to the
state, which accepts it. Writes 1024-referrals-*.png, 1024-case-team-referrals-light.png,
1024-dialog-partner-resource-map-light.png and 1024-reports-*.png to docs/screenshots.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from btam_desktop.core import demo, vault  # noqa: E402
from btam_desktop.core.session import Session  # noqa: E402
from btam_desktop.core.sync import card as card_mod  # noqa: E402
from btam_desktop.core.sync import referral, team  # noqa: E402
from btam_desktop.ui.app import create_application  # noqa: E402
from btam_desktop.ui.case.referrals_tab import ReferralsTab  # noqa: E402
from btam_desktop.ui.controller import AppController  # noqa: E402
from btam_desktop.ui.pages.cases import CasesPage  # noqa: E402
from btam_desktop.ui.pages.partners import PartnersPage  # noqa: E402
from btam_desktop.ui.pages.reports import ReportsPage  # noqa: E402
from btam_desktop.ui.referrals.page import ReferralsPage  # noqa: E402
from btam_desktop.ui.theme import ThemeManager, ThemeMode  # noqa: E402
from tests.ui.screenshots import DemoKeyring, save, settle  # noqa: E402

LEAD, PASS = "Dana Reyes", "Correct-Lantern-42"
TIERS = {"mental_health": ("selective,intensive", "youth", 42),
         "school": ("universal,selective", "", 0), "social_services": ("universal", "", 14),
         "victim_services": ("universal,selective", "adults", 7),
         "public_health": ("universal", "", None)}


def teams(folder: Path) -> tuple[Path, str]:
    """Harlow's vault (returned, with the case referred out) and the state program's."""
    a, _ = vault.create_vault(folder / "harlow.btam", member_name=LEAD, new_passphrase=PASS,
                              agency="Harlow County Sheriff's Office", badge="4471")
    demo.generate(a, 300, seed=3)
    for partner in a.store.partners():
        tiers, ages, wait = TIERS.get(partner.discipline, ("", "", None))
        a.store.update_partner(partner.id, {"tiers": tiers, "ages": ages, "wait_days": wait})
    b, _ = vault.create_vault(folder / "state.btam", member_name="Lee Okafor",
                              new_passphrase=PASS, agency="State Police")
    team.create_team(a, "Harlow County TAT")
    team.create_team(b, "State Threat Assessment Program")
    exchange(a, b, folder)
    theirs = b.store.create_case("Threatening messages to a county clinic", concern="high",
                                 summary="Messages traced to a Harlow County address")
    referral.send(b, theirs.id, to_team="Harlow County TAT", profile="school_partner",
                  reason="The person lives in Harlow County", legal_basis="State code 12-34",
                  out=folder / "in.btambundle")
    referral.import_file(a, folder / "in.btambundle")
    ours = a.store.list_cases(limit=1)[0]
    sent = referral.send(a, ours.id, to_team="State Threat Assessment Program",
                         profile="school_partner", reason="Travels across the state",
                         legal_basis="State code 12-34", out=folder / "out.btambundle")
    referral.import_file(b, sent.path)
    referral.accept(b, sent.referral_id, out=folder / "ack.btambundle")
    referral.import_file(a, folder / "ack.btambundle")
    a.lock()
    b.lock()
    return folder / "harlow.btam", ours.id


def exchange(a: Session, b: Session, folder: Path) -> None:
    """Both contact cards, both ways (the fingerprints compared by phone, in real life)."""
    for src, dst, name in ((a, b, "a"), (b, a, "b")):
        card_mod.write_own_card(src, folder / f"{name}.btamcard")
        card_mod.import_card(dst, card_mod.read_card_file(folder / f"{name}.btamcard"))


def wait_for(app: QApplication, page: ReportsPage) -> None:
    """Let the preview's background job finish."""
    while page.last_job is not None and page.last_job.running:
        app.processEvents()


def main(argv: list[str]) -> int:
    """Write the screenshots; returns 0."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    keyring.set_keyring(DemoKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(Path(tmp) / "settings"))
        path, case_id = teams(Path(tmp))
        theme = ThemeManager(app, ThemeMode.LIGHT)
        theme.apply()
        controller = AppController(path, theme=theme)
        controller.start()
        window = controller.unlock_window
        assert window is not None
        window.member.setCurrentIndex(window.member.findText(LEAD))
        window.passphrase.setText(PASS)
        window.submit()
        main_window = controller.main_window
        assert main_window is not None
        main_window.resize(1024, 768)
        main_window.show_page("referrals")
        page = main_window.page("referrals")
        assert isinstance(page, ReferralsPage)
        page.refresh()
        save(app, main_window, out, "1024-referrals-cards-light")
        page.tabs.setCurrentIndex(1)
        save(app, main_window, out, "1024-referrals-light")
        main_window.show_page("cases")
        cases = main_window.page("cases")
        assert isinstance(cases, CasesPage)
        view = cases.open_case(case_id)
        assert view is not None
        view.show_tab(ReferralsTab)
        save(app, main_window, out, "1024-case-team-referrals-light")
        main_window.show_page("partners")
        partners = main_window.page("partners")
        assert isinstance(partners, PartnersPage)
        partners.refresh()
        partners.table.selectRow(0)
        dialog = partners.edit_selected()
        assert dialog is not None
        dialog.tabs.setCurrentIndex(1)
        save(app, dialog, out, "1024-dialog-partner-resource-map-light")
        dialog.reject()
        main_window.show_page("reports")
        reports = main_window.page("reports")
        assert isinstance(reports, ReportsPage)
        reports.start.set_value((date.today() - timedelta(days=730)).isoformat())
        for kind in ("resource-map", "post-evaluation"):
            reports.kind.setCurrentIndex(reports.kind.findData(kind))
            reports.preview()
            wait_for(app, reports)
            save(app, main_window, out, f"1024-reports-{kind}-light")
        controller.shutdown()
        controller.deleteLater()
        settle(app)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
