"""Authorizations' columns and filter of the client list (iop.clients.hooks; registered from
`authorizations.wiring`): each client's insurance (the coverage in effect, its member id and
whether it needs verifying), the end of their authorization and their next review, and the
"Verification due" filter.

Columns read only the clients on the page (a constant number of queries, however many clients,
coverages or authorizations there are); the filter is a subquery of the list's own query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from authorizations.coverage.selectors import (
    CoverageRow,
    coverage_list,
    coverages_due_verification,
    latest_verification,
    verification_stale_reason,
)
from authorizations.models import Coverage
from authorizations.units.selectors import EXPIRING_WITHIN_DAYS, authorizations_in_force
from iop.clients.hooks import (
    ClientListColumn,
    ClientListFilter,
    client_list_column_register,
    client_list_filter_register,
)
from iop.tenancy import permissions
from iop.tenancy.models import Organization, Role

# Who works insurance and authorizations every day sees the columns until they choose their own.
DEFAULT_ROLES = frozenset({Role.INTAKE, Role.VA})


def _in_effect(coverages: QuerySet[Coverage], today: dt.date) -> QuerySet[Coverage]:
    return coverages.filter(effective_from__lte=today).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))


def _needs_verifying(coverage: Coverage, today: dt.date, organization: Organization) -> str:
    """Why the coverage needs (re-)verifying, as the insurance panel says it; "" when it does not."""
    verification = latest_verification(coverage)
    if verification is None:
        return "Never verified."
    return verification_stale_reason(verification, today, organization.tzinfo)


def clients_insurance(*, organization: Organization, client_ids) -> dict:
    """`{client_id: CoverageRow}`: each client's coverage in effect today (the primary, else the
    newest), with its latest verification and why it is due again (two queries)."""
    today = organization.local_today()
    coverages = _in_effect(coverage_list(organization=organization).filter(client_id__in=client_ids), today)
    rows: dict = {}
    for coverage in coverages.order_by("client_id", "priority", "-effective_from"):
        if coverage.client_id not in rows:
            rows[coverage.client_id] = CoverageRow(
                coverage=coverage,
                verification=latest_verification(coverage),
                stale_reason=_needs_verifying(coverage, today, organization),
                state="current",
            )
    return rows


def clients_due_verification(*, organization: Organization) -> QuerySet:
    """The ids of the clients in care with a coverage in effect never verified or due again
    (`coverages_due_verification`, Today's verifications panel's reading): a subquery of the
    list's query, no query of its own."""
    due = coverages_due_verification(organization=organization, today=organization.local_today())
    return due.values("client_id")


@dataclass(frozen=True)
class AuthorizationDates:
    """A client's active authorizations, in two dates: the last day one covers (of the one
    ending last, `authorization_id`) and the nearest review still ahead."""

    authorization_id: object
    end_date: dt.date
    days_left: int
    next_review_date: dt.date | None

    @property
    def ends_soon(self) -> bool:
        return self.days_left <= EXPIRING_WITHIN_DAYS


def clients_authorization_dates(*, organization: Organization, client_ids) -> dict:
    """`{client_id: AuthorizationDates}` of the clients with an active authorization not yet
    ended (one query)."""
    today = organization.local_today()
    rows = (
        authorizations_in_force(organization=organization, today=today)
        .filter(episode__client_id__in=client_ids)
        .values_list("episode__client_id", "pk", "end_date", "next_review_date")
        .order_by("episode__client_id", "-end_date")
    )
    found: dict = {}
    for client_id, pk, end_date, review in rows:
        review = review if review is not None and review >= today else None
        known = found.get(client_id)
        if known is None:  # the first is the one ending last
            found[client_id] = AuthorizationDates(pk, end_date, (end_date - today).days, review)
        elif review is not None and (known.next_review_date is None or review < known.next_review_date):
            found[client_id] = AuthorizationDates(known.authorization_id, known.end_date, known.days_left, review)
    return found


def register_client_list() -> None:
    columns = (
        ("authorizations_insurance", "Insurance", "insurance", clients_insurance),
        # Both read the same row per client: the list loads it once for the two.
        ("authorizations_end", "Authorization ends", "authorization_end", clients_authorization_dates),
        ("authorizations_review", "Next review", "next_review", clients_authorization_dates),
    )
    for order, (key, title, template, loader) in enumerate(columns, start=300):
        client_list_column_register(
            ClientListColumn(
                key=key,
                title=title,
                template=f"authorizations/partials/client_list_{template}.html",
                loader=loader,
                order=order,
                permission=permissions.COVERAGE_VIEW,
                default_roles=DEFAULT_ROLES,
            )
        )
    client_list_filter_register(
        ClientListFilter(
            key="verification_due",
            label="Verification due",
            help_text="Clients in care whose insurance was never verified or needs verifying again.",
            client_ids=clients_due_verification,
            order=300,
            permission=permissions.COVERAGE_VIEW,
        )
    )
