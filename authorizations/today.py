"""Authorizations' panels on Today (registered from `authorizations.wiring`).

The VA's day: reviews today and tomorrow with their packet's readiness, peer-to-peer and appeal
deadlines within 72 hours, authorizations ending soon or running out of units. The clinician's
day: their review calls today and tomorrow. The intake specialist's day: verifications due,
requests to finish, decisions overdue, pended requests, denials nobody has acted on.

Every panel is a row panel: its rows are read with every other row panel of the page in the
board's one query, so each says in SQL what "still open" means — the line is gone once that is
fixed. Unit figures need the schedule and attendance (`units.selectors.unit_figures_load`, several
queries), so "low on units" reads the morning chase's open "units run out" task instead; the task
closes when it is done, when the authorization is renewed or extended, or when the client leaves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat, Least

from authorizations.appeals.selectors import ACTIVE_P2P_STATUSES
from authorizations.coverage.selectors import STALE_AFTER_DAYS, coverages_due_verification
from authorizations.models import (
    APPROVING_ACTIONS,
    OPEN_REVIEW_STATUSES,
    Appeal,
    AppealLevel,
    AppealOutcome,
    AuthorizationRequest,
    CallStatus,
    CaseStatus,
    ChaseKind,
    ChaseTask,
    ConcurrentReview,
    DenialCase,
    PeerToPeer,
    PeerToPeerStatus,
    RequestStatus,
    ReviewCall,
    ReviewStatus,
)
from authorizations.units.selectors import EXPIRING_WITHIN_DAYS, authorizations_in_force
from authorizations.units.services import END_THRESHOLDS, FOLLOWING_REQUEST_STATUSES
from iop.clients.models import EpisodeStatus
from iop.clients.selectors import client_name_expression
from iop.common.dates import date_short, time_hm
from iop.common.text import plural
from iop.tenancy import permissions
from iop.tenancy.models import Role
from iop.today.hooks import (
    TodayContext,
    TodayLine,
    TodayPanel,
    TodayRows,
    Tone,
    today_link,
    today_panel_register,
    today_values,
)

VA = frozenset({Role.VA})
CLINICIAN = frozenset({Role.CLINICIAN})
INTAKE = frozenset({Role.INTAKE})

# Peer-to-peer and appeal clocks this close are on the VA's day; under a day they are urgent.
DEADLINE_HORIZON = dt.timedelta(hours=72)
DEADLINE_URGENT = dt.timedelta(hours=24)
# An authorization this close to its end (or to its units running out) is urgent, and this close
# worth a warning: the chase's two tightest thresholds (3 and 7 days).
ENDS_URGENT_DAYS, ENDS_SOON_DAYS = (limit for limit, _ in END_THRESHOLDS[:2])


def _day_words(context: TodayContext, day: dt.date) -> str:
    """ "today", "tomorrow" or "Tue 8 Dec"."""
    if day == context.today:
        return "today"
    if day == context.tomorrow:
        return "tomorrow"
    return date_short(day)


def _day_time(context: TodayContext, at: dt.datetime) -> str:
    """ "today 14:30", "tomorrow 09:00" or "Tue 8 Dec 14:30", in the organization's zone."""
    local = at.astimezone(context.organization.tzinfo)
    return f"{_day_words(context, local.date())} {time_hm(local)}"


def _days_from(context: TodayContext, day_field: str) -> Func:
    """Days from the organization's today to a date column (negative when past), as SQL."""
    return Func(
        F(day_field), Value(context.today), template="(%(expressions)s)", arg_joiner=" - ", output_field=IntegerField()
    )


# --- A review's packet, in SQL and in words ---------------------------------------------------------------


def _packet_columns(review_path: str = "") -> dict[str, Any]:
    """n1: how many checklist items the packet misses (NULL without a packet); n2: 1 when its PDF
    is rendered — what `reviews.selectors.packet_state` reads, without the PDF's bytes."""
    prefix = f"{review_path}__" if review_path else ""
    return {
        "n1": F(f"{prefix}packet__missing__len"),
        "n2": Case(When(**{f"{prefix}packet__pdf__isnull": False}, then=Value(1)), default=Value(0)),
    }


def _packet_words(row: dict) -> tuple[str, bool]:
    """("Packet ready" | "Packet missing 2 items" | "Packet not prepared", ready)."""
    missing, has_pdf = row["t_n1"], row["t_n2"]
    if missing:
        return f"Packet missing {plural(missing, 'item')}", False
    if missing is None or not has_pdf:
        return "Packet not prepared", False
    return "Packet ready", True


def _call_ends() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("starts_at") + F("duration_minutes") * Value(dt.timedelta(minutes=1)), output_field=DateTimeField()
    )


def _calls_ahead(context: TodayContext, *, through: dt.date) -> QuerySet[ReviewCall]:
    """Scheduled calls not over yet, starting by the end of `through` (local)."""
    return ReviewCall.objects.alias(ends_at=_call_ends()).filter(
        status=CallStatus.SCHEDULED,
        ends_at__gt=context.now,
        starts_at__lt=context.local_midnight(through + dt.timedelta(1)),
    )


# --- Reviews today and tomorrow (VAs) ----------------------------------------------------------------------


def _reviews_rows(context: TodayContext) -> QuerySet:
    """Open reviews dated tomorrow or earlier (past due ones too: still open, still work), with
    their next call today or tomorrow."""
    call = _calls_ahead(context, through=context.tomorrow).filter(review=OuterRef("pk")).order_by("starts_at")
    reviews = ConcurrentReview.objects.filter(
        organization=context.organization, status__in=OPEN_REVIEW_STATUSES, review_date__lte=context.tomorrow
    )
    return today_values(
        reviews,
        ref="pk",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note="status",
        at=Subquery(call.values("starts_at")[:1]),
        day="review_date",
        **_packet_columns(),
    )


def _reviews_line(row: dict, context: TodayContext) -> TodayLine:
    day = row["t_day"]
    when = f"{date_short(day)} (past due)" if day < context.today else _day_words(context, day)
    call = f"Call {_day_time(context, row['t_at'])}" if row["t_at"] else "No call booked"
    url = context.url("authorizations:review", review_id=row["t_ref"]) + "#packet"
    tone: Tone
    if row["t_note"] == ReviewStatus.SUBMITTED:
        status, tone = "Submitted to the payer", "ok"
    elif row["t_note"] == ReviewStatus.PENDED:
        status, tone = "Pended: information requested", "warn"
    else:
        status, ready = _packet_words(row)
        tone = "ok" if ready else ("alert" if day <= context.today else "warn")
    return TodayLine(
        text=f"{row['t_label']} — review {when}",
        url=url,
        status=status,
        detail=call,
        tone=tone,
        client_id=row["t_client"],
    )


# --- My review calls today and tomorrow (clinicians) ---------------------------------------------------------


def _my_calls_rows(context: TodayContext) -> QuerySet:
    calls = _calls_ahead(context, through=context.tomorrow).filter(
        organization=context.organization,
        review__status__in=OPEN_REVIEW_STATUSES,
        review__clinician_id=context.membership.user_id,
    )
    return today_values(
        calls,
        ref="review_id",
        client="review__episode__client_id",
        label=client_name_expression("review__episode__client"),
        at="starts_at",
        **_packet_columns("review"),
    )


def _my_calls_line(row: dict, context: TodayContext) -> TodayLine:
    status, ready = _packet_words(row)
    today = row["t_at"].astimezone(context.organization.tzinfo).date() == context.today
    return TodayLine(
        text=f"{row['t_label']} — call {_day_time(context, row['t_at'])}",
        url=context.url("authorizations:review", review_id=row["t_ref"]) + "#calls",
        status=status,
        tone="ok" if ready else ("alert" if today else "warn"),
        client_id=row["t_client"],
    )


# --- Peer-to-peer and appeal deadlines within 72 h (VAs) --------------------------------------------------------

_P2P = "p2p"


def _open_clocks() -> dict[str, Any]:
    """An open case's clocks as `appeals.selectors.case_clocks` has them, as SQL: the peer-to-peer
    window (none scheduled or held, no appeal filed), the next level's filing deadline, the filed
    appeal's decision (each NULL when it does not run), with the levels they belong to."""
    unfiled = Appeal.objects.filter(case=OuterRef("pk"), filed_at__isnull=True, outcome=AppealOutcome.PENDING)
    unfiled = unfiled.order_by("filing_due_at")
    pending = Appeal.objects.filter(
        case=OuterRef("pk"), filed_at__isnull=False, outcome=AppealOutcome.PENDING, decision_due_at__isnull=False
    ).order_by("decision_due_at")
    p2p_open = Q(p2p_due_at__isnull=False) & ~Q(
        Exists(PeerToPeer.objects.filter(case=OuterRef("pk"), status__in=ACTIVE_P2P_STATUSES))
    )
    p2p_open &= ~Q(Exists(Appeal.objects.filter(case=OuterRef("pk"), filed_at__isnull=False)))
    return {
        "p2p_clock": Case(When(p2p_open, then=F("p2p_due_at")), default=None, output_field=DateTimeField()),
        "filing_clock": Subquery(unfiled.values("filing_due_at")[:1]),
        "filing_level": Subquery(unfiled.values("level")[:1]),
        "decision_clock": Subquery(pending.values("decision_due_at")[:1]),
        "decision_level": Subquery(pending.values("level")[:1]),
    }


def _deadline_rows(context: TodayContext) -> QuerySet:
    cases = (
        DenialCase.objects.filter(organization=context.organization, status=CaseStatus.OPEN)
        .annotate(**_open_clocks())
        # The nearest (PostgreSQL's LEAST skips NULLs).
        .annotate(next_due=Least("p2p_clock", "filing_clock", "decision_clock"))
        .filter(next_due__lte=context.now + DEADLINE_HORIZON)
    )
    # Which clock is the nearest: "p2p", "filing <level>" or "decision <level>".
    clock = Case(
        When(next_due=F("p2p_clock"), then=Value(_P2P)),
        When(next_due=F("filing_clock"), then=Concat(Value("filing "), "filing_level")),
        default=Concat(Value("decision "), "decision_level"),
    )
    return today_values(
        cases,
        ref="pk",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note=clock,
        at="next_due",
    )


def _clock_words(clock: str) -> str:
    if clock == _P2P:
        return "Peer-to-peer window closes"
    kind, _, level = clock.partition(" ")
    level_label = AppealLevel(level).label
    return f"{level_label} to file" if kind == "filing" else f"{level_label} decision due"


def _deadline_line(row: dict, context: TodayContext) -> TodayLine:
    due = row["t_at"]
    past = due <= context.now
    when = context.datetime_short(due)
    return TodayLine(
        text=f"{row['t_label']} — {_clock_words(row['t_note'])}",
        url=context.url("authorizations:denial_case", case_id=row["t_ref"])
        + ("#next" if row["t_note"] == _P2P else "#appeals"),
        status=f"Past due since {when}" if past else f"Due {when}",
        tone="alert" if past or due - context.now < DEADLINE_URGENT else "warn",
        client_id=row["t_client"],
    )


# --- Authorizations expiring or low on units (VAs) -------------------------------------------------------------


def _followed() -> Exists:
    """SQL: the authorization's next one is on its way, so nobody needs to chase it — as the
    morning chase's `_followed`: a later request of the episode (starting after the authorization
    does, not the one it was approved from) is ready, submitted or pended, or was approved. An
    approval counts only when it starts after the authorization's current end: a renewal approved
    under the same number extended this authorization (its end moved), whose new end is chased
    again as it nears."""
    return Exists(
        AuthorizationRequest.objects.filter(
            Q(status__in=FOLLOWING_REQUEST_STATUSES)
            | Q(
                status=RequestStatus.DETERMINED,
                determinations__action__in=APPROVING_ACTIONS,
                start_date__gt=OuterRef("end_date"),
            ),
            episode_id=OuterRef("episode_id"),
            start_date__gt=OuterRef("start_date"),
        ).exclude(pk=OuterRef("determination__request_id"))
    )


def _expiring_rows(context: TodayContext) -> QuerySet:
    units_out = ChaseTask.objects.filter(
        authorization=OuterRef("pk"), kind=ChaseKind.UNITS_BEFORE_REVIEW, done_at__isnull=True
    )
    authorizations = (
        authorizations_in_force(organization=context.organization, today=context.today)
        .filter(episode__status=EpisodeStatus.ACTIVE)
        .exclude(_followed())
        .annotate(units_out=Subquery(units_out.values("due_date")[:1]))
        .filter(Q(end_date__lte=context.today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)) | Q(units_out__isnull=False))
        .annotate(soonest=Least("end_date", "units_out"))
    )
    return today_values(
        authorizations,
        ref="pk",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note="number",
        day="soonest",
        n1=_days_from(context, "end_date"),
        n2=_days_from(context, "units_out"),
    )


def _in_days(days: int) -> str:
    return "today" if days == 0 else ("tomorrow" if days == 1 else f"in {days} days")


def _expiring_line(row: dict, context: TodayContext) -> TodayLine:
    ends_in, units_in = row["t_n1"], row["t_n2"]
    end = context.today + dt.timedelta(days=ends_in)
    ends = f"Ends {date_short(end)} ({_in_days(ends_in)})"
    if units_in is not None and units_in < ends_in:
        out = context.today + dt.timedelta(days=max(units_in, 0))
        status, detail, soonest = f"Units run out {date_short(out)}", ends, units_in
    else:
        status, detail, soonest = ends, "", ends_in
    return TodayLine(
        text=f"{row['t_label']} — {row['t_note']}",
        url=context.url("authorizations:authorization_detail", authorization_id=row["t_ref"]) + "#units-title",
        status=status,
        detail=detail,
        tone="alert" if soonest <= ENDS_URGENT_DAYS else ("warn" if soonest <= ENDS_SOON_DAYS else ""),
        client_id=row["t_client"],
    )


# --- Verifications due or stale (intake) --------------------------------------------------------------------------


def _verification_rows(context: TodayContext) -> QuerySet:
    coverages = coverages_due_verification(organization=context.organization, today=context.today)
    return today_values(
        coverages,
        ref="pk",
        client="client_id",
        label=client_name_expression("client"),
        note="payer__name",
        at="latest_verified_at",
        n1="verified_days_ago",
    )


def _verification_line(row: dict, context: TodayContext) -> TodayLine:
    age = row["t_n1"]
    tone: Tone
    if row["t_at"] is None:
        status, tone = "Not verified", "alert"
    elif age > STALE_AFTER_DAYS:
        status, tone = f"Verified {age} days ago", "warn"
    else:
        status, tone = "A new plan year began since it was verified", "warn"
    return TodayLine(
        text=f"{row['t_label']} — {row['t_note']}",
        url=context.url("authorizations:coverage_detail", coverage_id=row["t_ref"]) + "#verifications-title",
        status=status,
        tone=tone,
        client_id=row["t_client"],
    )


# --- Requests: to finish, decisions overdue, pended (intake) ------------------------------------------------------


def _requests(context: TodayContext, *statuses: str) -> QuerySet[AuthorizationRequest]:
    return AuthorizationRequest.objects.filter(organization=context.organization, status__in=statuses)


def _request_values(requests: QuerySet, **columns: Any) -> QuerySet:
    return today_values(
        requests,
        ref="pk",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note="status",
        **columns,
    )


def _request_url(context: TodayContext, row: dict, anchor: str) -> str:
    return context.url("authorizations:request_detail", request_id=row["t_ref"]) + anchor


def _drafts_rows(context: TodayContext) -> QuerySet:
    """Drafts and requests ready to submit; a review's renewal request is finished from its
    review (its packet), on the VA's day, so it is left out here."""
    requests = _requests(context, RequestStatus.DRAFT, RequestStatus.READY).filter(review__isnull=True)
    return _request_values(requests, day="start_date")


def _drafts_line(row: dict, context: TodayContext) -> TodayLine:
    start = row["t_day"]
    ready = row["t_note"] == RequestStatus.READY
    return TodayLine(
        text=row["t_label"],
        url=_request_url(context, row, "#status" if ready else "#details"),
        status="Ready to submit" if ready else "Draft",
        detail=f"{'Started' if start < context.today else 'Starts'} {date_short(start)}",
        tone="alert" if start <= context.today else ("warn" if start <= context.today + dt.timedelta(days=3) else ""),
        client_id=row["t_client"],
    )


def _overdue_rows(context: TodayContext) -> QuerySet:
    requests = _requests(context, RequestStatus.SUBMITTED).filter(decision_due_at__lt=context.now)
    return _request_values(requests, at="decision_due_at")


def _overdue_line(row: dict, context: TodayContext) -> TodayLine:
    return TodayLine(
        text=row["t_label"],
        url=_request_url(context, row, "#determinations"),
        status=f"Decision was due {context.datetime_short(row['t_at'])}",
        tone="alert",
        client_id=row["t_client"],
    )


def _pended_rows(context: TodayContext) -> QuerySet:
    return _request_values(_requests(context, RequestStatus.PENDED), day="information_due")


def _pended_line(row: dict, context: TodayContext) -> TodayLine:
    due = row["t_day"]
    tone: Tone
    if due is None:
        status, tone = "Information requested", "warn"
    elif due < context.today:
        status, tone = f"Information overdue since {date_short(due)}", "alert"
    else:
        soon = due <= context.tomorrow
        status, tone = f"Information due {_day_words(context, due)}", "warn" if soon else ""
    return TodayLine(
        text=row["t_label"],
        url=_request_url(context, row, "#status"),
        status=status,
        tone=tone,
        client_id=row["t_client"],
    )


# --- Denials to act on (intake) -------------------------------------------------------------------------------------


def _denials_rows(context: TodayContext) -> QuerySet:
    """Open cases with nothing in motion: no peer-to-peer scheduled, no appeal filed and awaiting
    its decision, no letter drafted for the next level. Drafting the letter, booking the
    peer-to-peer, filing or closing the case takes it off."""
    unfiled = Appeal.objects.filter(case=OuterRef("pk"), filed_at__isnull=True, outcome=AppealOutcome.PENDING).order_by(
        "filing_due_at"
    )
    cases = (
        DenialCase.objects.filter(organization=context.organization, status=CaseStatus.OPEN)
        .exclude(
            Exists(PeerToPeer.objects.filter(case=OuterRef("pk"), status=PeerToPeerStatus.SCHEDULED))
            | Exists(Appeal.objects.filter(case=OuterRef("pk"), filed_at__isnull=False, outcome=AppealOutcome.PENDING))
            | Exists(unfiled.exclude(letter=""))
        )
        .annotate(filing_due=Subquery(unfiled.values("filing_due_at")[:1]))
    )
    return today_values(
        cases,
        ref="pk",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note=Subquery(unfiled.values("level")[:1]),
        at="filing_due",
    )


def _denials_line(row: dict, context: TodayContext) -> TodayLine:
    url = context.url("authorizations:denial_case", case_id=row["t_ref"]) + "#next"
    if not row["t_note"]:
        return TodayLine(
            text=row["t_label"], url=url, status="Nothing left to appeal: close the case", client_id=row["t_client"]
        )
    due = row["t_at"]
    late = due - context.now < DEADLINE_URGENT
    return TodayLine(
        text=row["t_label"],
        url=url,
        status=f"{AppealLevel(row['t_note']).label}: letter not drafted",
        detail=f"File by {context.datetime_short(due)}",
        tone="alert" if late else "warn",
        client_id=row["t_client"],
    )


# --- Registration ---------------------------------------------------------------------------------------------------


def register_panels() -> None:
    panels = (
        TodayPanel(
            key="reviews_due",
            title="Reviews today and tomorrow",
            roles=VA,
            permission=permissions.REVIEW_PACKET_VIEW,
            order=200,
            rows=TodayRows(query=_reviews_rows, line=_reviews_line, order_by=("review_date", "t_at")),
            link=today_link("authorizations:reviews"),
            empty="No review today or tomorrow.",
        ),
        TodayPanel(
            key="appeal_deadlines",
            title="Peer-to-peer and appeal deadlines within 72 h",
            roles=VA,
            permission=permissions.APPEAL_MANAGE,
            order=210,
            rows=TodayRows(query=_deadline_rows, line=_deadline_line, order_by=("next_due",)),
            link=today_link("authorizations:denial_cases"),
            empty="No peer-to-peer or appeal deadline in the next 72 hours.",
        ),
        TodayPanel(
            key="authorizations_expiring",
            title="Authorizations expiring or low on units",
            roles=VA,
            permission=permissions.DETERMINATION_RECORD,
            order=220,
            rows=TodayRows(query=_expiring_rows, line=_expiring_line, order_by=("soonest", "end_date")),
            link=today_link("authorizations:worklist"),
            empty=f"No authorization ends within {EXPIRING_WITHIN_DAYS} days or runs out of units.",
        ),
        TodayPanel(
            key="my_review_calls",
            title="My review calls today and tomorrow",
            roles=CLINICIAN,
            permission=permissions.REVIEW_PACKET_VIEW,
            order=200,
            rows=TodayRows(query=_my_calls_rows, line=_my_calls_line, order_by=("starts_at",)),
            link=today_link("authorizations:reviews"),
            empty="No review call today or tomorrow.",
            personal=True,
        ),
        TodayPanel(
            key="verifications_due",
            title="Verifications due or stale",
            roles=INTAKE,
            permission=permissions.COVERAGE_MANAGE,
            order=310,
            rows=TodayRows(
                query=_verification_rows,
                line=_verification_line,
                # Never verified first, then the oldest verification.
                order_by=(F("latest_verified_at").asc(nulls_first=True),),
            ),
            link=today_link("authorizations:worklist"),
            empty="Every client in care has a current verification.",
        ),
        TodayPanel(
            key="requests_to_finish",
            title="Requests to finish",
            roles=INTAKE,
            permission=permissions.AUTH_REQUEST_MANAGE,
            order=320,
            rows=TodayRows(query=_drafts_rows, line=_drafts_line, order_by=("start_date", "created_at")),
            link=today_link("authorizations:worklist"),
            empty="No request in draft.",
        ),
        TodayPanel(
            key="decisions_overdue",
            title="Decisions overdue",
            roles=INTAKE,
            permission=permissions.DETERMINATION_RECORD,
            order=330,
            rows=TodayRows(query=_overdue_rows, line=_overdue_line, order_by=("decision_due_at",)),
            link=today_link("authorizations:worklist"),
            empty="No payer is late with a decision.",
        ),
        TodayPanel(
            key="pended_requests",
            title="Pended requests with information due",
            roles=INTAKE,
            permission=permissions.AUTH_REQUEST_MANAGE,
            order=340,
            rows=TodayRows(query=_pended_rows, line=_pended_line, order_by=("information_due",)),
            link=today_link("authorizations:worklist"),
            empty="No payer is waiting for information.",
        ),
        TodayPanel(
            key="denials_to_act_on",
            title="Denials to act on",
            roles=INTAKE,
            permission=permissions.APPEAL_MANAGE,
            order=350,
            rows=TodayRows(query=_denials_rows, line=_denials_line, order_by=("filing_due",)),
            link=today_link("authorizations:denial_cases"),
            empty="Every open denial has its next step under way.",
        ),
    )
    for panel in panels:
        today_panel_register(panel)
