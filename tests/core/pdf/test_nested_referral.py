"""A referral to another team carries a form with a repeat inside a repeat only as the
profile allows (issue 11): inner answers are redacted like outer ones, an inner question
that would betray a withheld answer is withheld, and a file question's attachment id (an id
of this vault) is never sent."""

from __future__ import annotations

from btam_desktop.core.forms import FormDefinition
from btam_desktop.core.pdf.redaction import get_profile
from btam_desktop.core.session import Session
from btam_desktop.core.sync import referral
from tests.core.pdf.sample import TARGET_FAMILY, SampleCase

SPEC = {"format": "btam-form/1", "id": "inner_referral", "version": 1, "title": "Visits",
        "sections": [{"id": "one", "title": "First", "fields": [
            {"id": "diagnosis", "type": "text", "label": "Diagnosis",
             "sensitivity": ["mental_health"]},
            {"id": "photo", "type": "text", "text_format": "image", "label": "Photo"},
            {"id": "visits", "type": "repeat", "label": "Visits", "fields": [
                {"id": "place", "type": "text", "label": "Place"},
                {"id": "meds", "type": "repeat", "label": "Medication", "fields": [
                    {"id": "drug", "type": "text", "label": "Drug"},
                    {"id": "why", "type": "text", "label": "Psychosis follow-up",
                     "relevant": "${diagnosis} = 'psychosis'"},
                ]},
            ]},
        ]}]}


def test_inner_lists_are_redacted_in_a_referral(session: Session, people: SampleCase) -> None:
    form = FormDefinition.from_dict(SPEC)
    session.forms.ensure_stored(form, source="imported")
    photo = session.store.add_attachment(people.case.id, "p.jpg", b"jpeg")
    answers = {"diagnosis": "psychosis", "photo": photo.id, "visits": [
        {"place": "Clinic", "meds": [{"drug": f"Given by {TARGET_FAMILY}",
                                      "why": "Wq9reason"}]}]}
    sub = session.submissions.create(people.case.id, "inner_referral", answers,
                                     complete=True)
    doc = referral.collect(session, people.case, get_profile("school_partner"),
                           forms=[sub.id])
    sent = doc["forms"][0]
    assert "diagnosis" not in sent["answers"] and "photo" not in sent["answers"]
    meds = sent["answers"]["visits"][0]["meds"]
    assert meds == [{"drug": meds[0]["drug"]}]  # 'why' withheld: it would betray it
    assert TARGET_FAMILY not in meds[0]["drug"]  # third-party name replaced inside too
    assert {"diagnosis", "photo", "why"} <= set(sent["withheld"])
    assert photo.id not in str(doc)
