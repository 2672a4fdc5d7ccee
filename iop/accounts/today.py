"""The accounts app's panel on Today (registered from `iop.accounts.wiring`): for organization
admins, the invitations nobody has accepted yet. A row panel: its rows come in the board's one
query."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, QuerySet, Value, When

from iop.accounts.selectors import invitation_pending_list
from iop.common.dates import datetime_short
from iop.tenancy import permissions
from iop.tenancy.models import Role
from iop.today.hooks import (
    TodayContext,
    TodayLine,
    TodayPanel,
    TodayRows,
    today_link,
    today_panel_register,
    today_values,
)

# An invitation expiring this soon is worth a warning (send it again, or ask the person).
EXPIRES_SOON = dt.timedelta(hours=24)


def _invitation_rows(context: TodayContext) -> QuerySet:
    invitations = invitation_pending_list(organization=context.organization)
    return today_values(
        invitations,
        ref="pk",
        label="email",
        note="role",
        at="expires_at",
        n1=Case(When(sent_at__isnull=True, then=Value(0)), default=Value(1)),
    )


def _invitation_line(row: dict, context: TodayContext) -> TodayLine:
    soon = row["t_at"] - context.now < EXPIRES_SOON
    return TodayLine(
        text=f"{row['t_label']} — {Role(row['t_note']).label}",
        url=context.url("clients:team") + "#pending-title",
        status=f"Expires {datetime_short(row['t_at'], context.organization.tzinfo)}",
        # The email goes out from the worker; still unsent a while later, the worker may be down.
        detail="" if row["t_n1"] else "Email not sent yet",
        tone="warn" if soon else "",
    )


def register_panels() -> None:
    today_panel_register(
        TodayPanel(
            key="team_invitations",
            title="Team invitations",
            roles=frozenset({Role.ORG_ADMIN}),
            permission=permissions.MEMBER_MANAGE,
            order=910,
            rows=TodayRows(query=_invitation_rows, line=_invitation_line, order_by=("expires_at",)),
            link=today_link("clients:team"),
            empty="No invitation waiting to be accepted.",
        )
    )
