"""Authorizations' columns of the census board (registered from `authorizations.wiring`): the
units left on each client's current authorization (the burn-down's own count), flagged when they
will not last a week, and the next concurrent review, flagged when it is two days away or less."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from authorizations.models import OPEN_REVIEW_STATUSES, Authorization, ConcurrentReview
from authorizations.units.selectors import UnitFigures, authorizations_in_force, unit_figures_load, unit_noun
from iop.clients.models import Episode
from iop.common.dates import date_short
from iop.tenancy import permissions
from iop.tenancy.models import Organization
from iop.today.hooks import CensusCell, CensusColumn, census_column_register

# A review this many days away or closer is highlighted (the packet and the call need preparing).
REVIEW_SOON_DAYS = 2
WEEK = 7


def current_authorizations(*, organization: Organization, episode_ids: list, today: dt.date) -> dict:
    """`{episode_id: Authorization}`: the active authorization covering `today` (the latest
    starting, when a continuation overlaps), with its coverage, episode and lines (two queries)."""
    found: dict = {}
    authorizations = (
        authorizations_in_force(organization=organization, today=today)
        .filter(episode_id__in=episode_ids, start_date__lte=today)
        .select_related("coverage", "episode")
        .prefetch_related("lines")
        .order_by("episode_id", "-start_date", "-created_at")
    )
    for authorization in authorizations:
        found.setdefault(authorization.episode_id, authorization)
    return found


def week_need(figures: UnitFigures, today: dt.date) -> int:
    """A week's need: the units the client's attendance today and bookings of the next six days
    use, as the burn-down counts them."""
    until = today + dt.timedelta(days=WEEK - 1)
    return sum(used + booked for day, used, booked in figures.days if today <= day <= until)


def _units_cell(authorization: Authorization, figures: UnitFigures | None, today: dt.date, url: str) -> CensusCell:
    ends = f"ends {date_short(authorization.end_date)}"
    if figures is None or not figures.counted:
        units = authorization.units_authorized
        return CensusCell(text=f"{units} {unit_noun(authorization.unit_type, units)}", detail=ends, url=url)
    left = figures.remaining
    text = f"{max(left, 0)} {unit_noun(authorization.unit_type, max(left, 0))} left"
    if left <= 0:
        return CensusCell(text=text, tone="alert", detail=f"Used up; {ends}", url=url)
    need = week_need(figures, today)
    if left < need:
        return CensusCell(text=text, tone="warn", detail=f"A week's bookings need {need}; {ends}", url=url)
    return CensusCell(text=text, detail=f"of {figures.authorized}; {ends}", url=url)


def units_cells(*, organization: Organization, episodes: list[Episode], today: dt.date) -> dict:
    """Each row's current authorization with its units left (the authorizations and their lines,
    then the burn-down's loads: attended and booked sessions, payer rules, the code list)."""
    current = current_authorizations(organization=organization, episode_ids=[e.pk for e in episodes], today=today)
    figures = unit_figures_load(
        list(current.values()), organization=organization, now=organization.local_datetime(today, dt.time(12))
    )
    cells = {}
    for episode_id, authorization in current.items():
        url = reverse(
            "authorizations:authorization_detail",
            kwargs={"org_slug": organization.slug, "authorization_id": authorization.pk},
        )
        cells[episode_id] = _units_cell(authorization, figures.get(authorization.pk), today, url)
    return cells


def review_cells(*, organization: Organization, episodes: list[Episode], today: dt.date) -> dict:
    """Each row's next open concurrent review (one query)."""
    reviews = ConcurrentReview.objects.filter(
        organization=organization, episode_id__in=[e.pk for e in episodes], status__in=OPEN_REVIEW_STATUSES
    ).order_by("episode_id", "review_date", "pk")
    cells: dict = {}
    for review in reviews:
        if review.episode_id in cells:
            continue
        days = (review.review_date - today).days
        url = reverse("authorizations:review", kwargs={"org_slug": organization.slug, "review_id": review.pk})
        text = date_short(review.review_date)
        if days < 0:
            cells[review.episode_id] = CensusCell(text=text, tone="alert", detail="Past its date, still open", url=url)
        elif days <= REVIEW_SOON_DAYS:
            when = {0: "Today", 1: "Tomorrow"}.get(days, f"In {days} days")
            cells[review.episode_id] = CensusCell(text=text, tone="warn", detail=when, url=url)
        else:
            cells[review.episode_id] = CensusCell(text=text, detail=f"In {days} days", url=url)
    return cells


def register_census() -> None:
    census_column_register(
        CensusColumn(
            key="units_left", title="Units left", order=40, permission=permissions.COVERAGE_VIEW, load=units_cells
        )
    )
    census_column_register(
        CensusColumn(
            key="next_review", title="Next review", order=50, permission=permissions.REVIEW_VIEW, load=review_cells
        )
    )
