"""The Denials & appeals pages: the list by nearest deadline at a constant query count, the case
page with its timeline and forms (a refused step comes back with its message), the nav link,
permissions, and another organization's case as a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorizations.appeals import services
from authorizations.models import Appeal, DenialCase, Determination, PeerToPeer
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context
from tests.conftest import login

pytestmark = pytest.mark.django_db

LIST_QUERY_BUDGET = 20


def url(name, organization, **kwargs):
    return reverse(f"authorizations:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def more_cases(case, n: int, actor) -> list[DenialCase]:
    """More denials of the same request, each a case of its own; every other one with its appeal filed."""
    made = []
    for i in range(n):
        determination = Determination.objects.create(
            organization_id=case.organization_id,
            request=case.determination.request,
            action="A3",
            reason=f"Denied again ({i}).",
            decided_at=case.letter_received_at - dt.timedelta(hours=i + 1),
        )
        other = services.denial_case_open(determination=determination, actor=actor)
        if i % 2:
            services.appeal_file(case=other, letter="Letter.", channel="fax", actor=actor)
        made.append(other)
    closed = services.denial_case_open(
        determination=Determination.objects.create(
            organization_id=case.organization_id,
            request=case.determination.request,
            action="A3",
            reason="Closed one.",
            decided_at=case.letter_received_at,
        ),
        actor=actor,
    )
    services.case_close(case=closed, status="not_pursued", actor=actor)
    return made


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_at_two_sizes(as_intake, case, harbor_intake, in_harbor):
    path = url("denial_cases", in_harbor)
    more_cases(case, 2, harbor_intake)
    as_intake.get(path)
    small = _queries(as_intake, path)
    more_cases(case, 8, harbor_intake)
    large = _queries(as_intake, path)
    print(f"denials & appeals list queries: {small} at 4 cases, {large} at 13 cases")
    assert small == large <= LIST_QUERY_BUDGET


def test_the_list_sorts_open_cases_by_the_nearest_deadline_closed_below(as_intake, case, harbor_intake, in_harbor):
    later, sooner = more_cases(case, 2, harbor_intake)
    soon = timezone.now() + dt.timedelta(hours=5)
    DenialCase.objects.filter(pk=sooner.pk).update(p2p_due_at=None)
    Appeal.objects.filter(case=sooner).update(decision_due_at=soon)
    DenialCase.objects.filter(pk=later.pk).update(p2p_due_at=soon + dt.timedelta(hours=1))
    body = as_intake.get(url("denial_cases", in_harbor)).content.decode()
    positions = [body.index(f'id="case-{c.pk}"') for c in (sooner, later, case)]
    assert positions == sorted(positions)
    assert "Decision due" in body and "Peer-to-peer window closes" in body
    closed_at = body.index("Closed (1)")
    assert all(p < closed_at for p in positions)
    assert AccessEvent.objects.filter(action="list", object_type="authorizations.DenialCase").exists()


def test_the_nav_links_to_the_page(as_clinician, in_harbor, case):
    body = as_clinician.get(url("denial_cases", in_harbor)).content.decode()
    assert "Denials &amp; appeals" in body


def test_the_case_page_schedules_a_p2p_and_shows_a_refusal(as_intake, case, in_harbor, harbor_clinician):
    page = url("denial_case", in_harbor, case_id=case.pk)
    body = as_intake.get(page).content.decode()
    for text in ("Timeline", "Peer-to-peer", "Internal appeal, level 1", "Schedule the peer-to-peer", "Next step"):
        assert text in body
    assert AccessEvent.objects.filter(action="view", object_id=str(case.pk)).exists()

    before = timezone.localtime(case.letter_received_at, in_harbor.tzinfo) - dt.timedelta(days=1)
    response = as_intake.post(
        url("denial_p2p_schedule", in_harbor, case_id=case.pk),
        {"p2p-scheduled_at": before.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 303
    refused = as_intake.get(page)
    assert refused.status_code == 422
    assert "cannot be before the denial letter" in refused.content.decode()
    assert not PeerToPeer.objects.exists()

    at = timezone.localtime(timezone.now() + dt.timedelta(days=2), in_harbor.tzinfo)
    response = as_intake.post(
        url("denial_p2p_schedule", in_harbor, case_id=case.pk),
        {"p2p-scheduled_at": at.strftime("%Y-%m-%dT%H:%M"), "p2p-payer_physician": "Dr. Payer"},
    )
    assert response.status_code == 302
    p2p = PeerToPeer.objects.get()
    assert p2p.clinician == harbor_clinician
    assert timezone.localtime(p2p.scheduled_at, in_harbor.tzinfo).strftime("%H:%M") == at.strftime("%H:%M")


def test_filing_an_appeal_from_the_page(as_intake, case, in_harbor):
    as_intake.post(url("denial_appeal_letter", in_harbor, case_id=case.pk), {"letter-letter": "She needs IOP."})
    response = as_intake.post(url("denial_appeal_file", in_harbor, case_id=case.pk), {"file-channel": "fax"})
    assert response.status_code == 302
    appeal = Appeal.objects.get(case=case)
    assert appeal.filed_at is not None and appeal.letter == "She needs IOP." and appeal.decision_due_at


def test_roles_and_tenants(client, case, in_harbor, summit, summit_va, harbor_va):
    login(client, summit_va)
    with tenant_context(summit.id):
        assert client.get(url("denial_case", summit, case_id=case.pk)).status_code == 404
        assert client.get(url("denial_packet_pdf", summit, case_id=case.pk)).status_code == 404
    assert client.get(url("denial_case", in_harbor, case_id=case.pk)).status_code == 404  # not a member
    login(client, harbor_va)
    body = client.get(url("denial_case", in_harbor, case_id=case.pk)).content.decode()
    assert case.reason not in body  # a VA does not read the clinical reason
