"""Recording a determination line by line on the request page (one prefilled row per request line)
and through the API (`lines`); a partial approval shows asked against approved on the request
page, the authorization page and in the API; a refused line names its row and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from authorizations.models import Authorization, AuthorizationLine, Determination
from authorizations.requests.services.lines import line_add
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.common.dates import date_short

from ..conftest import BASE
from .conftest import complete

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def url(name: str, **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", **kwargs})


@pytest.fixture
def intake_api(api, harbor_intake):
    return api(harbor_intake)


@pytest.fixture
def submitted(draft, harbor_intake):
    """Four lines asked for: group, individual, assessment and medication management."""
    line_add(request=draft, code="99213", units=1, frequency_per_week=Decimal("0.5"), actor=harbor_intake)
    return request_submit(request=request_mark_ready(request=complete(draft)), channel="portal", actor=harbor_intake)


def _short(day: dt.date) -> str:
    return date_short(day)


def test_the_form_has_a_prefilled_row_per_request_line_and_records_them(as_intake, submitted, start):
    body = as_intake.get(url("request_detail", request_id=submitted.pk)).content.decode()
    assert 'data-testid="determination-lines"' in body
    lines = list(submitted.lines.all())
    data = {
        "determination-action": "A2",
        "determination-decided_on": start.isoformat(),
        "determination-authorization_number": "AUTH-L",
    }
    for n, line in enumerate(lines):
        asked = line.units * line.estimated_sessions
        assert f'name="determination-lines-{n}-units" value="{asked}"' in body
        data |= {
            f"determination-lines-{n}-approve": "on",
            f"determination-lines-{n}-code": line.code,
            f"determination-lines-{n}-units": str(asked),
            f"determination-lines-{n}-start_date": line.start_date.isoformat(),
            f"determination-lines-{n}-end_date": line.end_date.isoformat(),
            f"determination-lines-{n}-service_line_id": str(line.pk),
        }
    group = next(n for n, line in enumerate(lines) if line.code == "90853")
    asked_group = lines[group].units * lines[group].estimated_sessions
    shorter = lines[group].end_date - 2 * DAY
    data[f"determination-lines-{group}-units"] = str(asked_group - 1)
    data[f"determination-lines-{group}-end_date"] = shorter.isoformat()

    response = as_intake.post(url("determination_record", request_id=submitted.pk), data)

    assert response.status_code == 302
    authorization = Authorization.objects.get()
    assert authorization.lines.count() == 4
    partial = authorization.lines.get(code="90853")
    assert (partial.status, partial.units_authorized, partial.units_requested) == ("A2", asked_group - 1, asked_group)
    difference = (
        f"{asked_group - 1} of {asked_group} sessions approved;"
        f" through {_short(shorter)} instead of {_short(lines[group].end_date)}"
    )
    body = as_intake.get(url("request_detail", request_id=submitted.pk)).content.decode()
    assert difference in body
    page = as_intake.get(url("authorization_detail", authorization_id=authorization.pk)).content.decode()
    assert difference in page and 'data-testid="line-99213"' in page


def test_a_refused_row_is_shown_on_its_field_and_nothing_is_written(as_intake, submitted, start):
    line = submitted.lines.first()
    data = {
        "determination-action": "A1",
        "determination-decided_on": start.isoformat(),
        "determination-authorization_number": "AUTH-L",
        "determination-lines-0-approve": "on",
        "determination-lines-0-code": line.code,
        "determination-lines-0-units": "0",
        "determination-lines-0-start_date": line.start_date.isoformat(),
        "determination-lines-0-end_date": line.end_date.isoformat(),
    }
    response = as_intake.post(url("determination_record", request_id=submitted.pk), data, follow=True)
    body = response.content.decode()
    assert f"Line 1 ({line.code}): approved units must be at least 1." in body
    assert not Determination.objects.exists() and not AuthorizationLine.objects.exists()


def test_the_api_takes_lines_and_returns_them_with_the_difference(intake_api, submitted):
    group = submitted.lines.get(code="90853")
    asked = group.units * group.estimated_sessions
    answer = intake_api.post(
        f"{BASE}/authorization-requests/{submitted.pk}/determinations/",
        {
            "action": "A2",
            "authorization_number": "AUTH-API",
            "lines": [
                {
                    "code": "90853",
                    "units": asked - 2,
                    "start_date": group.start_date.isoformat(),
                    "end_date": group.end_date.isoformat(),
                },
                {
                    "code": "90834",
                    "units": 2,
                    "start_date": group.start_date.isoformat(),
                    "end_date": group.end_date.isoformat(),
                },
            ],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    lines = {line["code"]: line for line in data["lines"]}
    assert set(lines) == {"90853", "90834"}
    assert lines["90853"]["status"] == "A2" and lines["90853"]["units_requested"] == asked
    assert lines["90853"]["difference"] == f"{asked - 2} of {asked} sessions approved"
    authorization = Authorization.objects.get()
    assert data["authorization"] == str(authorization.pk)

    shown = intake_api.get(f"{BASE}/authorizations/{authorization.pk}/").json()
    assert {line["code"]: line["is_partial"] for line in shown["lines"]}["90853"] is True
    assert all("remaining" in line for line in shown["lines"])


def test_the_api_refuses_an_unknown_unit_type_with_its_code(intake_api, submitted):
    group = submitted.lines.get(code="90853")
    answer = intake_api.post(
        f"{BASE}/authorization-requests/{submitted.pk}/determinations/",
        {
            "action": "A1",
            "authorization_number": "AUTH-API",
            "lines": [
                {
                    "code": "90853",
                    "units": 3,
                    "unit_type": "per_hour",
                    "start_date": group.start_date.isoformat(),
                    "end_date": group.end_date.isoformat(),
                }
            ],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_unit_type"
    assert "lines-0-unit_type" in answer.json()["extra"]["fields"]
    assert not Determination.objects.exists() and not Authorization.objects.exists()
