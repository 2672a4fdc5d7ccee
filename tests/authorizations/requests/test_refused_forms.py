"""The request and packet pages' forms post to endpoints of their own. A refusal comes back to
the page's own URL (so a reload shows the page, never an empty 405) with the form as typed and
its errors; whatever another form of the page sent along (htmx `hx-include`) comes back too,
still unsaved; a GET of an endpoint goes to the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authorizations.models import AuthorizationRequest, RequestStatus
from authorizations.requests.services.packets import packet_create
from authorizations.requests.services.workflow import request_mark_ready

from ...conftest import login
from ...pages import get_goes_to_page, post_refused
from .conftest import complete

pytestmark = pytest.mark.django_db

TYPED = {
    "details-why_not_lower_level": "Weekly therapy for six months did not stop the decline.",
    "details-why_not_higher_level": "Safe at home with her sister; no imminent risk.",
    "details-clinical_summary": "PHQ-9 of 19.",
}


def url(name: str, **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", **kwargs})


def _details(req) -> dict:
    """The justification form as the page shows it, typed into, as htmx sends it along."""
    return {
        "details-start_date": req.start_date.isoformat(),
        "details-end_date": req.end_date.isoformat(),
        "details-urgency": req.urgency,
        "details-certification_type": req.certification_type,
        **TYPED,
    }


def test_a_refused_diagnosis_comes_back_to_the_request_page_with_what_was_typed(as_intake, draft):
    page = url("request_detail", request_id=draft.pk)
    data = {"diagnosis-code": "Z9", "diagnosis-description": "typo in the code", **_details(draft)}
    response = post_refused(as_intake, url("diagnosis_add", request_id=draft.pk), data, page=page)
    body = response.content.decode()
    assert "“Z9” is not an ICD-10-CM code" in body and 'id="id_diagnosis-code_error"' in body
    assert 'value="Z9"' in body and 'value="typo in the code"' in body
    # The justification typed in the other form is still in its box, not saved, and not in error.
    for text in TYPED.values():
        assert text in body
    assert 'id="id_details-why_not_lower_level_error"' not in body
    draft.refresh_from_db()
    assert (draft.diagnoses.count(), draft.why_not_lower_level, draft.status) == (0, "", RequestStatus.DRAFT)
    # Shown once: a reload is the page as saved.
    reload = as_intake.get(page)
    assert reload.status_code == 200
    assert "There is a problem" not in reload.content.decode() and TYPED["details-clinical_summary"] not in (
        reload.content.decode()
    )


def test_adding_a_diagnosis_keeps_the_justification_typed_but_not_saved(as_intake, draft):
    data = {"diagnosis-code": "F33.1", **_details(draft)}
    response = as_intake.post(url("diagnosis_add", request_id=draft.pk), data, follow=True)
    assert response.redirect_chain == [(url("request_detail", request_id=draft.pk) + "#diagnoses", 302)]
    assert response.status_code == 200
    body = response.content.decode()
    assert "The diagnosis was added." in body
    assert TYPED["details-why_not_higher_level"] in body
    # The diagnosis form starts afresh; the justification is not saved behind the person's back.
    assert 'value="F33.1"' not in body
    draft.refresh_from_db()
    assert list(draft.diagnoses.values_list("code", flat=True)) == ["F33.1"]
    assert draft.why_not_higher_level == ""


def test_mark_ready_with_an_unsaved_justification_is_refused_and_keeps_it(as_intake, draft):
    complete(draft)
    draft.refresh_from_db()
    page = url("request_detail", request_id=draft.pk)
    response = post_refused(as_intake, url("request_ready", request_id=draft.pk), _details(draft), page=page)
    body = response.content.decode()
    assert "The clinical justification has changes that are not saved: save the details first." in body
    assert TYPED["details-why_not_higher_level"] in body
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT
    assert draft.why_not_higher_level == "No imminent risk; safe at home with support."


def test_mark_ready_with_the_justification_as_saved_goes_ahead(as_intake, draft):
    complete(draft)
    draft.refresh_from_db()
    # As a browser sends the saved text back: line breaks as CRLF.
    draft.clinical_summary = "PHQ-9 of 19.\nGoal: PHQ-9 under 10."
    draft.save(update_fields=["clinical_summary"])
    data = {
        **_details(draft),
        "details-why_not_lower_level": draft.why_not_lower_level,
        "details-why_not_higher_level": draft.why_not_higher_level,
        "details-clinical_summary": "PHQ-9 of 19.\r\nGoal: PHQ-9 under 10.",
        "details-emotional_support_animal_note": draft.emotional_support_animal_note,
        "details-other_components": list(draft.other_components),
    }
    response = as_intake.post(url("request_ready", request_id=draft.pk), data)
    assert response.status_code == 302
    assert AuthorizationRequest.objects.get(pk=draft.pk).status == RequestStatus.READY


def test_a_refused_submission_keeps_the_typed_reference(as_intake, draft, in_harbor):
    request_mark_ready(request=complete(draft))
    page = url("request_detail", request_id=draft.pk)
    data = {"submit-channel": "portal", "submit-payer_reference": "P-77", "submit-submitted_at": "not a time"}
    response = post_refused(as_intake, url("request_submit", request_id=draft.pk), data, page=page)
    body = response.content.decode()
    assert 'value="P-77"' in body and 'id="id_submit-submitted_at_error"' in body
    assert AuthorizationRequest.objects.get(pk=draft.pk).status == RequestStatus.READY


def test_a_get_of_a_form_endpoint_goes_to_the_page(as_intake, draft):
    page = url("request_detail", request_id=draft.pk)
    for name in ("request_ready", "request_submit", "diagnosis_add", "request_details", "determination_record"):
        get_goes_to_page(as_intake, url(name, request_id=draft.pk), page=page)
    line = draft.lines.first()
    get_goes_to_page(as_intake, url("line_remove", request_id=draft.pk, line_id=line.pk), page=page)
    # Still only for members of the organization.
    as_intake.logout()
    assert as_intake.get(url("request_ready", request_id=draft.pk)).status_code == 302  # to sign-in
    assert "/accounts/login/" in as_intake.get(url("request_ready", request_id=draft.pk))["Location"]


def test_the_packet_page_takes_refusals_back_to_itself(client, harbor_intake, couple_world):
    login(client, harbor_intake)
    couple = couple_world["couple"]
    packet = packet_create(
        couple=couple, coverages=couple_world["coverages"], joint_goals="Communication.", actor=harbor_intake
    )
    page = url("packet_detail", packet_id=packet.pk)
    # Marking both ready is refused (nothing is complete); the joint goals typed meanwhile come back.
    response = post_refused(
        client, url("packet_ready", packet_id=packet.pk), {"goals-joint_goals": "Fewer fights at dinner."}, page=page
    )
    body = response.content.decode()
    assert "Fewer fights at dinner." in body and "There is a problem" in body
    packet.refresh_from_db()
    assert packet.joint_goals == "Communication."
    assert {r.status for r in packet.requests.all()} == {RequestStatus.DRAFT}
    get_goes_to_page(client, url("packet_submit", packet_id=packet.pk), page=page)
