"""Daily reminders: every evening, each client in care gets tomorrow's lineup on their channel.

Exactly one message per client, day and channel, or a row a VA can see, whatever the job or the
broker repeats:
- `reminders_prepare` inserts one `ReminderDispatch` per client and channel with
  `bulk_create(ignore_conflicts=True)`; the unique (org, client, local date, channel) row makes a
  second run of the job — or a retried or redelivered task — a no-op.
- `reminders_deliver` records the rendered messages of a batch of dispatches in the outbox under
  each dispatch's idempotency key, in one committed transaction, then claims each row (`queued →
  delivering`) just before the provider sees its message; a second worker finds the row taken and
  sends nothing. The provider gets the key, and the outbox row and the dispatch are marked sent
  together afterwards, one message at a time (`reminder_deliver` is the batch of one).
- A worker that dies mid-delivery leaves the row `delivering` with a `pending` outbox row.
  `reminders_sweep_stuck` retries it under the same key when the channel's provider deduplicates
  (a message that did leave is not delivered again); otherwise nobody can know whether it left, so
  it becomes `unknown` and is listed on the Reminders page for a VA to check and resend
  (`reminder_resend`, once). Never silently lost, never sent twice under one key.
- The lineup is read again at delivery: sessions change between the evening scan and the send.

The lineups themselves are read in `reminders.selectors`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from iop.clients.models import ReminderChannel
from iop.common.crash import crash_point, pause_point
from iop.common.dates import date_short
from iop.common.exceptions import refuse
from iop.notifications.models import OutboundMessage, OutboundStatus
from iop.notifications.providers import ProviderError, provider_for
from iop.notifications.selectors import outbound_by_keys
from iop.notifications.services import outbound_deliver, outbound_mark, outbound_mark_sent, outbound_record_many
from iop.tenancy.models import Organization

from ..errors import SchedulingErrorCode
from ..models import (
    ReminderDispatch,
    ReminderStatus,
)
from .selectors import (
    ADDRESS_FIELD,
    NO_ADDRESS,
    ClientReminder,
    client_lineups,
    reminders_date,
    reminders_due,
)

if TYPE_CHECKING:
    from iop.accounts.models import User

CHANNEL_WORD = {ReminderChannel.EMAIL: "email", ReminderChannel.SMS: "SMS"}
STUCK_AFTER = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 5
CHANNEL_CHANGED = "The client changed their reminder channel."
STUCK = "The worker stopped mid-send: check with the client or the outbox, then resend if it did not arrive."
RETRYING = "The worker stopped mid-send; sending again under the same key (the provider drops a repeat)."


# --- Rendering -----------------------------------------------------------------------------------------


def reminder_render(*, reminder: ClientReminder, channel: str) -> tuple[str, str]:
    """(subject, body) of the message. The subject stays generic: it shows on lock screens."""
    day = reminder.local_date
    client = reminder.client
    context = {
        "first_name": client.preferred_name or client.first_name,
        "organization": client.organization,
        "day_label": date_short(day),
        "short_day": date_short(day),
        "items": reminder.items,
        "has_changes": reminder.has_changes,
    }
    body = render_to_string(f"scheduling/reminders/{channel}.txt", context).strip()
    return f"Your sessions on {date_short(day)}", body


# --- Writes -----------------------------------------------------------------------------------------


@transaction.atomic
def reminders_prepare(*, organization: Organization, now: dt.datetime | None = None) -> list:
    """Create tomorrow's dispatch rows (once: the unique row makes re-runs no-ops) and return the
    ids of those still waiting to be delivered. A client without an address for their channel gets
    a `skipped` row with the reason, so the VA sees it; no consent or no channel gets no row."""
    now = now or timezone.now()
    day = reminders_date(organization=organization, now=now)
    rows = []
    for reminder in client_lineups(organization=organization, local_date=day).values():
        if reminder.channel not in ADDRESS_FIELD or not reminder.client.reminder_consent:
            continue
        missing = "" if reminder.address else NO_ADDRESS[reminder.channel]
        rows.append(
            ReminderDispatch(
                organization=organization,
                client=reminder.client,
                local_date=day,
                channel=reminder.channel,
                status=ReminderStatus.SKIPPED if missing else ReminderStatus.QUEUED,
                error=missing,
            )
        )
    ReminderDispatch.objects.bulk_create(rows, ignore_conflicts=True)
    pause_point("reminders")  # fault tests: the rows written, not committed, nothing queued
    return list(
        ReminderDispatch.objects.filter(organization=organization, local_date=day, status=ReminderStatus.QUEUED)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def _finish(dispatch: ReminderDispatch, status: str, *, error: str = "") -> ReminderDispatch:
    dispatch.status = status
    dispatch.error = error[:200]
    dispatch.sent_at = timezone.now() if status == ReminderStatus.SENT else None
    dispatch.save(update_fields=["status", "error", "sent_at", "lineup", "body"])
    return dispatch


def _current_reminders(dispatches: list[ReminderDispatch]) -> dict:
    """`{dispatch id: ClientReminder}`: each client's lineup read now (three queries a day)."""
    by_day: dict[dt.date, list[ReminderDispatch]] = {}
    for dispatch in dispatches:
        by_day.setdefault(dispatch.local_date, []).append(dispatch)
    current = {}
    for day, of_day in by_day.items():
        lineups = client_lineups(
            organization=of_day[0].organization, local_date=day, client_ids=[d.client_id for d in of_day]
        )
        for dispatch in of_day:
            current[dispatch.pk] = lineups.get(dispatch.client_id) or ClientReminder(
                client=dispatch.client, local_date=day, last_sent_at=None
            )
    return current


def _prepare(dispatch_ids) -> tuple[list, list[ReminderDispatch]]:
    """Record the messages of the queued dispatches in the outbox, in one transaction committed
    before any of them is claimed: `(dispatch, message)` for those to deliver, and those whose
    client is no longer to be reminded, marked skipped. A dispatch another run holds is left out.
    Each stays `queued` until `_claim` takes it, one at a time, just before its send: a worker
    dying mid-batch leaves the rest queued with their messages recorded, and the next run sends
    those same messages under the same keys.

    A retry (after a transient error or a crash) finds its message already recorded under the
    dispatch's key and sends that same message. `durable` refuses to run inside a caller's
    transaction, where the records would not be committed before the sends."""
    with transaction.atomic(durable=True):
        dispatches = list(
            ReminderDispatch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("client__organization", "organization")
            .filter(pk__in=list(dispatch_ids), status=ReminderStatus.QUEUED, attempts__lt=MAX_ATTEMPTS)
            .order_by("created_at", "pk")
        )
        if not dispatches:
            return [], []
        organization = dispatches[0].organization
        recorded = outbound_by_keys(organization=organization, idempotency_keys=[d.idempotency_key for d in dispatches])
        reminders = _current_reminders(dispatches)
        to_deliver, skipped, new_messages, recorded_now = [], [], [], []
        for dispatch in dispatches:
            key, reminder = dispatch.idempotency_key, reminders[dispatch.pk]
            message = recorded.get(key)
            reason = reminder.blocker or (CHANNEL_CHANGED if reminder.channel != dispatch.channel else "")
            if reason:
                if message is not None:  # an earlier attempt may have sent it: nobody can tell
                    outbound_mark(organization=organization, keys=[key], status=OutboundStatus.UNKNOWN)
                dispatch.lineup = reminder.lineup_json()
                dispatch.status, dispatch.error, dispatch.sent_at = ReminderStatus.SKIPPED, reason[:200], None
                skipped.append(dispatch)
                continue
            if message is None:
                subject, body = reminder_render(reminder=reminder, channel=dispatch.channel)
                message = OutboundMessage(
                    organization=organization,
                    channel=dispatch.channel,
                    to=reminder.address,
                    subject=subject,
                    body=body,
                    client=dispatch.client,
                    idempotency_key=key,
                )
                new_messages.append(message)
                dispatch.lineup, dispatch.body = reminder.lineup_json(), body
                recorded_now.append(dispatch)
            to_deliver.append((dispatch, message))
        outbound_record_many(messages=new_messages)
        if skipped:
            ReminderDispatch.objects.bulk_update(skipped, ["status", "error", "sent_at", "lineup", "body"])
        if recorded_now:
            ReminderDispatch.objects.bulk_update(recorded_now, ["lineup", "body"])
    return to_deliver, skipped


def _claim(dispatch: ReminderDispatch) -> bool:
    """Take a prepared dispatch (`queued → delivering`), committed before its message reaches the
    provider. False when another run has (or had) it: nothing is to be sent then."""
    now = timezone.now()
    claimed = ReminderDispatch.objects.filter(
        pk=dispatch.pk, status=ReminderStatus.QUEUED, attempts__lt=MAX_ATTEMPTS
    ).update(status=ReminderStatus.DELIVERING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed:
        dispatch.status, dispatch.claimed_at, dispatch.attempts = ReminderStatus.DELIVERING, now, dispatch.attempts + 1
    return bool(claimed)


def _release_for_retry(dispatch: ReminderDispatch, error: str) -> bool:
    """After a transient provider error (the provider says the message did not go out): back to
    `queued` for a retry, or `failed` once the attempts are used up. True when it may be retried."""
    retry = dispatch.attempts < MAX_ATTEMPTS
    with transaction.atomic():
        ReminderDispatch.objects.filter(pk=dispatch.pk, status=ReminderStatus.DELIVERING).update(
            status=ReminderStatus.QUEUED if retry else ReminderStatus.FAILED, error=error[:200]
        )
        if not retry:
            outbound_mark(
                organization=dispatch.organization, keys=[dispatch.idempotency_key], status=OutboundStatus.FAILED
            )
    return retry


def reminders_deliver(*, dispatch_ids) -> dict:
    """Deliver queued dispatches: their messages recorded in bulk (`_prepare`), then each claimed,
    handed to the provider under the dispatch's key and marked sent, one after the other — at most
    one message is ever in flight unmarked. Returns `{dispatch id: dispatch}` for those this run
    delivered, skipped or failed (a dispatch another run had is left out: nothing was sent for it).
    After a transient provider error the dispatch goes back to the queue (or fails after its
    last attempt) and the others are still delivered; the error is raised at the end when a retry
    may send it, so the task retries. Never runs inside a transaction.

    The crash points are where a worker can die with a message in flight; the tests kill a real
    worker at each and find exactly one message per key, or an `unknown` row on the VA's page."""
    to_deliver, skipped = _prepare(dispatch_ids)
    done: dict = {d.pk: d for d in skipped}
    retry: ProviderError | None = None
    for dispatch, message in to_deliver:
        if not _claim(dispatch):
            continue
        crash_point("after_claim")
        label = CHANNEL_WORD[dispatch.channel]
        try:
            delivery = outbound_deliver(message=message)
        except ProviderError as exc:
            if exc.transient:
                if _release_for_retry(dispatch, f"The {label} provider was unavailable (attempt {dispatch.attempts})."):
                    retry = exc
                else:
                    done[dispatch.pk] = ReminderDispatch.objects.get(pk=dispatch.pk)
                continue
            # The provider's own text may echo the address; store only what happened.
            with transaction.atomic():
                outbound_mark(
                    organization=dispatch.organization, keys=[message.idempotency_key], status=OutboundStatus.FAILED
                )
                done[dispatch.pk] = _finish(
                    dispatch, ReminderStatus.FAILED, error=f"The {label} provider refused the message."
                )
            continue
        crash_point("after_provider_call")
        with transaction.atomic(durable=True):
            outbound_mark_sent(message=message, delivery=delivery)
            done[dispatch.pk] = _finish(dispatch, ReminderStatus.SENT)
            crash_point("before_mark_sent")  # both marks written, not committed: a crash undoes both
    if retry is not None:
        raise retry
    return done


def reminder_deliver(*, dispatch_id) -> ReminderDispatch | None:
    """`reminders_deliver` of one dispatch: the dispatch, or None when another run already claimed
    it (nothing is sent). Raises the provider's transient error after putting the row back in the
    queue, so the task can retry it."""
    return next(iter(reminders_deliver(dispatch_ids=[dispatch_id]).values()), None)


def _may_retry(dispatch: ReminderDispatch, today: dt.date) -> bool:
    """A stuck delivery is sent again only when that cannot make a second message: the provider
    drops a repeat of the key. Not once its day has passed (a late reminder is no reminder)."""
    return (
        provider_for(dispatch.channel).deduplicates
        and dispatch.attempts < MAX_ATTEMPTS
        and dispatch.local_date >= today
    )


@transaction.atomic
def reminders_sweep_stuck(*, organization: Organization, now: dt.datetime | None = None) -> list:
    """Dispatches stuck in `delivering` for over 30 minutes: their worker died (a delivery task
    is killed after 5). Back to `queued` when the delivery may be retried under its key (returns
    their ids, to deliver); otherwise `unknown`, their outbox rows too, for a VA to check."""
    now = now or timezone.now()
    stuck = list(
        ReminderDispatch.objects.select_for_update(skip_locked=True).filter(
            organization=organization, status=ReminderStatus.DELIVERING, claimed_at__lt=now - STUCK_AFTER
        )
    )
    today = organization.local_today(now)
    retry = [d.pk for d in stuck if _may_retry(d, today)]
    lost = [d for d in stuck if d.pk not in retry]
    ReminderDispatch.objects.filter(pk__in=retry).update(status=ReminderStatus.QUEUED, error=RETRYING)
    ReminderDispatch.objects.filter(pk__in=[d.pk for d in lost]).update(status=ReminderStatus.UNKNOWN, error=STUCK)
    outbound_mark(organization=organization, keys=[d.idempotency_key for d in lost], status=OutboundStatus.UNKNOWN)
    return retry


@transaction.atomic
def reminders_run(*, organization: Organization, now: dt.datetime | None = None) -> list:
    """One pass of the evening job for one organization: sweep stuck sends, and once it is past the
    local reminder time, prepare tomorrow's dispatches. Returns the ids to deliver."""
    now = now or timezone.now()
    retry = reminders_sweep_stuck(organization=organization, now=now)
    if not reminders_due(organization=organization, now=now):
        return retry
    return list(dict.fromkeys([*retry, *reminders_prepare(organization=organization, now=now)]))


@transaction.atomic
def reminder_fail(*, dispatch_id, error: str) -> int:
    """The delivery task gave up (retries exhausted): a still-queued dispatch becomes `failed` (the
    provider said each time that the message did not go out)."""
    dispatch = ReminderDispatch.objects.filter(pk=dispatch_id, status=ReminderStatus.QUEUED).first()
    if dispatch is None:
        return 0
    outbound_mark(organization=dispatch.organization, keys=[dispatch.idempotency_key], status=OutboundStatus.FAILED)
    return ReminderDispatch.objects.filter(pk=dispatch_id, status=ReminderStatus.QUEUED).update(
        status=ReminderStatus.FAILED, error=error[:200]
    )


@transaction.atomic
def reminder_resend(*, dispatch: ReminderDispatch, actor: User, now: dt.datetime | None = None) -> ReminderDispatch:
    """A VA checked a reminder whose outcome is unknown (the client did not get it) and sends it
    again: a new message under a new key, delivered by the worker once this commits. Only from
    `unknown`, in one conditional update: a double click or two VAs at once resend it once."""
    from ..tasks import reminder_deliver as deliver_task

    organization = dispatch.organization
    if dispatch.local_date < organization.local_today(now):
        refuse(
            "That day has passed: a reminder for it can no longer be sent.",
            code=SchedulingErrorCode.REMINDER_DAY_PASSED,
        )
    resent = ReminderDispatch.objects.filter(
        organization=organization, pk=dispatch.pk, status=ReminderStatus.UNKNOWN
    ).update(
        status=ReminderStatus.QUEUED,
        resends=F("resends") + 1,
        attempts=0,
        resent_by=actor,
        resent_at=now or timezone.now(),
        error="",
    )
    if not resent:
        refuse(
            "This reminder is no longer waiting to be checked: it was resent already.",
            code=SchedulingErrorCode.REMINDER_NOT_UNKNOWN,
        )
    deliver_task.delay_on_commit(organization.pk, str(dispatch.pk))
    dispatch.refresh_from_db()
    return dispatch
