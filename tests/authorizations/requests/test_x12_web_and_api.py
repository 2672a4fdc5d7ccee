"""The X12 rails from the browser and the API: "Download 278" and "Import 278 response" on the
request page (and "Download 278" on a packet's), "Download 270" on the coverage page, and
`authorization-requests/<id>/x12-278/`, `…/x12-278-response/`, `request-packets/<id>/x12-278/`,
`coverages/<id>/x12-270/` — permissions as their neighbours, another tenant's ids not found,
every download of PHI written to the access log as an export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from authorizations.models import AuthorizationRequest, Coverage, Determination, InteropMessage, Payer
from authorizations.requests.services.packets import packet_create, packet_mark_ready
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from authorizations.requests.services.x12_278 import line_trace, request_trace
from authorizations.x12.x278 import parse_278
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from ...factories import EpisodeFactory
from ..conftest import BASE
from ..x12_helpers import independent_check, make_interop_settings
from .conftest import complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_request(draft, in_harbor):
    make_interop_settings()
    complete(draft)
    return request_mark_ready(request=draft)


@pytest.fixture
def summit_request(summit, summit_client, summit_program):
    with tenant_context(summit.id):
        episode = summit_client.episodes.first() or EpisodeFactory(
            organization=summit, client=summit_client, program=summit_program
        )
        coverage = Coverage.objects.create(
            client=summit_client,
            payer=Payer.objects.create(name="Summit payer", payer_id="SP1"),
            member_id="S-1",
            effective_from=dt.date(2020, 1, 1),
        )
        request = AuthorizationRequest.objects.create(
            episode=episode,
            coverage=coverage,
            status="ready",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 1, 14),
        )
    return request


def _response_278(request) -> str:
    """A minimal payer's 278 response certifying the request's lines (written by hand)."""
    client = request.episode.client
    body = [
        f"BHT*0007*11*{request_trace(request)}*{request.start_date:%Y%m%d}*1200",
        "HL*1**20*1",
        "NM1*X3*2*BLUE HARBOR PPO*****PI*BHP01",
        "HL*2*1*21*1",
        "NM1*1P*2*HARBOR*****XX*1234567893",
        "HL*3*2*22*1",
        f"NM1*IL*1*{client.last_name}*{client.first_name}****MI*{request.coverage.member_id}",
        "HL*4*3*EV*1",
        f"TRN*2*{request_trace(request)}*9123456789",
        "HCR*A1*AUTH-55",
    ]
    for n, line in enumerate(request.lines.all(), start=5):
        body += [
            f"HL*{n}*4*SS*0",
            f"TRN*2*{line_trace(line)}*9123456789",
            "HCR*A1*AUTH-55",
            f"DTP*472*RD8*{line.start_date:%Y%m%d}-{line.end_date:%Y%m%d}",
            f"HSD*VS*{line.units * line.estimated_sessions}",
        ]
    isa = "ISA*00*          *00*          *ZZ*PAYERSUB       *ZZ*HARBORSUB      *261201*1200*^*00501*000000901*0*T*:"
    segments = [isa, "GS*HI*P*H*20261201*1200*901*X*005010X217", "ST*278*0001*005010X217", *body]
    segments += [f"SE*{len(body) + 2}*0001", "GE*1*901", "IEA*1*000000901"]
    return "~\n".join(segments) + "~\n"


def _exports(**filters):
    return AccessEvent.objects.filter(action="export", **filters)


# --- API ---------------------------------------------------------------------------------------------------


def test_the_api_gives_the_278_as_a_file_kept_and_audited(api, harbor_intake, ready_request):
    response = api(harbor_intake).get(f"{BASE}/authorization-requests/{ready_request.pk}/x12-278/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/edi-x12"
    assert response["Content-Disposition"] == 'attachment; filename="278-000000001.x12"'
    text = response.content.decode()
    independent_check(text, transaction_set="278")
    assert InteropMessage.objects.get().content == text
    assert _exports(channel="api", client_id=ready_request.episode.client_id, object_id=str(ready_request.pk)).exists()


def test_a_refused_278_is_a_400_naming_the_setting_and_nothing_is_kept(api, harbor_intake, draft):
    complete(draft)
    request = request_mark_ready(request=draft)
    response = api(harbor_intake).get(f"{BASE}/authorization-requests/{request.pk}/x12-278/")
    assert response.status_code == 400
    assert response.json()["code"] == "interop_not_configured"
    assert not InteropMessage.objects.exists()
    assert not _exports().exists()


def test_the_api_imports_the_278_response_as_the_determination(api, harbor_va, harbor_intake, ready_request):
    request = request_submit(request=ready_request, channel="x12_278", actor=harbor_intake)
    raw = _response_278(request)

    refused = api(harbor_va).post(
        f"{BASE}/authorization-requests/{request.pk}/x12-278-response/", {"raw_278": "ISA*nonsense"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "x12_malformed"
    assert "raw_278" in refused.json()["extra"]["fields"]

    response = api(harbor_va).post(
        f"{BASE}/authorization-requests/{request.pk}/x12-278-response/", {"raw_278": raw}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["action"], body["authorization_number"]) == ("A1", "AUTH-55")
    determination = Determination.objects.get()
    assert determination.source_message.content == raw


def test_api_permissions_follow_the_neighbouring_endpoints(api, harbor_va, harbor_clinician, ready_request):
    base = f"{BASE}/authorization-requests/{ready_request.pk}"
    # A VA records the payer's answers but does not build requests; a clinician does neither.
    assert api(harbor_va).get(f"{base}/x12-278/").status_code == 403
    assert api(harbor_clinician).post(f"{base}/x12-278-response/", {"raw_278": "x"}, format="json").status_code == 403
    assert not InteropMessage.objects.exists()


def test_another_tenants_ids_are_not_found(api, harbor_intake, ready_request, summit_request):
    intake = api(harbor_intake)
    assert intake.get(f"{BASE}/authorization-requests/{summit_request.pk}/x12-278/").status_code == 404
    assert (
        intake.post(
            f"{BASE}/authorization-requests/{summit_request.pk}/x12-278-response/", {"raw_278": "x"}, format="json"
        ).status_code
        == 404
    )
    assert intake.get(f"{BASE}/coverages/{summit_request.coverage_id}/x12-270/").status_code == 404
    assert not InteropMessage.objects.exists()


def test_the_api_gives_a_coverages_270_and_a_packets_278(api, harbor_intake, ready_request, couple_world):
    intake = api(harbor_intake)
    response = intake.get(f"{BASE}/coverages/{ready_request.coverage_id}/x12-270/")
    assert response.status_code == 200 and response["Content-Type"] == "application/edi-x12"
    independent_check(response.content.decode(), transaction_set="270")
    assert _exports(channel="api", object_id=str(ready_request.coverage_id)).exists()

    packet = packet_create(
        couple=couple_world["couple"], coverages=couple_world["coverages"], joint_goals="Talk.", actor=harbor_intake
    )
    for request in packet.requests.all():
        complete(request)
    packet_mark_ready(packet=packet)
    response = intake.get(f"{BASE}/request-packets/{packet.pk}/x12-278/")
    assert response.status_code == 200
    assert len(independent_check(response.content.decode(), transaction_set="278")) == 2
    assert parse_278(response.content.decode()).control_number == "000000002"


def test_the_schema_documents_the_x12_endpoints_with_examples(admin_client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    download = paths["/api/v1/o/{org_slug}/authorization-requests/{id}/x12-278/"]["get"]
    assert "application/edi-x12" in download["responses"]["200"]["content"]
    assert download["responses"]["200"]["content"]["application/edi-x12"]["examples"]
    assert "400" in download["responses"]
    upload = paths["/api/v1/o/{org_slug}/authorization-requests/{id}/x12-278-response/"]["post"]
    assert upload["requestBody"]["content"]["application/json"]["examples"]
    assert "201" in upload["responses"]
    assert (
        "application/edi-x12"
        in paths["/api/v1/o/{org_slug}/coverages/{id}/x12-270/"]["get"]["responses"]["200"]["content"]
    )


# --- Pages -------------------------------------------------------------------------------------------------


def _request_page(request) -> str:
    return reverse("authorizations:request_detail", kwargs={"org_slug": "harbor", "request_id": request.pk})


def test_the_request_page_downloads_the_278_and_imports_the_response(as_intake, ready_request, harbor_intake):
    page = as_intake.get(_request_page(ready_request)).content.decode()
    download = reverse("authorizations:request_x12_278", kwargs={"org_slug": "harbor", "request_id": ready_request.pk})
    upload = reverse(
        "authorizations:request_x12_278_import", kwargs={"org_slug": "harbor", "request_id": ready_request.pk}
    )
    assert f'href="{download}">Download 278</a>' in page

    response = as_intake.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/edi-x12"
    independent_check(response.content.decode(), transaction_set="278")
    assert _exports(channel="web", object_id=str(ready_request.pk)).exists()

    request = request_submit(request=ready_request, channel="x12_278", actor=harbor_intake)
    assert f'href="{upload}">Import 278 response</a>' in as_intake.get(_request_page(request)).content.decode()
    assert as_intake.get(upload).status_code == 200

    bad = as_intake.post(upload, {"file": SimpleUploadedFile("answer.x12", b"ISA*garbage")})
    assert bad.status_code == 422
    assert "This file cannot be read as an X12 278" in bad.content.decode()
    assert not Determination.objects.exists()

    done = as_intake.post(upload, {"file": SimpleUploadedFile("answer.x12", _response_278(request).encode())})
    assert done.status_code == 302 and done["Location"].endswith("#determinations")
    assert Determination.objects.get().authorization_number == "AUTH-55"
    assert "Imported from the payer's electronic response" in as_intake.get(_request_page(request)).content.decode()


def test_a_refused_download_goes_back_to_the_request_page_with_the_reason(as_intake, draft, harbor_intake):
    complete(draft)
    request = request_mark_ready(request=draft)
    download = reverse("authorizations:request_x12_278", kwargs={"org_slug": "harbor", "request_id": request.pk})
    response = as_intake.get(download)
    assert response.status_code == 303
    page = as_intake.get(response["Location"])
    assert "interoperability settings" in page.content.decode()
    assert not InteropMessage.objects.exists()


def test_the_coverage_page_downloads_the_270(as_intake, ready_request):
    coverage = ready_request.coverage
    page = reverse("authorizations:coverage_detail", kwargs={"org_slug": "harbor", "coverage_id": coverage.pk})
    download = reverse("authorizations:coverage_x12_270", kwargs={"org_slug": "harbor", "coverage_id": coverage.pk})
    assert f'href="{download}">Download 270</a>' in as_intake.get(page).content.decode()
    response = as_intake.get(download)
    assert response.status_code == 200
    independent_check(response.content.decode(), transaction_set="270")
    assert _exports(channel="web", object_id=str(coverage.pk), client_id=coverage.client_id).exists()


def test_pages_of_another_tenant_are_not_found(as_intake, summit_request, in_harbor):
    kwargs = {"org_slug": "harbor", "request_id": summit_request.pk}
    assert as_intake.get(reverse("authorizations:request_x12_278", kwargs=kwargs)).status_code == 404
    assert as_intake.get(reverse("authorizations:request_x12_278_import", kwargs=kwargs)).status_code == 404
    coverage = {"org_slug": "harbor", "coverage_id": summit_request.coverage_id}
    assert as_intake.get(reverse("authorizations:coverage_x12_270", kwargs=coverage)).status_code == 404
