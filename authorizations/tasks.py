"""Authorizations' Celery jobs: thin adapters from beat to the services.

Arguments are ids only, `organization_id` first (broker messages are plain text, so no PHI), and
the per-organization task is a `TenantTask`: it runs inside that tenant, under RLS like a web
request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import OperationalError

from iop.common.tasks import DB_RETRY, TenantTask, active_organization, organizations_fan_out
from iop.notifications.providers import ProviderError
from iop.notifications.services import PENDING_STUCK_AFTER, MessageInFlight

# --- The morning chase ---------------------------------------------------------------------------
# Beat runs the scan every 15 minutes; each organization acts from 07:00 in its own zone
# (services_units.CHASE_TIME), and later runs that day are no-ops: chase tasks are unique per
# authorization (or request) and kind, notifications carry dedupe keys.


@shared_task(name="authorizations.chase_scan")
def chase_scan() -> None:
    organizations_fan_out(chase_org)


@shared_task(base=TenantTask, name="authorizations.chase_org", reject_on_worker_lost=True, **DB_RETRY)
def chase_org(organization_id: int) -> int:
    """Expiring authorizations, units running out before review, overdue decisions and pended
    requests whose information is due: the tasks (and notices) not raised before."""
    from authorizations.units.services import authorizations_chase

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return len(authorizations_chase(organization=organization))


# --- Client messages -----------------------------------------------------------------------------
# Routed to the `notifications` queue. Retried on a provider or database hiccup; each message has a
# stable key (`message_send_once`), so a retried or redelivered task sends nothing twice, and a
# redelivery that finds its message in flight (its worker may have died mid-send) looks again once
# that worker is known dead.

CLIENT_MESSAGE_TASK: dict[str, Any] = {
    "base": TenantTask,
    "bind": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (ProviderError, ConnectionError, OperationalError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def _deliver_once(task, deliver: Callable[..., str], **ids: str) -> str:
    try:
        return deliver(**ids)
    except MessageInFlight as exc:
        raise task.retry(exc=exc, countdown=int(PENDING_STUCK_AFTER.total_seconds()) + 60) from exc


@shared_task(name="authorizations.approval_message_send", **CLIENT_MESSAGE_TASK)
def approval_message_send(self, organization_id: int, determination_id: str, client_id: str) -> str:
    """Tell a client (or the other partner of a couple's packet) that an authorization was approved."""
    from authorizations.requests.services.notices import approval_message_deliver

    return _deliver_once(self, approval_message_deliver, determination_id=determination_id, client_id=client_id)


# --- Deadline clocks -----------------------------------------------------------------------------
# Hourly: review submissions, peer-to-peer windows, appeal filing and decision deadlines
# (`authorizations.escalations`). A repeat run escalates nothing twice (unique escalation rows).


@shared_task(name="authorizations.clocks_scan")
def clocks_scan() -> None:
    organizations_fan_out(clocks_org)


@shared_task(base=TenantTask, name="authorizations.clocks_org", reject_on_worker_lost=True, **DB_RETRY)
def clocks_org(organization_id: int) -> int:
    from authorizations.escalations import clocks_escalate

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return len(clocks_escalate(organization=organization))


# --- Concurrent reviews --------------------------------------------------------------------------
# Hourly, the safety net behind the call made at every approval: every active authorization
# without an open review gets one. A re-run creates nothing (one open review per authorization).


@shared_task(name="authorizations.reviews_sync_scan")
def reviews_sync_scan() -> None:
    organizations_fan_out(reviews_sync_org)


@shared_task(base=TenantTask, name="authorizations.reviews_sync_org", reject_on_worker_lost=True, **DB_RETRY)
def reviews_sync_org(organization_id: int) -> int:
    from authorizations.reviews.services.calendar import reviews_sync

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return len(reviews_sync(organization=organization))


@shared_task(name="authorizations.review_outcome_message_send", **CLIENT_MESSAGE_TASK)
def review_outcome_message_send(self, organization_id: int, determination_id: str, client_id: str) -> str:
    """Tell a client (or the other partner of a couple's packet) about a review's pend or step-down."""
    from authorizations.reviews.services.outcomes import review_outcome_message_deliver

    return _deliver_once(self, review_outcome_message_deliver, determination_id=determination_id, client_id=client_id)


# --- Denial messages -------------------------------------------------------------------------------------
# A client hears of a denial once (key `denial:<case>:<client>`).


@shared_task(name="authorizations.denial_message_send", **CLIENT_MESSAGE_TASK)
def denial_message_send(self, organization_id: int, case_id: str, client_id: str) -> str:
    """Tell a client (or a couple's other partner) that the program is appealing a denial, and their rights."""
    from authorizations.appeals.messages import denial_message_deliver

    return _deliver_once(self, denial_message_deliver, case_id=case_id, client_id=client_id)


# --- Review calls --------------------------------------------------------------------------------
# Every 5 minutes: the clinician's reminders of review calls, the evening before and an hour
# before. A repeat run tells nobody twice (one notice per recipient and call-time-kind key).


@shared_task(name="authorizations.review_call_reminders_scan")
def review_call_reminders_scan() -> None:
    organizations_fan_out(review_call_reminders_org)


@shared_task(base=TenantTask, name="authorizations.review_call_reminders_org", reject_on_worker_lost=True, **DB_RETRY)
def review_call_reminders_org(organization_id: int) -> int:
    from authorizations.reviews.calls.services import review_call_reminders_send

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return len(review_call_reminders_send(organization=organization))


# Routed to the `notifications` queue. The invite of one version (SEQUENCE) of a call is recorded
# under its key before the mail server sees it: a redelivery sends nothing twice.
@shared_task(
    base=TenantTask,
    name="authorizations.review_call_invite_send",
    reject_on_worker_lost=True,
    autoretry_for=(ProviderError, ConnectionError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def review_call_invite_send(organization_id: int, call_id: str, sequence: int) -> bool:
    """Email the clinician the review call's invite (or its cancellation)."""
    from authorizations.reviews.calls.services import review_call_invite_deliver

    return review_call_invite_deliver(call_id=call_id, sequence=sequence) is not None


# --- Review packets ------------------------------------------------------------------------------
# Beat runs the scan every 15 minutes; each organization prepares tomorrow's packets from 18:00 in
# its own zone (packets.services.PACKET_TIME), and today's or earlier reviews still without one at
# any time. A re-run prepares nothing (one packet per review, prepared only where none exists).
# The per-organization task renders PDFs: routed to the `pdf` queue (CELERY_TASK_ROUTES).


@shared_task(name="authorizations.review_packets_scan")
def review_packets_scan() -> None:
    organizations_fan_out(review_packets_org)


@shared_task(base=TenantTask, name="authorizations.review_packets_org", reject_on_worker_lost=True, **DB_RETRY)
def review_packets_org(organization_id: int) -> int:
    from authorizations.reviews.packets.services import review_packets_prepare

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return len(review_packets_prepare(organization=organization))
