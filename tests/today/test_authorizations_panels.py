"""The authorizations app's panels on Today, read from the page as each member sees it: the VA's
reviews, deadlines and expiring authorizations, the clinician's review calls, the intake
specialist's verifications, requests and denials. Each line goes once what it names is fixed,
another organization's rows never show, a member without the panel's permission does not get it,
and the page stays within its query budget at two data sizes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from authorizations.appeals.services import appeal_prepare
from authorizations.coverage.selectors import coverages_due_verification, verification_stale_reason
from authorizations.models import (
    Appeal,
    AppealLevel,
    Authorization,
    AuthorizationRequest,
    BenefitVerification,
    CallStatus,
    ChaseKind,
    ChaseTask,
    ConcurrentReview,
    Coverage,
    DenialCase,
    Determination,
    Payer,
    PeerToPeer,
    RequestStatus,
    ReviewCall,
    ReviewPacket,
    ReviewStatus,
)
from authorizations.requests.services.determinations import determination_record
from authorizations.reviews.calls.services import review_call_cancel
from authorizations.units.services import chase_task_done
from iop.clients.models import Episode, EpisodeStatus
from iop.tenancy import permissions
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Role

from ..authorizations.conftest import make_coverage
from ..authorizations.units.conftest import make_authorization, make_request
from ..conftest import login, make_member
from ..factories import ClientFactory, EpisodeFactory, ProgramFactory
from .panels import keys, lines, panel, today_board

pytestmark = pytest.mark.django_db

VA_PANELS = {"reviews_due", "appeal_deadlines", "authorizations_expiring"}
INTAKE_PANELS = {"verifications_due", "requests_to_finish", "decisions_overdue", "pended_requests", "denials_to_act_on"}
OURS = VA_PANELS | INTAKE_PANELS | {"my_review_calls"}


@dataclass
class World:
    """One row for each panel, in one organization."""

    expiring: Authorization
    review: ConcurrentReview
    call: ReviewCall
    case: DenialCase
    draft: AuthorizationRequest
    overdue: AuthorizationRequest
    pended: AuthorizationRequest
    unverified: Coverage
    client_ids: set


def _in_care(organization, program, payer, *, verified: bool = True) -> tuple[Episode, Coverage]:
    """An active client with the payer's coverage (verified yesterday unless told otherwise)."""
    episode = EpisodeFactory(
        organization=organization, client=ClientFactory(organization=organization), program=program, status="active"
    )
    coverage = make_coverage(episode.client, payer, member_id=f"M-{str(episode.client_id)[:8]}")
    if verified:
        verify(coverage, days_ago=1)
    return episode, coverage


def verify(coverage: Coverage, *, days_ago: int, plan_year_start: dt.date | None = None) -> BenefitVerification:
    return BenefitVerification.objects.create(
        coverage=coverage,
        verified_at=timezone.now() - dt.timedelta(days=days_ago),
        method="phone",
        plan_year_start=plan_year_start,
    )


def build_world(organization, clinician) -> World:
    """Call inside the organization's tenant context. `clinician` is the reviews' clinician."""
    now = timezone.now()
    today = organization.local_today(now)
    program = ProgramFactory(organization=organization)
    payer, _ = Payer.objects.get_or_create(organization=organization, name="Blue PPO")

    episode, coverage = _in_care(organization, program, payer)
    expiring = make_authorization(episode, coverage, start=today - dt.timedelta(days=20), end=today + dt.timedelta(2))

    episode, coverage = _in_care(organization, program, payer)
    authorization = make_authorization(
        episode, coverage, start=today - dt.timedelta(days=10), end=today + dt.timedelta(days=30)
    )
    review = ConcurrentReview.objects.create(
        authorization=authorization, episode=episode, review_date=today, clinician=clinician
    )
    ReviewPacket.objects.create(review=review, prepared_at=now, missing=["risk", "scores"], pdf=b"%PDF-1.4")
    call = ReviewCall.objects.create(
        review=review,
        starts_at=organization.local_datetime(today + dt.timedelta(days=1), dt.time(10, 0)),
        dial_in="+1 555 0100",
    )

    episode, coverage = _in_care(organization, program, payer)
    denied = make_request(episode, coverage, status=RequestStatus.DETERMINED)
    determination = Determination.objects.create(request=denied, action="A3", decided_at=now - dt.timedelta(hours=2))
    case = DenialCase.objects.create(
        determination=determination,
        episode=episode,
        letter_received_at=now - dt.timedelta(hours=2),
        reason="Not medically necessary.",
        p2p_due_at=now + dt.timedelta(hours=10),
    )
    Appeal.objects.create(case=case, level=AppealLevel.INTERNAL_1, filing_due_at=now + dt.timedelta(days=30))

    episode, coverage = _in_care(organization, program, payer)
    draft = make_request(episode, coverage, status=RequestStatus.DRAFT, start_date=today + dt.timedelta(days=2))
    overdue = make_request(
        episode, coverage, status=RequestStatus.SUBMITTED, decision_due_at=now - dt.timedelta(hours=2)
    )
    pended = make_request(episode, coverage, status=RequestStatus.PENDED, information_due=today)

    episode, unverified = _in_care(organization, program, payer, verified=False)
    client_ids = set(Episode.objects.filter(program=program).values_list("client_id", flat=True))
    return World(expiring, review, call, case, draft, overdue, pended, unverified, client_ids)


@pytest.fixture
def world(in_harbor, harbor_clinician) -> World:
    return build_world(in_harbor, harbor_clinician)


def _client_ids(client, org_slug: str = "harbor") -> set:
    return set(today_board(client, org_slug).client_ids)


# --- The VA's day ------------------------------------------------------------------------------------------


def test_the_va_sees_todays_review_with_its_packet_and_call(as_va, world):
    (line,) = lines(as_va, "reviews_due")
    review = world.review
    assert line.text.endswith("— review today")
    assert (line.status, line.detail, line.tone) == ("Packet missing 2 items", "Call tomorrow 10:00", "alert")
    assert str(review.pk) in line.url and line.url.endswith("#packet")
    assert line.client_id == review.episode.client_id


def test_a_review_line_says_when_the_packet_is_ready_and_goes_once_the_review_is_decided(as_va, world):
    ReviewPacket.objects.filter(review=world.review).update(missing=[])
    (line,) = lines(as_va, "reviews_due")
    assert (line.status, line.tone) == ("Packet ready", "ok")

    ReviewPacket.objects.filter(review=world.review).update(pdf=None)
    assert lines(as_va, "reviews_due")[0].status == "Packet not prepared"

    ConcurrentReview.objects.filter(pk=world.review.pk).update(status=ReviewStatus.DECIDED)
    assert lines(as_va, "reviews_due") == []


def test_reviews_after_tomorrow_are_not_on_the_va_s_day(as_va, world):
    ConcurrentReview.objects.filter(pk=world.review.pk).update(review_date=world.review.review_date + dt.timedelta(2))
    assert lines(as_va, "reviews_due") == []


def test_the_va_sees_the_peer_to_peer_window_closing_within_72_hours(as_va, world):
    (line,) = lines(as_va, "appeal_deadlines")
    assert line.text.endswith("— Peer-to-peer window closes")
    assert line.status.startswith("Due ") and line.tone == "alert"  # 10 hours left
    assert str(world.case.pk) in line.url


def test_a_scheduled_peer_to_peer_takes_the_case_off_and_the_appeal_filing_deadline_comes_on(
    as_va, world, harbor_clinician
):
    PeerToPeer.objects.create(case=world.case, scheduled_at=timezone.now(), clinician=harbor_clinician)
    assert lines(as_va, "appeal_deadlines") == []  # the appeal is due in 30 days

    Appeal.objects.filter(case=world.case).update(filing_due_at=timezone.now() + dt.timedelta(hours=48))
    (line,) = lines(as_va, "appeal_deadlines")
    assert line.text.endswith("— Internal appeal, level 1 to file")
    assert line.tone == "warn"  # 48 hours: not yet urgent

    Appeal.objects.filter(case=world.case).update(filing_due_at=timezone.now() - dt.timedelta(hours=1))
    (line,) = lines(as_va, "appeal_deadlines")
    assert line.status.startswith("Past due since ") and line.tone == "alert"


def test_the_va_sees_an_authorization_ending_in_two_days_until_its_renewal_is_submitted(as_va, world, in_harbor):
    (line,) = lines(as_va, "authorizations_expiring")
    authorization = world.expiring
    assert line.text.endswith(f"— {authorization.number}")
    assert line.status.endswith("(in 2 days)") and line.status.startswith("Ends ")
    assert line.tone == "alert" and str(authorization.pk) in line.url

    renewal = make_request(
        authorization.episode,
        authorization.coverage,
        status=RequestStatus.SUBMITTED,
        certification_type="R",
        prior_authorization=authorization,
        start_date=authorization.end_date + dt.timedelta(days=1),
        end_date=authorization.end_date + dt.timedelta(days=14),
    )
    assert lines(as_va, "authorizations_expiring") == []

    # Denied: its end needs chasing again.
    AuthorizationRequest.objects.filter(pk=renewal.pk).update(status=RequestStatus.DETERMINED)
    Determination.objects.create(request=renewal, action="A3", decided_at=timezone.now())
    assert len(lines(as_va, "authorizations_expiring")) == 1


def test_an_extension_under_the_same_number_takes_it_off_until_its_new_end_nears(as_va, world):
    authorization = world.expiring
    extension = make_request(
        authorization.episode,
        authorization.coverage,
        status=RequestStatus.DETERMINED,
        prior_authorization=authorization,
        start_date=authorization.end_date + dt.timedelta(days=1),
        end_date=authorization.end_date + dt.timedelta(days=30),
    )
    Determination.objects.create(request=extension, action="A1", decided_at=timezone.now())
    Authorization.objects.filter(pk=authorization.pk).update(end_date=extension.end_date)
    assert lines(as_va, "authorizations_expiring") == []

    Authorization.objects.filter(pk=authorization.pk).update(end_date=world.review.review_date + dt.timedelta(3))
    assert len(lines(as_va, "authorizations_expiring")) == 1


def test_units_running_out_come_from_the_chase_and_go_when_its_task_is_done(as_va, world, harbor_va):
    authorization = world.review.authorization  # ends in 30 days: not expiring
    today = authorization.organization.local_today()
    task = ChaseTask.objects.create(
        kind=ChaseKind.UNITS_BEFORE_REVIEW,
        authorization=authorization,
        due_date=today + dt.timedelta(days=5),
        created_at=timezone.now(),
    )
    by_number = {line.text.rsplit("— ", 1)[1]: line for line in lines(as_va, "authorizations_expiring")}
    line = by_number[authorization.number]
    assert line.status.startswith("Units run out ") and line.detail.startswith("Ends ")
    assert line.tone == "warn"

    chase_task_done(task=task, actor=harbor_va, note="Asked the payer for 6 more days")
    assert [line.text for line in lines(as_va, "authorizations_expiring")] == [by_number[world.expiring.number].text]


def test_a_renewal_approved_under_the_same_number_closes_the_chase_and_takes_the_authorization_off(
    as_va, world, harbor_intake
):
    authorization = world.expiring  # ends in 2 days
    task = ChaseTask.objects.create(
        kind=ChaseKind.UNITS_BEFORE_REVIEW,
        authorization=authorization,
        due_date=authorization.end_date - dt.timedelta(days=1),
        created_at=timezone.now(),
    )
    (line,) = lines(as_va, "authorizations_expiring")
    assert line.status.startswith("Units run out ") and line.tone == "alert"

    start, end = authorization.end_date + dt.timedelta(days=1), authorization.end_date + dt.timedelta(days=14)
    renewal = make_request(
        authorization.episode,
        authorization.coverage,
        status=RequestStatus.SUBMITTED,
        certification_type="R",
        prior_authorization=authorization,
        start_date=start,
        end_date=end,
    )
    determination_record(
        request=renewal,
        action="A1",
        authorization_number=authorization.number,
        approved_code=authorization.code,
        approved_units=10,
        unit_type=authorization.unit_type,
        start_date=start,
        end_date=end,
        actor=harbor_intake,
    )

    task.refresh_from_db()
    authorization.refresh_from_db()
    assert authorization.end_date == end  # extended under its number
    assert (task.done_at is not None, task.note) == (True, "Decided")
    assert lines(as_va, "authorizations_expiring") == []


def test_a_discharged_client_s_authorization_is_not_chased(as_va, world):
    Episode.objects.filter(pk=world.expiring.episode_id).update(status=EpisodeStatus.DISCHARGED)
    assert lines(as_va, "authorizations_expiring") == []


# --- The clinician's day ---------------------------------------------------------------------------------------


def test_the_clinician_sees_their_review_call_tomorrow_with_the_packet(as_clinician, world):
    (line,) = lines(as_clinician, "my_review_calls")
    assert line.text.endswith("— call tomorrow 10:00")
    assert (line.status, line.tone) == ("Packet missing 2 items", "warn")
    assert str(world.review.pk) in line.url and line.url.endswith("#calls")


def test_another_clinician_does_not_see_it(client, world, harbor):
    login(client, make_member(harbor, Role.CLINICIAN, "bell@harbor.test"))
    assert lines(client, "my_review_calls") == []


def test_a_cancelled_call_goes(as_clinician, world, harbor_va):
    review_call_cancel(call=world.call, reason="The payer moved it", actor=harbor_va)
    assert ReviewCall.objects.get(pk=world.call.pk).status == CallStatus.CANCELLED
    assert lines(as_clinician, "my_review_calls") == []


def test_a_call_after_tomorrow_is_not_on_the_clinician_s_day(as_clinician, world):
    ReviewCall.objects.filter(pk=world.call.pk).update(starts_at=world.call.starts_at + dt.timedelta(days=1))
    assert lines(as_clinician, "my_review_calls") == []


# --- The intake specialist's day --------------------------------------------------------------------------------


def test_intake_sees_the_coverage_never_verified_until_it_is(as_intake, world):
    (line,) = lines(as_intake, "verifications_due")
    assert line.text.endswith("— Blue PPO") and (line.status, line.tone) == ("Not verified", "alert")
    assert line.client_id == world.unverified.client_id

    verify(world.unverified, days_ago=40)
    (line,) = lines(as_intake, "verifications_due")
    assert (line.status, line.tone) == ("Verified 40 days ago", "warn")

    verify(world.unverified, days_ago=0)
    assert lines(as_intake, "verifications_due") == []


def test_a_discharged_client_s_coverage_is_not_due(as_intake, world):
    Episode.objects.filter(client_id=world.unverified.client_id).update(status=EpisodeStatus.DISCHARGED)
    assert lines(as_intake, "verifications_due") == []


def test_verifications_due_list_the_never_verified_first_then_the_oldest(as_intake, world):
    """The panel shows the first few: the coverages nobody ever verified lead, then the longest
    since verified (NULLs first in the panel's order)."""
    payer = world.unverified.payer
    program = world.unverified.client.episodes.get().program
    _, recent = _in_care(world.unverified.organization, program, payer, verified=False)
    verify(recent, days_ago=40)
    _, never = _in_care(world.unverified.organization, program, payer, verified=False)
    _, oldest = _in_care(world.unverified.organization, program, payer, verified=False)
    verify(oldest, days_ago=100)

    found = [line.client_id for line in lines(as_intake, "verifications_due")]
    assert found[:2] in ([world.unverified.client_id, never.client_id], [never.client_id, world.unverified.client_id])
    assert found[2:] == [oldest.client_id, recent.client_id]


@pytest.mark.parametrize(
    ("today", "verified_on", "plan_year_start"),
    [
        (dt.date(2027, 1, 5), dt.date(2026, 12, 20), None),  # 1 January came between
        (dt.date(2026, 12, 31), dt.date(2026, 12, 20), None),
        (dt.date(2027, 1, 1), dt.date(2026, 12, 31), None),
        (dt.date(2027, 1, 1), dt.date(2027, 1, 1), None),
        (dt.date(2026, 7, 2), dt.date(2026, 6, 20), dt.date(2020, 7, 1)),  # the plan's own year
        (dt.date(2026, 6, 30), dt.date(2026, 6, 20), dt.date(2020, 7, 1)),
        (dt.date(2027, 3, 1), dt.date(2027, 2, 20), dt.date(2024, 2, 29)),  # 28 Feb in a common year
        (dt.date(2027, 2, 28), dt.date(2027, 2, 20), dt.date(2024, 2, 29)),
        (dt.date(2027, 2, 27), dt.date(2027, 2, 20), dt.date(2024, 2, 29)),
        (dt.date(2028, 2, 28), dt.date(2028, 2, 20), dt.date(2024, 2, 29)),  # 29 Feb in a leap year
        (dt.date(2028, 2, 29), dt.date(2028, 2, 20), dt.date(2024, 2, 29)),
        (dt.date(2026, 5, 31), dt.date(2026, 5, 1), None),  # 30 days: still current
        (dt.date(2026, 6, 1), dt.date(2026, 5, 1), None),  # 31 days
    ],
)
def test_the_sql_rule_of_a_verification_due_again_is_the_page_s(in_harbor, world, today, verified_on, plan_year_start):
    BenefitVerification.objects.filter(coverage__client_id__in=world.client_ids).delete()
    verified_at = in_harbor.local_datetime(verified_on, dt.time(23, 30))  # late: UTC is already the next day
    verification = BenefitVerification.objects.create(
        coverage=world.unverified, verified_at=verified_at, method="phone", plan_year_start=plan_year_start
    )
    due = set(coverages_due_verification(organization=in_harbor, today=today).values_list("pk", flat=True))
    expected = bool(verification_stale_reason(verification, today, in_harbor.tzinfo))
    assert (world.unverified.pk in due) is expected


def test_intake_sees_a_draft_until_it_is_submitted(as_intake, world):
    (line,) = lines(as_intake, "requests_to_finish")
    assert (line.status, line.tone) == ("Draft", "warn") and line.detail.startswith("Starts ")
    assert str(world.draft.pk) in line.url

    AuthorizationRequest.objects.filter(pk=world.draft.pk).update(status=RequestStatus.READY)
    assert lines(as_intake, "requests_to_finish")[0].status == "Ready to submit"

    AuthorizationRequest.objects.filter(pk=world.draft.pk).update(status=RequestStatus.SUBMITTED)
    assert lines(as_intake, "requests_to_finish") == []


def test_a_review_s_renewal_request_is_finished_from_its_review_not_here(as_intake, world):
    AuthorizationRequest.objects.filter(pk=world.draft.pk).update(status=RequestStatus.SUBMITTED)
    renewal = make_request(
        world.review.episode, world.review.authorization.coverage, status=RequestStatus.DRAFT, certification_type="R"
    )
    ConcurrentReview.objects.filter(pk=world.review.pk).update(request=renewal)
    assert lines(as_intake, "requests_to_finish") == []


def test_intake_sees_a_decision_overdue_until_it_is_recorded(as_intake, world):
    (line,) = lines(as_intake, "decisions_overdue")
    assert line.status.startswith("Decision was due ") and line.tone == "alert"
    assert str(world.overdue.pk) in line.url

    AuthorizationRequest.objects.filter(pk=world.overdue.pk).update(decision_due_at=timezone.now() + dt.timedelta(1))
    assert lines(as_intake, "decisions_overdue") == []


def test_intake_sees_a_pended_request_until_the_information_is_sent(as_intake, world):
    (line,) = lines(as_intake, "pended_requests")
    assert (line.status, line.tone) == ("Information due today", "warn")

    AuthorizationRequest.objects.filter(pk=world.pended.pk).update(
        information_due=world.pended.information_due - dt.timedelta(days=2)
    )
    (line,) = lines(as_intake, "pended_requests")
    assert line.status.startswith("Information overdue since ") and line.tone == "alert"

    AuthorizationRequest.objects.filter(pk=world.pended.pk).update(status=RequestStatus.SUBMITTED)
    assert lines(as_intake, "pended_requests") == []


def test_intake_sees_a_denial_nobody_acted_on_until_the_letter_is_drafted(as_intake, world, harbor_intake):
    (line,) = lines(as_intake, "denials_to_act_on")
    assert line.status == "Internal appeal, level 1: letter not drafted" and line.detail.startswith("File by ")
    assert str(world.case.pk) in line.url

    appeal_prepare(case=world.case, letter="The client's PHQ-9 rose from 14 to 19.", actor=harbor_intake)
    assert lines(as_intake, "denials_to_act_on") == []


def test_a_scheduled_peer_to_peer_is_a_step_taken(as_intake, world, harbor_clinician):
    PeerToPeer.objects.create(case=world.case, scheduled_at=timezone.now(), clinician=harbor_clinician)
    assert lines(as_intake, "denials_to_act_on") == []


# --- Who gets which panel -----------------------------------------------------------------------------------------


def test_each_role_gets_its_own_panels(client, harbor, world):
    roles = {
        Role.VA: (VA_PANELS, INTAKE_PANELS | {"my_review_calls"}),
        Role.CLINICIAN: ({"my_review_calls"}, VA_PANELS | INTAKE_PANELS),
        Role.INTAKE: (INTAKE_PANELS, VA_PANELS | {"my_review_calls"}),
    }
    for role, (own, others) in roles.items():
        login(client, make_member(harbor, role, f"{role}-2@harbor.test"))
        board = today_board(client)
        assert {key for key in own if (loaded := panel(board, key)) and loaded.lines_shown} == own, role
        assert not others & {loaded.key for loaded in board.panels}, role


def test_an_admin_sees_every_panel_as_a_count(as_admin, world):
    board = today_board(as_admin)
    counts = {key: (loaded.items.count, loaded.lines_shown) for key in OURS if (loaded := panel(board, key))}
    assert counts == {
        "reviews_due": (1, False),
        "appeal_deadlines": (1, False),
        "authorizations_expiring": (1, False),
        "verifications_due": (1, False),
        "requests_to_finish": (1, False),
        "decisions_overdue": (1, False),
        "pended_requests": (1, False),
        "denials_to_act_on": (1, False),
    }
    # A clinician's own review calls would count only the admin's own: not on the admin's board.
    assert panel(board, "my_review_calls") is None


@pytest.mark.parametrize(
    ("role", "action", "key"),
    [
        (Role.VA, permissions.REVIEW_PACKET_VIEW, "reviews_due"),
        (Role.VA, permissions.APPEAL_MANAGE, "appeal_deadlines"),
        (Role.VA, permissions.DETERMINATION_RECORD, "authorizations_expiring"),
        (Role.CLINICIAN, permissions.REVIEW_PACKET_VIEW, "my_review_calls"),
        (Role.INTAKE, permissions.COVERAGE_MANAGE, "verifications_due"),
        (Role.INTAKE, permissions.AUTH_REQUEST_MANAGE, "requests_to_finish"),
        (Role.INTAKE, permissions.DETERMINATION_RECORD, "decisions_overdue"),
        (Role.INTAKE, permissions.AUTH_REQUEST_MANAGE, "pended_requests"),
        (Role.INTAKE, permissions.APPEAL_MANAGE, "denials_to_act_on"),
    ],
)
def test_a_member_without_the_panel_s_permission_does_not_get_it(client, harbor, world, monkeypatch, role, action, key):
    login(client, make_member(harbor, role, f"{role}-2@harbor.test"))
    assert key in keys(client)
    monkeypatch.setitem(permissions.ROLE_ACTIONS, role, permissions.ROLE_ACTIONS[role] - {action})
    assert key not in keys(client)


# --- Another organization -------------------------------------------------------------------------------------------


@pytest.fixture
def summit_world(summit):
    clinician = make_member(summit, Role.CLINICIAN, "counselor@summit.test")
    with tenant_context(summit.id):
        return build_world(summit, clinician), clinician


def test_another_organization_s_rows_never_show(client, harbor, world, summit_world, summit_va):
    theirs, summit_clinician = summit_world
    for role in (Role.VA, Role.CLINICIAN, Role.INTAKE, Role.ORG_ADMIN):
        login(client, make_member(harbor, role, f"{role}-2@harbor.test"))
        board = today_board(client)
        assert set(board.client_ids) <= world.client_ids, role
        assert not set(board.client_ids) & theirs.client_ids, role
        for key in OURS:
            if (loaded := panel(board, key)) is not None:
                assert loaded.items.count <= 1, (role, key)  # harbor's own one row at most

    login(client, summit_va)
    seen = set(today_board(client, "summit").client_ids)
    assert seen <= theirs.client_ids
    assert {theirs.expiring.episode.client_id, theirs.review.episode.client_id, theirs.case.episode.client_id} <= seen
    # Harbor's clinician's calls are not summit's, nor summit's clinician's harbor's.
    login(client, summit_clinician)
    (line,) = lines(client, "my_review_calls", "summit")
    assert line.client_id == theirs.review.episode.client_id


# --- The query budget ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VA, Role.CLINICIAN, Role.INTAKE, Role.ORG_ADMIN])
def test_the_page_stays_within_its_query_budget_at_two_sizes(
    client, harbor, harbor_clinician, in_harbor, role, django_assert_max_num_queries
):
    login(client, harbor_clinician if role == Role.CLINICIAN else make_member(harbor, role, f"{role}-2@harbor.test"))
    build_world(in_harbor, harbor_clinician)
    today_board(client)  # warm: the session and the membership are read once per request anyway
    with django_assert_max_num_queries(15):
        small = today_board(client)
    for _ in range(4):
        build_world(in_harbor, harbor_clinician)
    with django_assert_max_num_queries(15):
        large = today_board(client)
    assert len(large.client_ids) > len(small.client_ids) or role == Role.ORG_ADMIN
