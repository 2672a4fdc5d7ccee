"""The determination form on the request page offers every requested line, prefilled with what it
asked, so a partial approval is entered line by line in the browser; figures a payer cannot have
approved (more than asked, negative units, no line at all) are refused on their row with a clear
message, the form comes back as typed, and nothing is saved."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from authorizations.models import Authorization, AuthorizationLine, Determination, RequestStatus
from authorizations.requests.services.lines import line_add
from authorizations.requests.services.workflow import request_mark_ready, request_submit

from .conftest import complete

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def url(name: str, **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", **kwargs})


@pytest.fixture
def submitted(draft, harbor_intake):
    """Four lines asked for: group and individual therapy and the assessment (from the plan), and
    medication management."""
    line_add(request=draft, code="99213", units=1, frequency_per_week=Decimal("0.5"), actor=harbor_intake)
    return request_submit(request=request_mark_ready(request=complete(draft)), channel="portal", actor=harbor_intake)


def asked(line) -> int:
    return line.units * line.estimated_sessions


def form_data(request, start, action="A2", **rows) -> dict[str, str]:
    """Every row ticked with what it asked, then `rows` (`<n>_<field>`: value, "" unticks)."""
    data = {
        "determination-action": action,
        "determination-decided_on": start.isoformat(),
        "determination-authorization_number": "AUTH-F",
    }
    for n, line in enumerate(request.lines.all()):
        data |= {
            f"determination-lines-{n}-approve": "on",
            f"determination-lines-{n}-code": line.code,
            f"determination-lines-{n}-units": str(asked(line)),
            f"determination-lines-{n}-start_date": line.start_date.isoformat(),
            f"determination-lines-{n}-end_date": line.end_date.isoformat(),
            f"determination-lines-{n}-service_line_id": str(line.pk),
        }
    for key, value in rows.items():
        n, field = key.split("_", 1)
        name = f"determination-lines-{n}-{field}"
        if value == "":
            data.pop(name, None)
        else:
            data[name] = value
    return data


def row_of(body: str, code: str) -> str:
    """The determination table's row for `code` (its inputs and errors)."""
    table = body.split('data-testid="determination-lines"')[1].split("</table>")[0]
    return next(row for row in re.findall(r"<tr>.*?</tr>", table, re.S) if f'value="{code}"' in row)


def test_every_requested_line_is_offered_prefilled_with_what_it_asked(as_intake, submitted):
    body = as_intake.get(url("request_detail", request_id=submitted.pk)).content.decode()
    lines = list(submitted.lines.all())
    assert len(lines) == 4
    for n, line in enumerate(lines):
        row = row_of(body, line.code)
        assert f'name="determination-lines-{n}-approve"' in row and "checked" in row
        assert f'name="determination-lines-{n}-units" value="{asked(line)}"' in row
        assert f'name="determination-lines-{n}-start_date" value="{line.start_date.isoformat()}"' in row
        assert f'name="determination-lines-{n}-end_date" value="{line.end_date.isoformat()}"' in row
        # Each field has its own label naming the code.
        assert f"Units approved for {line.code}" in row and f"To, {line.code}" in row


def test_a_partial_approval_is_entered_line_by_line(as_intake, submitted, start):
    lines = list(submitted.lines.all())
    group = next(n for n, line in enumerate(lines) if line.code == "90853")
    individual = next(n for n, line in enumerate(lines) if line.code == "90834")
    medication = next(n for n, line in enumerate(lines) if line.code == "99213")
    earlier = lines[individual].end_date - 3 * DAY
    data = form_data(
        submitted,
        start,
        **{
            f"{group}_units": str(asked(lines[group]) - 2),  # fewer sessions
            f"{individual}_end_date": earlier.isoformat(),  # a shorter window
            f"{medication}_approve": "",  # not approved
        },
    )

    response = as_intake.post(url("determination_record", request_id=submitted.pk), data)

    assert response.status_code == 302
    authorization = Authorization.objects.get()
    approved = {line.code: line for line in authorization.lines.all()}
    assert set(approved) == {"90853", "90834", "90791"}
    assert (approved["90853"].units_authorized, approved["90853"].status) == (asked(lines[group]) - 2, "A2")
    assert (approved["90834"].end_date, approved["90834"].status) == (earlier, "A2")
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.DETERMINED


def _refused(as_intake, submitted, data) -> str:
    response = as_intake.post(url("determination_record", request_id=submitted.pk), data, follow=True)
    assert response.status_code == 422
    assert not Determination.objects.exists()
    assert not Authorization.objects.exists() and not AuthorizationLine.objects.exists()
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED
    return response.content.decode()


def test_more_units_than_asked_are_refused_on_their_row_and_nothing_is_saved(as_intake, submitted, start):
    lines = list(submitted.lines.all())
    group = next(n for n, line in enumerate(lines) if line.code == "90853")
    too_many = asked(lines[group]) + 10

    body = _refused(as_intake, submitted, form_data(submitted, start, **{f"{group}_units": str(too_many)}))

    message = (
        f"Line {group + 1} (90853): {too_many} units is more than the {asked(lines[group])} asked for. Enter the"
        " units the payer approved; if it approved more than asked, record the decision as modified (A6)."
    )
    row = row_of(body, "90853")
    assert message in row  # next to the figure, on its row
    assert f'value="{too_many}"' in row  # as typed, to correct
    assert '<details class="disclosure" open>' in body


def test_a_modified_approval_may_give_more_than_asked(as_intake, submitted, start):
    lines = list(submitted.lines.all())
    group = next(n for n, line in enumerate(lines) if line.code == "90853")
    more = asked(lines[group]) + 6

    data = form_data(submitted, start, action="A6", **{f"{group}_units": str(more)})
    response = as_intake.post(url("determination_record", request_id=submitted.pk), data)

    assert response.status_code == 302
    assert Authorization.objects.get().lines.get(code="90853").units_authorized == more


@pytest.mark.parametrize("units", ["-3", "0"])
def test_negative_or_no_units_are_refused_on_their_row(as_intake, submitted, start, units):
    lines = list(submitted.lines.all())
    individual = next(n for n, line in enumerate(lines) if line.code == "90834")

    body = _refused(as_intake, submitted, form_data(submitted, start, **{f"{individual}_units": units}))

    row = row_of(body, "90834")
    assert f"Line {individual + 1} (90834): approved units must be at least 1." in row
    assert f'value="{units}"' in row


def test_an_approval_with_no_line_ticked_says_to_tick_one(as_intake, submitted, start):
    untick = {f"{n}_approve": "" for n in range(submitted.lines.count())}

    body = _refused(as_intake, submitted, form_data(submitted, start, action="A1", **untick))

    assert "Tick the lines the payer approved: an approval approves at least one of them." in body
