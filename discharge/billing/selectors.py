"""Reads of the episode's billing: its billing lines and imports, the reconciliation computed
from them (`discharge.billing.reconciliation`), and the states the discharge page and the
Discharges worklist show (contracts 1-3 of issue 12).

"Units attended" come from the authorizations' unit burn-down (`authorizations.units.selectors.
units_load`, each line's own figure), never counted again here. Every loader reads any number of
episodes in a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from authorizations.models import Authorization, AuthorizationStatus
from authorizations.units.selectors import authorization_lines, units_load
from discharge.billing.reconciliation import AuthLine, Billed, Reconciliation, reconcile
from discharge.models import BillingImport, BillingLine, EpisodeReconciliation, ReconciliationStatus
from iop.clients.models import Episode, EpisodeStatus
from iop.tenancy.models import Organization

# Authorizations that cover dates of service (a cancelled one never did).
COVERING = (AuthorizationStatus.ACTIVE, AuthorizationStatus.ENDED)
CLOSED = (ReconciliationStatus.RECONCILED, ReconciliationStatus.WRITTEN_OFF)
ENDED_EPISODE_STATUSES = (EpisodeStatus.STEP_DOWN, EpisodeStatus.DISCHARGED)


def billing_line_list(*, organization: Organization):
    return BillingLine.objects.filter(organization=organization).select_related(
        "episode__client", "authorization_line__authorization", "source_import"
    )


def billing_line_get(*, organization: Organization, line_id) -> BillingLine | None:
    return billing_line_list(organization=organization).filter(pk=line_id).first()


def billing_import_list(*, organization: Organization):
    return BillingImport.objects.filter(organization=organization).select_related("imported_by")


def episode_get(*, organization: Organization, episode_id) -> Episode | None:
    return Episode.objects.filter(organization=organization, pk=episode_id).select_related("client", "program").first()


def _billed(line: BillingLine) -> Billed:
    return Billed(
        id=line.pk,
        service_date=line.service_date,
        code=line.code,
        units=line.units,
        billed_amount=line.billed_amount,
        paid_amount=line.paid_amount,
        status=line.status,
        adjustment_reasons=tuple(line.adjustment_reasons or ()),
        authorization_number=line.authorization_number,
        authorization_line_id=line.authorization_line_id,
        claim_number=line.claim_number,
    )


def reconciliations_load(episode_ids: Iterable, *, organization: Organization, now: dt.datetime | None = None) -> dict:
    """`{episode_id: Reconciliation}` for the episodes (at most nine queries however many: their
    covering authorizations, the unit burn-down's loaders, their billing lines)."""
    episode_ids = list(dict.fromkeys(episode_ids))
    if not episode_ids:
        return {}
    authorizations = list(
        Authorization.objects.filter(organization=organization, episode_id__in=episode_ids, status__in=COVERING)
    )
    figures = units_load(authorizations, organization=organization, now=now).by_line
    lines: dict = defaultdict(list)
    for authorization in authorizations:
        for line in authorization_lines(authorization):
            figure = figures.get(line.pk)
            lines[authorization.episode_id].append(
                AuthLine(
                    id=line.pk,
                    authorization_number=authorization.number,
                    code=line.code,
                    unit_type=line.unit_type,
                    start_date=line.start_date,
                    end_date=line.end_date,
                    authorized=line.units_authorized,
                    attended=figure.used if figure is not None and figure.counted else None,
                )
            )
    billed: dict = defaultdict(list)
    for row in BillingLine.objects.filter(organization=organization, episode_id__in=episode_ids):
        billed[row.episode_id].append(_billed(row))
    return {episode_id: reconcile(lines[episode_id], billed[episode_id]) for episode_id in episode_ids}


@dataclass
class EpisodeBilling:
    """The reconciliation page's data: the episode, its billing lines, the computed reconciliation,
    the close-out record (None until closed) and the episode's imports."""

    episode: Episode
    lines: list[BillingLine]
    reconciliation: Reconciliation
    record: EpisodeReconciliation | None

    @property
    def status(self) -> str:
        return self.record.status if self.record is not None else ReconciliationStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


def episode_billing(*, episode: Episode, now: dt.datetime | None = None) -> EpisodeBilling:
    organization = episode.organization
    lines = list(
        billing_line_list(organization=organization).filter(episode=episode).order_by("service_date", "code", "pk")
    )
    reconciliation = reconciliations_load([episode.pk], organization=organization, now=now)[episode.pk]
    record = EpisodeReconciliation.objects.filter(organization=organization, episode=episode).first()
    return EpisodeBilling(episode=episode, lines=lines, reconciliation=reconciliation, record=record)


def episode_reconciliation_state(episode: Episode) -> tuple[str, int]:
    """Contract 2: ("open" | "reconciled" | "written_off", the discrepancies left) for the episode."""
    organization = episode.organization
    record = EpisodeReconciliation.objects.filter(organization=organization, episode=episode).first()
    count = reconciliations_load([episode.pk], organization=organization)[episode.pk].count
    return (record.status if record is not None else ReconciliationStatus.OPEN), count


def billing_closed(episode: Episode) -> bool:
    """For the episode's close-out (the plans helper's discharge completion): True once its billing
    is reconciled or written off."""
    return EpisodeReconciliation.objects.filter(
        organization_id=episode.organization_id, episode=episode, status__in=CLOSED
    ).exists()


@dataclass
class UnreconciledRow:
    episode: Episode
    discrepancy_count: int

    @property
    def client_id(self):
        return self.episode.client_id


def unreconciled_episodes(*, organization: Organization, now: dt.datetime | None = None) -> list[UnreconciledRow]:
    """Contract 3: ended episodes (stepped down or discharged) whose billing is neither reconciled
    nor written off, with their discrepancy count, the most discrepancies first. A constant number
    of queries."""
    episodes = list(
        Episode.objects.filter(organization=organization, status__in=ENDED_EPISODE_STATUSES)
        .exclude(reconciliation__status__in=CLOSED)
        .select_related("client", "program")
        .order_by("discharge_date", "step_down_date", "pk")
    )
    loaded = reconciliations_load([e.pk for e in episodes], organization=organization, now=now)
    rows = [UnreconciledRow(episode=e, discrepancy_count=loaded[e.pk].count) for e in episodes]
    return sorted(rows, key=lambda row: -row.discrepancy_count)
