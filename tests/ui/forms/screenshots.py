"""Screenshots of the form view in both themes, for review and for the docs (a script, not a
test; pytest does not collect it)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/forms/screenshots.py [OUT_DIR]

Builds the threat_inquiry form with fictional answers (a person of concern, a possible target,
a weapon, a team judgement whose rationale is too short, so its inline message shows) and
writes
``form-view-light.png`` and ``form-view-dark.png`` to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from btam_desktop.core.forms import FormPack  # noqa: E402
from btam_desktop.ui.forms import FormView  # noqa: E402
from tests.ui.screenshots import settle  # noqa: E402

PERSONS = [
    ("p-1", "Marsh, Evan (Person of concern)"),
    ("p-2", "Okafor, Lena (Potential target)"),
    ("p-3", "Marsh, Carol (Family / guardian)"),
]
ANSWERS: dict[str, Any] = {
    "inquiry_start_date": "2024-03-04",
    "case_lead": "Det. Dana Reyes #4471",
    "poc": "p-1",
    "poc_is_minor": "no",
    "inquiry_reason": (
        "Former employee posted that the shift supervisor \"will get what's coming\" after "
        "his dismissal; two co-workers reported it."
    ),
    "grievance_present": "yes",
    "motive_description": "Feels his dismissal was unfair and blames the shift supervisor.",
    "targets": [
        {
            "target_person": "p-2",
            "target_connection": "Signed the dismissal letter",
            "target_aware": "yes",
        }
    ],
    "motives_sources": ["reporting_party", "peers_associates"],
    "weapons_access": "yes",
    "weapons": [{"weapon_type": "firearm", "weapon_access_route": "household"}],
    "judgement_date": "2024-03-11",
    "team_members": [
        {"member_name": "Dana Reyes", "member_discipline": "law_enforcement",
         "member_agency": "Lakeside PD"},
    ],
    "concern_level": "high",
    "concern_rationale": "Specific grievance.",
}


def shoot(app: QApplication, out: Path, theme: str) -> Path:
    """One screenshot: the team judgement in view, with the too-short rationale focused (its
    inline message and its guidance showing)."""
    form = FormPack.load(ROOT / "forms")["threat_inquiry"]
    view = FormView(form, ANSWERS, persons=PERSONS)
    view.set_status("draft")
    view.set_save_state("Saved 14:05:12")
    view.resize(1360, 980)
    view.show()
    settle(app)
    view.jump_to_section("judgement", focus=False)  # the section's title at the top
    settle(app)
    view.focus_field("concern_rationale")  # in view already: only the guidance changes
    settle(app)
    # The focus may scroll once the layout has settled (it did in one run of two, leaving the
    # section's title above the top): put the title back at the top, the field stays in view.
    view.jump_to_section("judgement", focus=False)
    settle(app)
    view.focus_field("concern_rationale")  # its guidance again, the title stays at the top
    settle(app)
    path = out / f"form-view-{theme}.png"
    if not view.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    view.close()
    view.deleteLater()
    settle(app)
    print(path)
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    from btam_desktop.ui.app import create_application
    from btam_desktop.ui.theme import ThemeManager, ThemeMode

    app = create_application()
    for mode in (ThemeMode.LIGHT, ThemeMode.DARK):
        theme = ThemeManager(app, mode)
        theme.apply()
        shoot(app, out, mode.value)
        theme.deleteLater()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
