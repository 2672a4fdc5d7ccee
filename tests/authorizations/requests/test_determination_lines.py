"""A determination approves one line per code, as a 278 response does: each with its own units
and window, partial (A2) when it gives fewer units or ends earlier than its request line asked;
the authorization's window is the union of its lines. A renewal under the same number extends the
authorization it renews; under a new number a new one continues it. Bad lines are refused by
name, and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from authorizations.models import (
    Authorization,
    AuthorizationLine,
    CertificationType,
    Determination,
    RequestStatus,
)
from authorizations.requests.selectors import determination_authorization
from authorizations.requests.services.determinations import ApprovedLine, determination_record
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.lines import line_add
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.common.exceptions import ApplicationError

from .conftest import complete

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _submitted(request, actor):
    return request_submit(request=request_mark_ready(request=complete(request)), channel="portal", actor=actor)


@pytest.fixture
def four_lines(draft, harbor_intake):
    """A submitted request of four lines: group, individual, assessment (the plan's) and medication management."""
    line_add(request=draft, code="99213", units=1, frequency_per_week=Decimal("0.5"), actor=harbor_intake)
    request = _submitted(draft, harbor_intake)
    assert request.lines.count() == 4
    return request


def _asked(request):
    return {line.code: line for line in request.lines.all()}


def _as_asked(request, **changes):
    """One ApprovedLine per request line, as asked (units over the window), with `changes` per code."""
    lines = []
    for line in request.lines.all():
        values = {
            "code": line.code,
            "units": line.units * line.estimated_sessions,
            "start_date": line.start_date,
            "end_date": line.end_date,
        }
        values.update(changes.get(line.code, {}))
        lines.append(ApprovedLine(**values))
    return lines


def test_a_four_line_request_is_approved_as_four_lines(four_lines, harbor_intake):
    determination = determination_record(
        request=four_lines,
        action="A1",
        authorization_number="AUTH-4",
        lines=_as_asked(four_lines),
        actor=harbor_intake,
    )
    authorization = determination_authorization(determination)
    assert authorization is not None and authorization.number == "AUTH-4"
    lines = {line.code: line for line in authorization.lines.all()}
    asked = _asked(four_lines)
    assert set(lines) == {"90853", "90834", "90791", "99213"}
    for code, line in lines.items():
        assert line.status == "A1" and not line.is_partial
        assert line.service_line == asked[code] and line.determination == determination
        assert line.unit_type == asked[code].unit_type
        assert (line.start_date, line.end_date) == (asked[code].start_date, asked[code].end_date)
        assert line.units_requested == asked[code].units * asked[code].estimated_sessions == line.units_authorized
    # The window is the union of the lines'; the summary is the group line (the program's primary code).
    assert (authorization.start_date, authorization.end_date) == (four_lines.start_date, four_lines.end_date)
    assert (authorization.code, authorization.units_authorized) == ("90853", lines["90853"].units_authorized)
    assert (determination.approved_code, determination.approved_units) == ("90853", lines["90853"].units_authorized)


def test_a_partial_approval_is_recorded_per_line_with_what_was_asked(four_lines, harbor_intake):
    group = _asked(four_lines)["90853"]
    asked_units = group.units * group.estimated_sessions
    shorter = group.end_date - 3 * DAY
    determination = determination_record(
        request=four_lines,
        action="A2",
        authorization_number="AUTH-P",
        lines=_as_asked(four_lines, **{"90853": {"units": asked_units - 2, "end_date": shorter}}),
        actor=harbor_intake,
    )
    line = AuthorizationLine.objects.get(determination=determination, code="90853")
    assert (line.status, line.units_authorized, line.units_requested) == ("A2", asked_units - 2, asked_units)
    assert (line.end_date, line.requested_end_date) == (shorter, group.end_date)
    assert line.is_partial
    others = AuthorizationLine.objects.filter(determination=determination).exclude(code="90853")
    assert {other.status for other in others} == {"A1"}
    # The window still runs to the longest line's end.
    assert determination_authorization(determination).end_date == four_lines.end_date


def test_approving_without_lines_makes_one_line_as_before(four_lines, harbor_intake):
    determination = determination_record(
        request=four_lines,
        action="A1",
        authorization_number="AUTH-1",
        approved_code="90853",
        approved_units=6,
        start_date=four_lines.start_date,
        end_date=four_lines.end_date,
        actor=harbor_intake,
    )
    authorization = Authorization.objects.get()
    assert authorization.determination == determination == determination_authorization(determination).determination
    (line,) = authorization.lines.all()
    assert (line.code, line.unit_type, line.units_authorized) == ("90853", "per_session", 6)
    assert line.service_line == _asked(four_lines)["90853"]


def test_a_denial_has_no_authorization(four_lines, harbor_intake):
    determination = determination_record(
        request=four_lines, action="A3", reason="Not medically necessary.", actor=harbor_intake
    )
    assert determination_authorization(determination) is None
    assert not AuthorizationLine.objects.exists()


@pytest.fixture
def approved(four_lines, harbor_intake):
    determination = determination_record(
        request=four_lines,
        action="A1",
        authorization_number="AUTH-R",
        lines=_as_asked(four_lines),
        next_review_date=four_lines.start_date + 7 * DAY,
        actor=harbor_intake,
    )
    return determination_authorization(determination)


@pytest.fixture
def renewal(approved, episode, coverage, harbor_intake):
    """The renewal of `approved` for the next two weeks (its lines as the draft makes them)."""
    request = request_create(
        episode=episode,
        coverage=coverage,
        actor=harbor_intake,
        start_date=approved.end_date + DAY,
        certification_type=CertificationType.RENEWAL,
    )
    request.prior_authorization = approved
    request.save(update_fields=["prior_authorization"])
    return _submitted(request, harbor_intake)


def test_a_renewal_under_the_same_number_extends_the_authorization(approved, renewal, harbor_intake):
    group = _asked(renewal)["90853"]
    first_units = approved.lines.get(code="90853").units_authorized
    determination = determination_record(
        request=renewal,
        action="A1",
        authorization_number="AUTH-R",
        lines=[ApprovedLine(code="90853", units=5, start_date=group.start_date, end_date=group.end_date)],
        next_review_date=group.start_date + 7 * DAY,
        actor=harbor_intake,
    )
    assert Authorization.objects.count() == 1
    extended = Authorization.objects.get()
    assert determination_authorization(determination) == extended
    assert extended.determination != determination  # still the first decision's authorization
    assert (extended.start_date, extended.end_date, extended.status) == (approved.start_date, group.end_date, "active")
    assert extended.next_review_date == group.start_date + 7 * DAY
    groups = extended.lines.filter(code="90853").order_by("start_date")
    assert [(g.units_authorized, g.determination_id) for g in groups] == [
        (first_units, approved.determination_id),
        (5, determination.pk),
    ]
    # The group code's units over both windows.
    assert extended.units_authorized == sum(g.units_authorized for g in groups)


def test_an_extension_may_not_approve_a_code_again_for_days_it_already_has(approved, renewal, harbor_intake):
    with pytest.raises(ApplicationError) as info:
        determination_record(
            request=renewal,
            action="A1",
            authorization_number="AUTH-R",
            lines=[
                ApprovedLine(
                    code="90853", units=5, start_date=approved.end_date - DAY, end_date=approved.end_date + 5 * DAY
                )
            ],
            actor=harbor_intake,
        )
    assert info.value.code == "duplicate_line"
    assert "lines-0-start_date" in info.value.extra
    assert AuthorizationLine.objects.count() == 4 and Determination.objects.count() == 1


def test_a_renewal_under_a_new_number_is_a_new_authorization_continuing_the_prior(approved, renewal, harbor_intake):
    group = _asked(renewal)["90853"]
    determination = determination_record(
        request=renewal,
        action="A1",
        authorization_number="AUTH-R2",
        lines=[ApprovedLine(code="90853", units=5, start_date=group.start_date, end_date=group.end_date)],
        actor=harbor_intake,
    )
    following = determination_authorization(determination)
    assert following != approved and following.prior == approved and following.number == "AUTH-R2"
    assert (following.start_date, following.end_date, following.units_authorized) == (
        group.start_date,
        group.end_date,
        5,
    )
    approved.refresh_from_db()
    assert approved.end_date == renewal.start_date - DAY  # the prior one is as it was


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"units": 0}, "units_not_positive", "lines-1-units"),
        ({"end_date": "before"}, "end_before_start", "lines-1-end_date"),
        ({"unit_type": "per_hour"}, "unknown_unit_type", "lines-1-unit_type"),
        ({"code": "90853"}, "duplicate_line", "lines-1-code"),
        ({"code": " "}, "required", "lines-1-code"),
    ],
)
def test_a_bad_line_is_refused_by_name_and_nothing_is_written(four_lines, harbor_intake, change, code, field):
    lines = _as_asked(four_lines)
    second = lines[1]
    if change.get("end_date") == "before":
        change = {"end_date": second.start_date - DAY}
    values = {**second.__dict__, **change}
    lines[1] = ApprovedLine(**values)
    if code == "duplicate_line":
        lines[0] = ApprovedLine(**{**lines[0].__dict__, "code": "90853"})
        lines[1] = ApprovedLine(
            **{**lines[1].__dict__, "start_date": lines[0].start_date, "end_date": lines[0].end_date}
        )
    with pytest.raises(ApplicationError) as info:
        determination_record(
            request=four_lines, action="A1", authorization_number="AUTH-X", lines=lines, actor=harbor_intake
        )
    assert info.value.code == code
    assert field in info.value.extra and info.value.message.startswith("Line")
    four_lines.refresh_from_db()
    assert four_lines.status == RequestStatus.SUBMITTED
    assert not Determination.objects.exists() and not Authorization.objects.exists()
    assert not AuthorizationLine.objects.exists()


def test_a_line_of_another_request_is_refused(four_lines, draft, harbor_intake, episode, coverage):
    other = request_create(episode=episode, coverage=coverage, actor=harbor_intake)
    foreign = other.lines.first()
    line = _as_asked(four_lines)[0]
    with pytest.raises(ApplicationError) as info:
        determination_record(
            request=four_lines,
            action="A1",
            authorization_number="AUTH-X",
            lines=[ApprovedLine(**{**line.__dict__, "service_line_id": foreign.pk})],
            actor=harbor_intake,
        )
    assert info.value.code == "unknown_request_line"
    assert not Authorization.objects.exists()


def test_a_code_put_in_place_of_the_one_asked_is_modified_with_its_own_unit_type(four_lines, harbor_intake):
    individual = _asked(four_lines)["90834"]
    determination = determination_record(
        request=four_lines,
        action="A6",
        authorization_number="AUTH-M",
        lines=[
            ApprovedLine(
                code="90837",
                units=2,
                start_date=individual.start_date,
                end_date=individual.end_date,
                service_line_id=individual.pk,
            )
        ],
        actor=harbor_intake,
    )
    (line,) = determination.approved_lines.all()
    assert (line.code, line.status, line.unit_type, line.code_system) == ("90837", "A6", "per_session", "cpt")
    assert line.service_line == individual and line.units_requested == individual.units * individual.estimated_sessions
