"""The demo's requests (every one with service lines) leave as Da Vinci PAS Bundles that pass the
checks."""

from __future__ import annotations

from django.utils import timezone

from authorizations.models import AuthorizationRequest
from authorizations.pas.checks import pas_request_problems
from authorizations.pas.selectors import request_pas_bundle


def test_every_demo_request_leaves_as_a_pas_bundle_that_validates(demo):
    requests = list(AuthorizationRequest.objects.filter(organization=demo.harbor, lines__isnull=False).distinct())
    assert requests
    for request in requests:
        bundle = request_pas_bundle(organization=demo.harbor, request=request, now=timezone.now())
        assert pas_request_problems(bundle) == [], request.pk
