"""The demo's requests (every one with service lines) leave as Da Vinci PAS Bundles that pass the
checks."""

from __future__ import annotations

import json

from django.utils import timezone

from authorizations.models import AuthorizationRequest, InteropFormat, RequestStatus
from authorizations.pas.checks import pas_request_problems
from authorizations.pas.selectors import request_pas_bundle


def test_every_demo_request_leaves_as_a_pas_bundle_that_validates(demo):
    requests = list(AuthorizationRequest.objects.filter(organization=demo.harbor, lines__isnull=False).distinct())
    assert requests
    for request in requests:
        bundle = request_pas_bundle(organization=demo.harbor, request=request, now=timezone.now())
        assert pas_request_problems(bundle) == [], request.pk


def test_a_demo_request_awaiting_the_payer_leaves_as_a_bundle_and_its_claim_response_comes_back(demo):
    """The PAS round trip on the demo: the Bundle leaves (kept as sent), the payer's ClaimResponse
    certifying each item comes back as the request's determination, pointing at the file."""
    from authorizations.pas.services import claim_response_import, pas_bundle_send

    from ..authorizations.pas.test_claim_response import response_bundle, review_item

    request = (
        AuthorizationRequest.objects.filter(
            organization=demo.harbor, status__in=(RequestStatus.SUBMITTED, RequestStatus.PENDED), lines__isnull=False
        )
        .distinct()
        .select_related("coverage__payer")
        .order_by("created_at")
        .first()
    )
    assert request is not None, "the demo has a request awaiting the payer"
    sent = pas_bundle_send(request=request, actor=None)
    assert sent.direction == "outbound"
    assert pas_request_problems(json.loads(sent.content)) == []

    items = [review_item(line, n, "A1", number="DEMO-PAS-1") for n, line in enumerate(request.lines.all(), 1)]
    determination = claim_response_import(
        request=request, content=response_bundle(request, items, created=timezone.now()), actor=None
    )

    assert (determination.action, determination.authorization_number) == ("A1", "DEMO-PAS-1")
    assert determination.source_message.format == InteropFormat.FHIR_CLAIM_RESPONSE
