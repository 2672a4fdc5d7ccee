"""Reads for coverage and benefit verification. Each selector owns its joins: a client's coverages
with their latest verification cost two queries however many coverages there are."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, TruncDate

from authorizations.models import BenefitVerification, Coverage, Payer, PayerPlan
from iop.clients.models import OPEN_EPISODE_STATUSES, Episode
from iop.common.dates import date_full
from iop.tenancy.models import Organization


def _latest_verification() -> Prefetch:
    """Each coverage's newest verification, as `latest_verifications` (a list of 0 or 1): one query
    for any number of coverages (DISTINCT ON the coverage, newest first). The raw 271 stays in the
    database: the panel and lists never show it."""
    return Prefetch(
        "verifications",
        queryset=BenefitVerification.objects.select_related("verified_by")
        .defer("raw_271")
        .order_by("coverage_id", "-verified_at", "-id")
        .distinct("coverage_id"),
        to_attr="latest_verifications",
    )


def latest_verification(coverage: Coverage) -> BenefitVerification | None:
    """The newest verification of a coverage loaded by a selector of this module (no query)."""
    latest = getattr(coverage, "latest_verifications", None)
    return latest[0] if latest else None


def latest_verifications_by_coverage(coverage_ids) -> dict:
    """`{coverage id: its newest verification}` in one query (DISTINCT ON the coverage)."""
    ids = set(coverage_ids)
    if not ids:
        return {}
    newest = (
        BenefitVerification.objects.filter(coverage_id__in=ids)
        .defer("raw_271")
        .order_by("coverage_id", "-verified_at", "-id")
        .distinct("coverage_id")
    )
    return {v.coverage_id: v for v in newest}


def coverage_list(*, organization: Organization, client_id=None) -> QuerySet[Coverage]:
    """Coverages with payer, plan and latest verification; the client's, when `client_id` is given."""
    qs = Coverage.objects.filter(organization=organization).select_related("payer", "plan")
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.prefetch_related(_latest_verification())


def client_coverages(*, organization: Organization, client_id) -> QuerySet[Coverage]:
    """The client's coverages, primary first and then the newest, with payer and plan and each one's
    `latest_verifications`: the insurance panel's rows and the choices of a request's coverage."""
    return coverage_list(organization=organization, client_id=client_id).order_by("priority", "-effective_from")


@dataclass(frozen=True)
class CoverageRow:
    coverage: Coverage
    verification: BenefitVerification | None
    stale_reason: str  # "" when the verification is current
    state: str  # "current", "ended" or "future"


def _state(coverage: Coverage, today) -> str:
    if coverage.effective_to is not None and coverage.effective_to < today:
        return "ended"
    return "future" if coverage.effective_from > today else "current"


def client_coverage_rows(*, organization: Organization, client_id) -> list[CoverageRow]:
    """The client page's insurance panel: the client's coverages, primary first, each with its
    latest verification and whether that is due again (two queries, however many coverages)."""
    today = organization.local_today()
    rows = []
    for coverage in client_coverages(organization=organization, client_id=client_id):
        verification = latest_verification(coverage)
        reason = verification_stale_reason(verification, today, organization.tzinfo) if verification else ""
        rows.append(
            CoverageRow(
                coverage=coverage, verification=verification, stale_reason=reason, state=_state(coverage, today)
            )
        )
    return rows


def coverage_get(*, organization: Organization, coverage_id) -> Coverage | None:
    """One coverage with its client, payer and plan (and latest verification), or None — another
    organization's id is None like an unknown one."""
    return (
        coverage_list(organization=organization)
        .select_related("client", "payer", "plan")
        .filter(pk=coverage_id)
        .first()
    )


def coverage_verifications(*, coverage: Coverage) -> list[BenefitVerification]:
    """Every verification of the coverage, newest first, with who recorded it and the benefit
    lines of the imported ones (one more query)."""
    return list(
        BenefitVerification.objects.filter(coverage=coverage)
        .select_related("verified_by")
        .prefetch_related("benefit_lines")
        .order_by("-verified_at", "-id")
    )


def verification_list(*, organization: Organization, with_benefit_lines: bool = False) -> QuerySet[BenefitVerification]:
    """Verifications with their coverage (for the client id) and who recorded them; and their
    benefit lines (one more query) when asked."""
    qs = BenefitVerification.objects.filter(organization=organization).select_related("coverage", "verified_by")
    return qs.prefetch_related("benefit_lines") if with_benefit_lines else qs


def payer_choices(*, organization: Organization, keep_id=None) -> QuerySet[Payer]:
    """Active payers, plus `keep_id` (a coverage's payer that has since been deactivated)."""
    active = Q(is_active=True) | Q(pk=keep_id) if keep_id else Q(is_active=True)
    return Payer.objects.filter(active, organization=organization).order_by("name")


def plan_choices(*, organization: Organization, keep_id=None) -> QuerySet[PayerPlan]:
    active = (
        Q(is_active=True, payer__is_active=True) | Q(pk=keep_id)
        if keep_id
        else Q(is_active=True, payer__is_active=True)
    )
    return (
        PayerPlan.objects.filter(active, organization=organization)
        .select_related("payer")
        .order_by("payer__name", "name")
    )


def payer_detail_list(*, organization: Organization) -> QuerySet[Payer]:
    """Every payer with its plans and rules (the API's payers)."""
    return Payer.objects.filter(organization=organization).prefetch_related("plans", "rules")


# --- When a verification is due again ---------------------------------------------------------------

# A verification older than this is due again (as is one from before a plan-year start).
STALE_AFTER_DAYS = 30


def _anniversary(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:  # 29 February in a common year
        return dt.date(year, month, 28)


def next_plan_year_start(*, plan_year_start: dt.date | None, after: dt.date) -> dt.date:
    """The first plan-year start after `after` (1 January when the plan year is not known: most
    plans reset benefits with the calendar year)."""
    month, day = (plan_year_start.month, plan_year_start.day) if plan_year_start else (1, 1)
    start = _anniversary(after.year, month, day)
    return start if start > after else _anniversary(after.year + 1, month, day)


def verification_stale_reason(verification: BenefitVerification, today: dt.date, tzinfo=None) -> str:
    """Why the verification is due again ("" when it is not): older than 30 days, or a plan year
    started since it was done. `tzinfo` is the organization's (the day it was verified there)."""
    verified_at = verification.verified_at
    verified_on = verified_at.astimezone(tzinfo).date() if tzinfo is not None else verified_at.date()
    age = (today - verified_on).days
    if age > STALE_AFTER_DAYS:
        return f"Verified {age} days ago (more than {STALE_AFTER_DAYS})."
    reset = next_plan_year_start(plan_year_start=verification.plan_year_start, after=verified_on)
    if reset <= today:
        return f"A new plan year began on {date_full(reset)}, after this verification."
    return ""


def verification_is_stale(verification: BenefitVerification, today: dt.date, tzinfo=None) -> bool:
    return bool(verification_stale_reason(verification, today, tzinfo))


def _anniversary_sql(year: int) -> Func:
    """The plan year's start in `year` (`_anniversary`: 29 February is the 28th in a common
    year), from the row's `plan_month` and `plan_day`, as SQL."""
    february_29 = 29 if calendar.isleap(year) else 28
    day = Case(When(plan_month=2, plan_day=29, then=Value(february_29)), default=F("plan_day"))
    return Func(Value(year), F("plan_month"), day, function="make_date", output_field=DateField())


def coverages_due_verification(*, organization: Organization, today: dt.date) -> QuerySet[Coverage]:
    """Current coverages of clients in care (an open episode) never verified or whose newest
    verification is due again — `verification_stale_reason` in SQL, one query for any number —
    with `latest_verified_at` (None when never) and `verified_days_ago`.

    A plan year began since the verification when its start in this year or the last falls after
    the day it was verified and by today: only those two can, since a verification older than
    `STALE_AFTER_DAYS` is due anyway."""
    newest = BenefitVerification.objects.filter(coverage=OuterRef("pk")).order_by("-verified_at", "-id")
    verified_on = TruncDate("verified_at", tzinfo=organization.tzinfo)
    plan_year_start = Subquery(newest.values("plan_year_start")[:1])
    coverages = (
        Coverage.objects.filter(organization=organization, effective_from__lte=today)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .filter(Exists(Episode.objects.filter(client=OuterRef("client"), status__in=OPEN_EPISODE_STATUSES)))
        .annotate(
            latest_verified_at=Subquery(newest.values("verified_at")[:1]),
            verified_on=Subquery(newest.annotate(on=verified_on).values("on")[:1]),
            # Without a known plan year, benefits reset on 1 January (`next_plan_year_start`).
            # EXTRACT is numeric in PostgreSQL; make_date takes integers.
            plan_month=Coalesce(Cast(ExtractMonth(plan_year_start), IntegerField()), 1),
            plan_day=Coalesce(Cast(ExtractDay(plan_year_start), IntegerField()), 1),
        )
        .annotate(
            verified_days_ago=Func(
                Value(today),
                F("verified_on"),
                template="(%(expressions)s)",
                arg_joiner=" - ",
                output_field=IntegerField(),
            ),
            plan_start_last_year=_anniversary_sql(today.year - 1),
            plan_start_this_year=_anniversary_sql(today.year),
        )
    )
    return coverages.filter(
        Q(latest_verified_at__isnull=True)
        | Q(verified_on__lt=today - dt.timedelta(days=STALE_AFTER_DAYS))
        | Q(verified_on__lt=F("plan_start_last_year"), plan_start_last_year__lte=today)
        | Q(verified_on__lt=F("plan_start_this_year"), plan_start_this_year__lte=today)
    )
