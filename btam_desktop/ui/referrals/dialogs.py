"""The dialogs of referrals between teams.

* :class:`ImportCardDialog`: another team's contact card, its fingerprint in read-aloud groups
  and a box to tick once the two leads compared it by phone (nothing is kept before).
* :class:`DeclineDialog`: the reason told to the referring team.
* :class:`ReferDialog`: "Refer to another team…" on a case: the team (from the cards held),
  the reason, the legal basis and the redaction profile (the Release dialog's pieces: the
  same profile list with what each leaves out, "Left out of this copy: …" counting the
  tagged timeline entries it withholds, the same checks as typed), and the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from btam_desktop.core.dissemination import Release, ReleaseDetailsMissing
from btam_desktop.core.model import PERSON_ROLE_LABELS
from btam_desktop.core.pdf import load_profiles
from btam_desktop.core.pdf.redaction import RedactionProfile
from btam_desktop.core.session import Session
from btam_desktop.core.sync import card as card_mod
from btam_desktop.core.sync import referral
from btam_desktop.core.sync.card import ContactCard
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.case.dialog_base import RecordDialog, long_text, refused
from btam_desktop.ui.pdf.job_dialog import JobDialog, intro_label
from btam_desktop.ui.pdf.paths import SAVE, PathField, expand
from btam_desktop.ui.pdf.release import (
    CHOOSE_PROFILE,
    ReleaseDialog,
    left_out_text,
    profile_widgets,
)
from btam_desktop.ui.sync import words
from btam_desktop.ui.sync.dialogs import TITLE_SUFFIX, big_code
from btam_desktop.ui.widgets import tick_list

BUNDLE_FILTER = "Referral bundles (*.btambundle)"


def with_bundle_suffix(path: Path) -> Path:
    """``path`` ending in ``.btambundle`` (added to a bare name)."""
    return path if path.suffix == referral.SUFFIX else path.with_name(
        path.name + referral.SUFFIX)


class BundleField(PathField):
    """Where to save a referral bundle (``.btambundle`` added to a bare name)."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(SAVE, caption, parent)

    def path(self) -> Path | None:
        text = self.text()
        return with_bundle_suffix(expand(text)) if text else None

    def problem(self) -> str:
        if self.path() is None:
            return "Choose where to save the referral file."
        return super().problem()

    def browse(self) -> QFileDialog:
        dialog = super().browse()
        dialog.setNameFilter(BUNDLE_FILTER)
        dialog.setDefaultSuffix("btambundle")
        return dialog

    def _chosen(self, text: str) -> None:
        super()._chosen(text)
        path = with_bundle_suffix(Path(text))
        self._confirmed = path if path.exists() else None


class PeopleList(QListWidget):
    """The people on the case to tick, as tall as four of them (scrolls for more): a form
    row takes its field's size hint, and a list's default one is 190 pixels."""

    def sizeHint(self) -> QSize:
        rows = max(1, min(4, self.count()))
        row = self.sizeHintForRow(0) if self.count() else self.fontMetrics().height() + 4
        return QSize(super().sizeHint().width(), row * rows + 2 * self.frameWidth() + 4)


class ImportCardDialog(RecordDialog):
    """Keep another team's card only after its fingerprint was compared by phone."""

    def __init__(self, session: Session, card: ContactCard, parent: QWidget) -> None:
        super().__init__("Import a contact card" + TITLE_SUFFIX, parent, ok_text="&Import")
        self._session = session
        self.card = card
        self.fingerprint = card.fingerprint()
        self.set_intro(
            f"The card of \u201c{card.team_name}\u201d ({card.agency}). Call a lead of that "
            "team on a number you already know (not one from the card or the mail that "
            "brought it) and ask them to read out their card's fingerprint, shown on their "
            "Referrals page. Import only if every group matches the one below: otherwise "
            "the file may not come from that team.")
        for text, value in (("Team", card.team_name), ("Agency", card.agency),
                            ("Lead laptops", ", ".join(x.name for x in card.leads)),
                            ("Expires", card.expires_at[:10])):
            label = QLabel(value)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.add_row(text, label)
        self.code = big_code(words.fingerprint_lines(self.fingerprint),
                             words.fingerprint_spoken(self.fingerprint), "Card fingerprint")
        self.form.addRow(self.code)
        self.confirmed = QCheckBox("A lead of that team read out the &same fingerprint by "
                                   "phone")
        self.confirmed.setAccessibleName("A lead of that team read out the same fingerprint")
        self.form.addRow(self.confirmed)
        self.confirmed.setFocus()

    def apply(self) -> Any:
        """Import through the core (only once the fingerprint was compared)."""
        if not self.confirmed.isChecked():
            raise refused(self, "Compare the fingerprint with a lead of that team by phone "
                          "first, then tick the box.", self.confirmed)
        return card_mod.import_card(self._session, self.card)


class DeclineDialog(RecordDialog):
    """Decline an incoming referral; the reason goes back in the acknowledgement."""

    def __init__(self, session: Session, ref: referral.Referral, parent: QWidget) -> None:
        super().__init__("Decline the referral" + TITLE_SUFFIX, parent, ok_text="&Decline")
        self._session = session
        self.ref = ref
        self.set_intro(
            f"Decline the referral from {ref.other_team_name} (their case "
            f"{ref.their_case_number}). Its content is dropped from this vault; the reason "
            "below is told to them in the acknowledgement.")
        self.reason = long_text("e.g. outside our county; refer to the state program")
        self.add_row("&Reason:", self.reason)
        self.reason.setFocus()

    def apply(self) -> Any:
        """Decline through the core."""
        text = self.reason.toPlainText().strip()
        if not text:
            raise refused(self, "Give the reason for the referring team.", self.reason)
        return referral.decline(self._session, self.ref.referral_id, text)


def referral_rules(profile: RedactionProfile) -> str:
    """Exactly what the profile removes from a referral, one sentence a line."""
    return "\n".join(profile.summary(referral=True)) or "Nothing is removed."


def team_label(card: ContactCard) -> str:
    """How a team is named in the team list."""
    return f"{card.team_name} ({card.agency})"


class ReferDialog(JobDialog):
    """Refer a case to another team: a referral bundle sealed to that team's lead laptops and
    recorded in the dissemination log (recipient = the team, purpose = the reason)."""

    def __init__(self, session: Session, case_id: str, case_number: str, parent: QWidget,
                 *, suggested: Path, on_sent: Callable[[referral.SendResult], Any] | None = None
                 ) -> None:
        super().__init__(session, "Refer to another team" + TITLE_SUFFIX, parent,
                         ok_text="&Refer")
        self.case_id = case_id
        self.intro = intro_label(
            f"Send a redacted copy of case {case_number} to another team's leads. The file is "
            "encrypted to that team's lead laptops (from the contact card you imported) and "
            "recorded in the dissemination log. Nothing is written into their vault until "
            "their lead accepts it.")
        self.team = QComboBox()
        self.team.setPlaceholderText("Choose the team\u2026")
        for held in card_mod.cards(session):
            if held.state() == "active":
                self.team.addItem(team_label(held.card), held.card.team_id)
        self.team.setCurrentIndex(-1)
        self.reason = ReleaseDialog._line("Why they receive the case",
                                          "e.g. the family moved to the county")
        self.legal_basis = ReleaseDialog._line("Law, court order or written consent",
                                               "e.g. state code 12-34(b)")
        self.profiles = load_profiles()
        # The line under the profile says what the chosen profile withholds from this case
        # because of sensitivity tags (the Release dialog's line, counted by the core rule the
        # referral itself applies).
        self.profile, self.profile_about, self.left_out = profile_widgets(
            self.profiles, placeholder="Choose what the copy leaves out\u2026", skip=("none",),
            rules=referral_rules)
        # The people sent: everyone on the case to start with; untick who the other team
        # does not need (the profile still redacts those sent).
        self.people = PeopleList()
        tick_list(self.people)
        self.people.setAccessibleName("People sent with the referral")
        roles: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for link in session.store.case_persons(case_id):
            roles.setdefault(link.person.id, []).append(PERSON_ROLE_LABELS.get(link.role,
                                                                             link.role))
            names[link.person.id] = link.person.display_name
        for person_id, name in names.items():
            item = QListWidgetItem(f"{name} ({', '.join(roles[person_id])})")
            item.setData(Qt.ItemDataRole.UserRole, person_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.people.addItem(item)
        self.output = BundleField("Save the referral as")
        self.output.set_path(suggested)
        # Later updates travel the same way: sent as a follow-up, they join the case the
        # first referral became on the other side (never a second, unlinked case).
        self._earlier = {r.other_team_id: r for r in referral.for_case(session, case_id)
                         if r.direction == "out" and r.status in ("sent", "accepted")}
        self.follow_up = QCheckBox("Send as an &update of the earlier referral to this team")
        self.follow_up.setAccessibleName("Send as an update of the earlier referral")
        self.follow_up.setChecked(True)
        self.follow_up.hide()
        self.layout_.addWidget(self.intro)
        self.add_row("&Team:", self.team)
        self.add_row("R&eason:", self.reason)
        self.add_row("&Legal basis or consent:", self.legal_basis)
        if self.people.count():
            self.add_row("People &sent:", self.people)
        self.add_row("Redaction &profile:", self.profile)
        self.form.addRow("", self.profile_about)
        self.form.addRow("", self.left_out)
        self.add_row("Save &as:", self.output)
        self.form.addRow("", self.follow_up)
        self.finish_layout()
        if self.team.count() == 0:
            self.message.show_message(
                "No usable contact card of another team: import one on the Referrals page "
                "first.", "info")
        self.profile.currentIndexChanged.connect(self._show_profile)
        self.team.currentIndexChanged.connect(self._show_follow_up)
        self._on_sent = on_sent
        self.team.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen_people(self) -> list[str]:
        """The ids of the people ticked."""
        return [str(self.people.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.people.count())
                if self.people.item(i).checkState() == Qt.CheckState.Checked]

    def earlier(self) -> referral.Referral | None:
        """The earlier referral of this case to the chosen team (sent or accepted), if any."""
        return self._earlier.get(str(self.team.currentData() or ""))

    def _show_follow_up(self) -> None:
        earlier = self.earlier()
        self.follow_up.setVisible(earlier is not None)
        if earlier is not None:
            self.follow_up.setToolTip(f"The referral of {earlier.created_at[:10]} "
                                      f"({earlier.status}); unticked: a new referral")

    def _show_profile(self) -> None:
        key = self.profile.currentData()
        profile = self.profiles.get(str(key)) if key else None
        self.profile_about.setText(
            (profile.description or referral_rules(profile).replace("\n", " "))
            if profile else "")
        lines = referral.withheld_items(self.session, self.case_id, profile) if profile else []
        self.left_out.setText(left_out_text(lines))
        self.left_out.setVisible(bool(lines))
        # Grow to show the whole description (as the Release dialog does); never shrink.
        layout = self.layout()
        if layout is not None:
            layout.activate()
            needed = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                      else layout.sizeHint().height())
            if needed > self.height():
                self.resize(self.width(), needed)

    def problems(self) -> list[tuple[str, QWidget]]:
        """What stops the referral, with the field to fix, in the order of the form."""
        found: list[tuple[str, QWidget]] = []
        if self.team.currentIndex() < 0:
            found.append(("Choose the team to refer the case to.", self.team))
        try:
            Release.checked(self.team.currentText() or "team", self.reason.text(),
                                     self.legal_basis.text())
        except ReleaseDetailsMissing as error:
            first = self.reason if not self.reason.text().strip() else self.legal_basis
            found.append((messages.sentence(str(error)), first))
        if self.profile.currentIndex() < 0:
            found.append((CHOOSE_PROFILE, self.profile))
        problem = self.output.problem()
        if problem:
            found.append((problem, self.output))
        return found

    def validate(self) -> bool:
        """Refuse with the reasons, cursor on the first field to fix."""
        found = self.problems()
        if not found:
            return True
        self.message.show_error("\n".join(text for text, _widget in found))
        found[0][1].setFocus(Qt.FocusReason.OtherFocusReason)
        return False

    def start_job(self) -> tasks.BackgroundJob:
        session, case_id = self.session, self.case_id
        team_id = str(self.team.currentData())
        profile = str(self.profile.currentData())
        reason, basis = self.reason.text(), self.legal_basis.text()
        out = self.output.path()
        assert out is not None
        overwrite = self.output.replace_confirmed()
        earlier = self.earlier()
        follow = earlier.referral_id if earlier is not None and self.follow_up.isChecked() \
            else None

        people = self.chosen_people()

        def work(_progress: tasks.Progress) -> referral.SendResult:
            return referral.send(session, case_id, to_team=team_id, profile=profile,
                                 reason=reason, legal_basis=basis, out=out,
                                 overwrite=overwrite, follow_up_of=follow, people=people)

        if self._on_sent is not None:
            self.succeeded.connect(self._on_sent)
        return self.run_job("Referring the case", work,
                            label="Redacting and encrypting the referral\u2026")
