"""The clients app's panel on Today (registered from `iop.clients.wiring`): the referrals the
intake specialist has to admit. A row panel: its rows come in the board's one query."""

from __future__ import annotations

from django.db.models import QuerySet

from iop.clients.models import Episode, EpisodeStatus
from iop.clients.selectors import client_name_expression
from iop.common.dates import date_short
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

# Episodes waiting to be admitted.
TO_ADMIT = (EpisodeStatus.REFERRED, EpisodeStatus.INTAKE)


def _referral_rows(context: TodayContext) -> QuerySet:
    episodes = Episode.objects.filter(organization=context.organization, status__in=TO_ADMIT)
    return today_values(
        episodes,
        ref="client_id",
        client="client_id",
        label=client_name_expression(),
        note="status",
        day="referral_date",
    )


def _referral_line(row: dict, context: TodayContext) -> TodayLine:
    referred = row["t_day"]
    waiting = (context.today - referred).days
    return TodayLine(
        text=row["t_label"],
        url=context.url("clients:client_detail", client_id=row["t_ref"]) + "#status",
        status=EpisodeStatus(row["t_note"]).label,
        detail=f"Referred {date_short(referred)}" + (f" ({waiting} days ago)" if waiting > 1 else ""),
        client_id=row["t_client"],
    )


def register_panels() -> None:
    today_panel_register(
        TodayPanel(
            key="referrals_to_admit",
            title="Referrals to admit",
            roles=frozenset({Role.INTAKE}),
            permission=permissions.EPISODE_TRANSITION,
            order=300,
            rows=TodayRows(query=_referral_rows, line=_referral_line, order_by=("referral_date", "created_at")),
            link=today_link("clients:client_list"),
            empty="No referral waiting to be admitted.",
        )
    )
