"""Every organization URL of the UI and the API, visited by a member of `harbor` against `summit`.

The URL patterns are discovered from the resolver, so a new page or endpoint is covered without
editing this file. Each URL keyword must be known to `_summit_objects`; an unknown keyword fails
the matrix on purpose: decide what a foreign value for it is, then add it there.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import AbsenceAlert, AttendanceRecord, AttendanceReport, ThresholdFlag
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    BenefitVerification,
    ChaseTask,
    Coverage,
    Determination,
    Payer,
    RequestPacket,
    UnauthorizedDay,
)
from discharge.models import BillingLine, EpisodeReconciliation
from iop.accounts.services import api_token_create, invitation_create
from iop.clients.models import Client, Couple, Episode, TreatmentPlan
from iop.clients.services import couple_create, treatment_plan_save
from iop.notifications.models import Notification
from iop.notifications.services import notice_send
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership, StaffProfile
from scheduling.feeds.services import calendar_feed_create
from scheduling.models import ReminderDispatch, RosterEntry
from scheduling.services import absences as absence_services
from scheduling.services import groups as group_services
from scheduling.services import placements as placement_services

from ..factories import ClientFactory

pytestmark = pytest.mark.django_db

_KWARG = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p


def organization_patterns():
    """(route text, name, pattern) of every URL that takes `org_slug`."""
    found = []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if "org_slug" in route and r"\.(?P<format>" not in route:
            found.append((route, name, pattern))
    return found


def _fill(route: str, values: dict[str, str]) -> str:
    def replace(match):
        name = match.group("name") or match.group("rname")
        if name not in values:
            raise LookupError(name)
        return values[name]

    path = _KWARG.sub(replace, route)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + path.lstrip("/")


@pytest.fixture
def summit_world(summit, summit_va, summit_client):
    """One object of every kind in summit, keyed by the URL keyword that would name it."""
    today = summit.local_today()
    with tenant_context(summit.id):
        admin = Membership.objects.get(user=summit_va)
        other = ClientFactory(organization=summit)
        couple = couple_create(organization=summit, partner_one=summit_client, partner_two=other, started_on=today)
        episode = Episode.objects.get(client=summit_client)
        plan = treatment_plan_save(
            episode=episode, required_hours_per_week=9, required_days_per_week=3, tracks=["group"], actor=summit_va
        )
        invitation = invitation_create(organization=summit, email="new@summit.test", role="va", invited_by=summit_va)
        token = api_token_create(organization=summit, user=summit_va, name="t").token
        profile, _ = StaffProfile.objects.update_or_create(
            organization=summit, membership=admin, defaults={"can_facilitate": True}
        )
        feed, feed_token = calendar_feed_create(staff_profile=profile)
        notice_send(organization=summit, recipients=[admin], kind="matrix", title="Summit only", dedupe_key="matrix")
        notification = Notification.objects.get(dedupe_key="matrix")
        # Scheduling: a group with a weekly time and its sessions, a placement with its seats, an absence.
        group_type = group_services.group_type_create(organization=summit, name="Process group", qualified=[profile])
        group = group_services.group_create(
            organization=summit,
            program=episode.program,
            group_type=group_type,
            name="Summit process",
            capacity=5,
            lead_facilitator=profile,
        )
        slot = group_services.slot_create(
            group=group, weekday=0, start_time=dt.time(9), duration_minutes=90, effective_from=today
        )
        placement = placement_services.placement_create(episode=episode, group=group, start_date=today).placement
        entry = RosterEntry.objects.filter(placement=placement).first()
        session = entry.session
        absence = absence_services.facilitator_absence_record(
            staff_profile=profile,
            start_date=today + dt.timedelta(days=60),
            end_date=today + dt.timedelta(days=61),
        ).absence
        # Attendance: a record, an hours flag, an absence alert and a stored report of summit's.
        now = timezone.now()
        record = AttendanceRecord.objects.create(
            roster_entry=entry, session=session, episode=episode, status="no_show", recorded_at=now, updated_at=now
        )
        flag = ThresholdFlag.objects.create(
            episode=episode,
            week_start=today,
            state="at_risk",
            required_minutes=540,
            required_days=3,
            attended_minutes=0,
            remaining_minutes=540,
            days_attended=0,
            requirement_source="program",
            raised_at=now,
        )
        alert = AbsenceAlert.objects.create(
            episode=episode, kind="no_reason", record=record, summary="Summit only", raised_at=now
        )
        report = AttendanceReport.objects.create(
            episode=episode, start_date=today, end_date=today, status="ready", pdf=b"%PDF-"
        )
        # Authorization units: an authorization of summit's, a chase task about it, an unauthorized day.
        units_payer = Payer.objects.create(name="Summit units payer")
        units_coverage = Coverage.objects.create(
            client=summit_client, payer=units_payer, member_id="S-UNITS", effective_from=today
        )
        units_request = AuthorizationRequest.objects.create(
            episode=episode, coverage=units_coverage, start_date=today, end_date=today
        )
        units_determination = Determination.objects.create(request=units_request, action="A1", decided_at=now)
        authorization = Authorization.objects.create(
            episode=episode,
            coverage=units_coverage,
            determination=units_determination,
            number="SUMMIT-1",
            code="S9480",
            unit_type="per_diem",
            units_authorized=5,
            start_date=today,
            end_date=today + dt.timedelta(days=5),
        )
        chase_task = ChaseTask.objects.create(
            kind="ends_7", authorization=authorization, due_date=authorization.end_date, created_at=now
        )
        UnauthorizedDay.objects.create(
            episode=episode, local_date=today - dt.timedelta(days=1), kind="none", flagged_at=now
        )
        # Coverage: a payer of summit's, a coverage of its client and a benefit verification of it.
        coverage_payer = Payer.objects.create(name="Summit coverage payer")
        coverage = Coverage.objects.create(
            client=summit_client, payer=coverage_payer, member_id="S-COVERAGE", effective_from=today
        )
        verification = BenefitVerification.objects.create(coverage=coverage, verified_at=now, method="phone")
        # Requests: a drafted request with a diagnosis, lines and an attachment, a couple's packet, a
        # determination of summit's.
        from django.core.files.uploadedfile import SimpleUploadedFile

        from authorizations.requests.services.drafting import attachment_add, diagnosis_add, request_create

        from ..files import pdf_bytes

        request_payer = Payer.objects.create(name="Summit requests payer")
        request_coverage = Coverage.objects.create(
            client=summit_client,
            payer=request_payer,
            member_id="S-REQUEST",
            effective_from=today - dt.timedelta(days=30),
        )
        auth_request = request_create(episode=episode, coverage=request_coverage, actor=summit_va, start_date=today)
        diagnosis = diagnosis_add(request=auth_request, code="F33.1")
        request_line = auth_request.lines.first()
        attachment = attachment_add(
            request=auth_request, upload=SimpleUploadedFile("a.pdf", pdf_bytes(1)), actor=summit_va
        )
        request_packet = RequestPacket.objects.create(couple=couple, joint_goals="Summit only")
        request_determination = Determination.objects.create(request=auth_request, action="A4", decided_at=now)
        # Concurrent review (the reviews, calls and packets routes): a review of summit's authorization
        # with a scheduled call.
        from authorizations.models import ConcurrentReview, ReviewCall

        summit_review = ConcurrentReview.objects.filter(authorization=authorization).first() or (
            ConcurrentReview.objects.create(
                authorization=authorization, episode=episode, review_date=today + dt.timedelta(days=3)
            )
        )
        review_call = ReviewCall.objects.create(
            review=summit_review, starts_at=now + dt.timedelta(days=2), dial_in="+1 800 555 0100"
        )
        # Billing: a billing line of summit's episode (its reconciliation is the episode's).
        billing_line = BillingLine.objects.create(
            episode=episode, service_date=today - dt.timedelta(days=1), code="S9480", units=1, billed_amount=300
        )
        # Review packet, and a denial case (with a peer-to-peer and an appeal) of summit's request.
        from authorizations.models import Appeal, DenialCase, PeerToPeer, ReviewPacket

        ReviewPacket.objects.create(review=summit_review, prepared_at=now)
        denial = Determination.objects.create(request=auth_request, action="A3", decided_at=now)
        denial_case = DenialCase.objects.create(
            determination=denial, episode=episode, letter_received_at=now, reason="Summit only"
        )
        p2p = PeerToPeer.objects.create(case=denial_case, scheduled_at=now + dt.timedelta(days=1), clinician=summit_va)
        appeal = Appeal.objects.create(case=denial_case, level="internal_1", filing_due_at=now + dt.timedelta(days=30))
        # Discharge: the episode's plan, an aftercare provider and appointment, a follow-up check, a
        # consent and a disclosure under it.
        from discharge.models import (
            AftercareAppointment,
            AftercareProvider,
            Consent,
            Disclosure,
            FollowUpCheck,
            TransitionPlan,
        )

        transition_plan, _ = TransitionPlan.objects.get_or_create(episode=episode)
        provider = AftercareProvider.objects.create(name="Summit Outpatient")
        appointment = AftercareAppointment.objects.create(
            plan=transition_plan, provider=provider, starts_at=now + dt.timedelta(days=3)
        )
        follow_up = FollowUpCheck.objects.create(plan=transition_plan, days=7, due_date=today, raised_at=now)
        consent = Consent.objects.create(
            client=summit_client,
            disclosing_party="Summit",
            information=["demographics"],
            recipient_provider=provider,
            recipient_name="Summit Outpatient",
            purpose="continuity",
            expires_on=today + dt.timedelta(days=30),
            signed_name="Summit client",
            signed_at=now,
            signature_method="electronic",
        )
        disclosure = Disclosure.objects.create(
            client=summit_client,
            episode=episode,
            consent=consent,
            recipient_provider=provider,
            recipient_name="Summit Outpatient",
            purpose="continuity",
            information=["demographics"],
            channel="fax",
            sent_at=now,
            sent_by=summit_va,
        )
        # Reminders: a reminder of summit's whose status is unknown (one a VA may resend).
        dispatch = ReminderDispatch.objects.create(
            client=summit_client,
            local_date=summit.local_today() + dt.timedelta(days=1),
            channel="email",
            status="unknown",
        )
    return {
        "group_id": group.pk,
        "slot_id": slot.pk,
        "session_id": session.pk,
        "placement_id": placement.pk,
        "entry_id": entry.pk,
        "absence_id": absence.pk,
        "staff_id": profile.pk,
        "feed_id": feed.pk,
        "token": feed_token,  # a live calendar-feed secret of summit's
        "notification_id": notification.pk,
        "client_id": summit_client.pk,
        "episode_id": episode.pk,
        "couple_id": couple.pk,
        "membership_id": admin.pk,
        "member_id": admin.pk,
        "invitation_id": invitation.pk,
        "token_id": token.pk,
        "plan_id": plan.pk,
        "treatment_plan_id": plan.pk,
        "program_id": episode.program_id,
        "flag_id": flag.pk,
        "alert_id": alert.pk,
        "report_id": report.pk,
        "record_id": record.pk,
        # API router detail routes use `pk`; which model depends on the route's basename.
        "pk:client": summit_client.pk,
        "pk:episode": episode.pk,
        "pk:treatment-plan": plan.pk,
        "pk:couple": couple.pk,
        "pk:program": episode.program_id,
        "pk:member": admin.pk,
        "pk:group-type": group_type.pk,
        "pk:group": group.pk,
        "pk:slot": slot.pk,
        "pk:session": session.pk,
        "pk:placement": placement.pk,
        "pk:roster-entry": entry.pk,
        "pk:absence": absence.pk,
        "pk:session-attendance": session.pk,
        "pk:attendance-record": record.pk,
        "pk:weekly-hours": episode.pk,
        "pk:threshold-flag": flag.pk,
        "pk:absence-alert": alert.pk,
        "coverage_id": coverage.pk,
        "pk:payer": coverage_payer.pk,
        "pk:coverage": coverage.pk,
        "pk:verification": verification.pk,
        "authorization_id": authorization.pk,
        "task_id": chase_task.pk,
        "pk:authorization": authorization.pk,
        "pk:chase-task": chase_task.pk,
        "request_id": auth_request.pk,
        "diagnosis_id": diagnosis.pk,
        "line_id": request_line.pk,
        "attachment_id": attachment.pk,
        "packet_id": request_packet.pk,
        "pk:authorization-request": auth_request.pk,
        "pk:request-packet": request_packet.pk,
        "pk:determination": request_determination.pk,
        "dispatch_id": dispatch.pk,
        "review_id": summit_review.pk,
        "pk:review": summit_review.pk,
        "call_id": review_call.pk,
        "pk:review-call": review_call.pk,
        "pk:billing-line": billing_line.pk,
        "pk:billing-reconciliation": episode.pk,
        "pk:review-packet": summit_review.pk,  # a review's packet is addressed by its review
        "case_id": denial_case.pk,
        "pk:denial-case": denial_case.pk,
        "p2p_id": p2p.pk,
        "pk:peer-to-peer": p2p.pk,
        "appeal_id": appeal.pk,
        "pk:appeal": appeal.pk,
        "pk:discharge-plan": transition_plan.pk,
        "pk:discharge-plan-sign": transition_plan.pk,  # the sign-summary action
        "provider_id": provider.pk,
        "pk:aftercare-provider": provider.pk,
        "appointment_id": appointment.pk,
        "pk:aftercare-appointment": appointment.pk,
        "check_id": follow_up.pk,
        "pk:follow-up-check": follow_up.pk,
        "consent_id": consent.pk,
        "pk:consent": consent.pk,
        "pk:consent-expiry": consent.pk,  # the expiry-event action
        "disclosure_id": disclosure.pk,
        "pk:disclosure": disclosure.pk,
        # Not objects: a calendar month (the organization in the URL decides).
        "year": today.year,
        "month": today.month,
    }


def _values_for(name: str, world: dict, org_slug: str) -> dict[str, str]:
    values = {k: str(v) for k, v in world.items() if ":" not in k}
    values["org_slug"] = org_slug
    basename = name.split(":")[-1].rsplit("-", 1)[0]
    if f"pk:{basename}" in world:
        values["pk"] = str(world[f"pk:{basename}"])
    return values


def test_matrix_discovers_ui_and_api_urls():
    names = {name for _, name, _ in organization_patterns()}
    assert any(n.startswith("api:") for n in names)
    assert any(n.startswith("clients:") for n in names)
    assert len(names) >= 15


def test_harbor_member_gets_404_for_every_summit_url(client, harbor, harbor_admin, summit_world):
    """The organization in the URL is summit's: nothing about it exists for a harbor member."""
    client.force_login(harbor_admin)
    uncovered, leaks = [], []
    for route, name, _ in organization_patterns():
        try:
            url = _fill(route, _values_for(name, summit_world, "summit"))
        except LookupError as exc:
            uncovered.append(f"{name}: <{exc.args[0]}>")
            continue
        leaks += _probe(client, url, name)
    assert uncovered == [], "URL keywords the matrix cannot fill: add them to summit_world"
    assert leaks == []


def _probe(http, url: str, name: str, **kwargs) -> list[str]:
    """GET and POST `url`; anything but 404 is a leak, except 405 (a method the route does not
    take: refused before any lookup, the same for every id). At least one must be a 404."""
    statuses = {method: getattr(http, method)(url, {}, **kwargs).status_code for method in ("get", "post")}
    leaky = {m: s for m, s in statuses.items() if s not in (404, 405)}
    if leaky or 404 not in statuses.values():
        return [f"{url} ({name}) -> {statuses}"]
    return []


# URL keywords that name no object (a calendar month): a route with only these is the organization's own.
_NOT_OBJECTS = {"org_slug", "year", "month"}


def _names_an_object(route: str) -> bool:
    return any((m.group("name") or m.group("rname")) not in _NOT_OBJECTS for m in _KWARG.finditer(route))


def test_summit_objects_under_harbors_url_are_404(client, harbor, harbor_admin, harbor_client, summit_world):
    """Harbor's own organization URL with summit's object ids: 404, never 403 and never data."""
    client.force_login(harbor_admin)
    leaks = []
    for route, name, _ in organization_patterns():
        if not _names_an_object(route):
            continue
        url = _fill(route, _values_for(name, summit_world, "harbor"))
        leaks += _probe(client, url, name)
    assert leaks == []


def test_api_token_cannot_reach_summit_objects(harbor, harbor_admin, summit_world):
    with tenant_context(harbor.id):
        raw = api_token_create(organization=harbor, user=harbor_admin, name="matrix").raw
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    leaks = []
    for route, name, _ in organization_patterns():
        if not name.startswith("api:"):
            continue
        if not _names_an_object(route):
            continue
        url = _fill(route, _values_for(name, summit_world, "harbor"))
        leaks += _probe(api, url, name, format="json")
    assert leaks == []


def test_nothing_of_summit_changed(summit, summit_world, client, harbor_admin):
    client.force_login(harbor_admin)
    for route, name, _ in organization_patterns():
        for slug in ("summit", "harbor"):
            client.post(_fill(route, _values_for(name, summit_world, slug)))
    with tenant_context(summit.id):
        assert Client.objects.count() == 2
        assert Episode.objects.get(pk=summit_world["episode_id"]).status == "active"
        assert Couple.objects.get(pk=summit_world["couple_id"]).ended_on is None
        assert TreatmentPlan.objects.count() == 1
        assert Membership.objects.get(pk=summit_world["membership_id"]).is_active
        assert AttendanceRecord.objects.get(pk=summit_world["record_id"]).status == "no_show"
        assert ThresholdFlag.objects.get(pk=summit_world["flag_id"]).is_open
        assert AbsenceAlert.objects.get(pk=summit_world["alert_id"]).is_open
        assert Coverage.objects.get(pk=summit_world["coverage_id"]).member_id == "S-COVERAGE"
        assert BenefitVerification.objects.filter(coverage_id=summit_world["coverage_id"]).count() == 1
        assert ChaseTask.objects.get(pk=summit_world["task_id"]).done_at is None
        assert BillingLine.objects.count() == 1
        assert not EpisodeReconciliation.objects.exists()
        summit_request = AuthorizationRequest.objects.get(pk=summit_world["request_id"])
        assert summit_request.status == "draft"
        assert (summit_request.diagnoses.count(), summit_request.lines.count()) == (1, 2)
        assert RequestPacket.objects.get(pk=summit_world["packet_id"]).joint_goals == "Summit only"
        from authorizations.models import ReviewCall

        assert ReviewCall.objects.get(pk=summit_world["call_id"]).status == "scheduled"
        from authorizations.models import Appeal, DenialCase, PeerToPeer
        from discharge.models import AftercareAppointment, Consent, FollowUpCheck, TransitionPlan

        assert DenialCase.objects.get(pk=summit_world["case_id"]).status == "open"
        assert PeerToPeer.objects.get(pk=summit_world["p2p_id"]).status == "scheduled"
        assert Appeal.objects.get(pk=summit_world["appeal_id"]).filed_at is None
        assert TransitionPlan.objects.get(pk=summit_world["pk:discharge-plan"]).status == "planning"
        assert AftercareAppointment.objects.get(pk=summit_world["appointment_id"]).status == "booked"
        assert FollowUpCheck.objects.get(pk=summit_world["check_id"]).outcome == "pending"
        assert Consent.objects.get(pk=summit_world["consent_id"]).revoked_at is None
