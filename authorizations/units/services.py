"""Writes for unit burn-down and the chase: unauthorized days flagged the moment attendance is
saved (and resolved when an authorization comes to cover them), the morning chase of expiring
authorizations and late decisions, and closing a chase task.

Everything is idempotent: an unauthorized day is unique per episode and date, a chase task per
authorization (or request) and kind, a notification per recipient and dedupe key, so a second run
of anything here changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    APPROVING_ACTIONS,
    Authorization,
    AuthorizationLine,
    AuthorizationRequest,
    AuthorizationStatus,
    ChaseKind,
    ChaseTask,
    CoverageGapKind,
    RequestStatus,
    UnauthorizedDay,
)
from authorizations.units.selectors import COVERING_STATUSES, code_tracks, primary_index, unit_figures_load
from iop.clients.models import Client, EpisodeStatus
from iop.common.crash import pause_point
from iop.common.dates import date_full
from iop.common.exceptions import refuse
from iop.notifications.services import Notice, notices_send
from iop.tenancy.models import Organization, Role
from iop.tenancy.selectors import members_with_roles

if TYPE_CHECKING:
    from iop.accounts.models import User

# --- Unauthorized days -----------------------------------------------------------------------------


def unauthorized_days_flag(
    *, organization: Organization, day: dt.date, episode_ids: Iterable, now: dt.datetime | None = None
) -> int:
    """Flag `day` for each episode no authorization covers on it: kind "none" when the episode has
    no authorization at all, "outside" when it has some but none holds the date. A day flagged
    before stays as it is (unique per episode and date). One query, and the insert when needed."""
    episode_ids = set(episode_ids)
    if not episode_ids:
        return 0
    # Lines' windows (an authorization's lines may leave gaps); its own window without lines.
    windows = defaultdict(list)
    for episode_id, start, end, line_start, line_end in Authorization.objects.filter(
        organization=organization, episode_id__in=episode_ids, status__in=COVERING_STATUSES
    ).values_list("episode_id", "start_date", "end_date", "lines__start_date", "lines__end_date"):
        windows[episode_id].append((line_start, line_end) if line_start is not None else (start, end))
    now = now or timezone.now()
    flags = [
        UnauthorizedDay(
            id=uuid.uuid4(),
            organization=organization,
            episode_id=episode_id,
            local_date=day,
            kind=CoverageGapKind.OUTSIDE_WINDOW if windows[episode_id] else CoverageGapKind.NO_AUTHORIZATION,
            flagged_at=now,
        )
        for episode_id in sorted(episode_ids, key=str)
        if not any(start <= day <= end for start, end in windows[episode_id])
    ]
    if flags:
        UnauthorizedDay.objects.bulk_create(flags, ignore_conflicts=True)
    return len(flags)


def unauthorized_days_resolve(*, authorization: Authorization, now: dt.datetime | None = None) -> int:
    """An authorization (new, or its lines changed) now covers some flagged days, those its lines'
    windows hold: resolve them; the episode's other open "no authorization" days become "outside
    the window". Call it after creating or changing an authorization (or its lines). Returns how
    many days were resolved."""
    if authorization.status not in COVERING_STATUSES:
        return 0
    open_days = UnauthorizedDay.objects.filter(
        organization_id=authorization.organization_id, episode_id=authorization.episode_id, resolved_at__isnull=True
    )
    held = Q()
    windows = list(authorization.lines.values_list("start_date", "end_date")) or [
        (authorization.start_date, authorization.end_date)
    ]
    for start, end in windows:
        held |= Q(local_date__gte=start, local_date__lte=end)
    resolved = open_days.filter(held).update(resolved_at=now or timezone.now())
    open_days.filter(kind=CoverageGapKind.NO_AUTHORIZATION).update(kind=CoverageGapKind.OUTSIDE_WINDOW)
    return resolved


# --- Lines ----------------------------------------------------------------------------------------


def authorization_summary_sync(*, authorization: Authorization) -> Authorization:
    """Keep the authorization's summary columns equal to its lines (call it whenever they change):
    its window is the union of its lines'; its code, unit type and units are its primary line's
    code (`primary_index`) with the units of every line of that code (an extension adds a line of
    the same code for the next window). Saves and returns the authorization."""
    lines = list(AuthorizationLine.objects.filter(authorization_id=authorization.pk))
    if not lines:
        return authorization
    primary = lines[primary_index(lines, code_tracks(organization=authorization.organization))]
    authorization.code = primary.code
    authorization.unit_type = primary.unit_type
    authorization.units_authorized = sum(line.units_authorized for line in lines if line.code == primary.code)
    authorization.start_date = min(line.start_date for line in lines)
    authorization.end_date = max(line.end_date for line in lines)
    authorization.save()
    return authorization


# --- The chase -----------------------------------------------------------------------------------

# The chase acts from this local time each morning (a scan every 15 minutes finds it; later scans
# that day find nothing new).
CHASE_TIME = dt.time(7, 0)

# Ends-within thresholds, tightest first.
END_THRESHOLDS = ((3, ChaseKind.ENDS_IN_3), (7, ChaseKind.ENDS_IN_7), (14, ChaseKind.ENDS_IN_14))

# Keyed by plain str: a stored task's kind comes back from the database as a str.
# What to do, naming the client, for the inbox (authorizations.inbox: the line leaves the unread
# list once the task is done, or the authorization is renewed or ended).
CHASE_TITLES: dict[str, str] = {
    ChaseKind.ENDS_IN_14: "Renew {name}'s authorization: it ends within 14 days",
    ChaseKind.ENDS_IN_7: "Renew {name}'s authorization: it ends within 7 days",
    ChaseKind.ENDS_IN_3: "Renew {name}'s authorization: it ends within 3 days",
    ChaseKind.UNITS_BEFORE_REVIEW: "Ask the payer for more units for {name}: they run out before the review",
    ChaseKind.DECISION_OVERDUE: "Chase the payer's overdue decision on {name}'s request",
    ChaseKind.INFORMATION_DUE: "Send the payer the information it asked for about {name}",
}


def end_threshold(days_left: int) -> str | None:
    """The tightest threshold an authorization `days_left` from its end is within (None beyond 14).
    Only that one is raised: a 7-day authorization is not also "within 14 days" on its first day,
    while one the chase follows from further out gets each threshold as it passes it."""
    if days_left < 0:
        return None
    return next((kind for limit, kind in END_THRESHOLDS if days_left <= limit), None)


def _body(task: ChaseTask) -> str:
    if task.kind == ChaseKind.UNITS_BEFORE_REVIEW:
        return f"Units are projected to run out on {date_full(task.due_date)}: ask for more before they do."
    if task.kind == ChaseKind.DECISION_OVERDUE:
        return f"The decision was due on {date_full(task.due_date)}: follow up with the payer."
    if task.kind == ChaseKind.INFORMATION_DUE:
        return f"The requested information is due by {date_full(task.due_date)}."
    return f"It ends on {date_full(task.due_date)}: prepare the concurrent review or renewal."


def _responsible(organization: Organization) -> list:
    """Who works the chase: intake specialists and VAs (the org admins when there are none)."""
    members = list(members_with_roles(organization=organization, roles=[Role.INTAKE, Role.VA]))
    return members or list(members_with_roles(organization=organization, roles=[Role.ORG_ADMIN]))


# A later request in these states means the episode's next authorization is on its way (or here).
FOLLOWING_REQUEST_STATUSES = (RequestStatus.READY, RequestStatus.SUBMITTED, RequestStatus.PENDED)


def _followed(organization: Organization, authorizations: list[Authorization]) -> set:
    """The authorizations that need no chasing: their episode is no longer active, or a later
    request of the episode (starting after the authorization does; a renewal, extension or any
    other) is open or approved. One query."""
    later = defaultdict(list)
    for request_id, episode_id, start in (
        AuthorizationRequest.objects.filter(
            Q(status__in=FOLLOWING_REQUEST_STATUSES)
            | Q(status=RequestStatus.DETERMINED, determinations__action__in=APPROVING_ACTIONS),
            organization=organization,
            episode_id__in={a.episode_id for a in authorizations},
        )
        .values_list("pk", "episode_id", "start_date")
        .distinct()
    ):
        later[episode_id].append((request_id, start))
    return {
        a.pk
        for a in authorizations
        if a.episode.status != EpisodeStatus.ACTIVE
        or any(
            start > a.start_date and request_id != a.determination.request_id
            for request_id, start in later[a.episode_id]
        )
    }


def _candidates(organization: Organization, now: dt.datetime, today: dt.date) -> list[ChaseTask]:
    authorizations = list(
        Authorization.objects.filter(
            organization=organization, status=AuthorizationStatus.ACTIVE, end_date__gte=today
        ).select_related("coverage", "episode", "determination")
    )
    followed = _followed(organization, authorizations) if authorizations else set()
    authorizations = [a for a in authorizations if a.pk not in followed]
    figures = unit_figures_load(authorizations, organization=organization, now=now)

    def task(kind, due_date, authorization=None, request=None) -> ChaseTask:
        return ChaseTask(
            id=uuid.uuid4(),
            organization=organization,
            kind=kind,
            authorization=authorization,
            request=request,
            due_date=due_date,
            created_at=now,
        )

    tasks = []
    for authorization in authorizations:
        kind = end_threshold((authorization.end_date - today).days)
        if kind is not None:
            tasks.append(task(kind, authorization.end_date, authorization=authorization))
        figure = figures[authorization.pk]
        if figure.runs_out_before_review:
            tasks.append(
                task(ChaseKind.UNITS_BEFORE_REVIEW, figure.projected_exhaustion_date, authorization=authorization)
            )
    late = AuthorizationRequest.objects.filter(
        organization=organization, status=RequestStatus.SUBMITTED, decision_due_at__lt=now
    )
    for request in late:
        assert request.decision_due_at is not None  # decision_due_at__lt only matches a set deadline
        due = request.decision_due_at.astimezone(organization.tzinfo).date()
        tasks.append(task(ChaseKind.DECISION_OVERDUE, due, request=request))
    pended = AuthorizationRequest.objects.filter(
        organization=organization, status=RequestStatus.PENDED, information_due__lte=today
    )
    tasks += [task(ChaseKind.INFORMATION_DUE, request.information_due, request=request) for request in pended]
    return tasks


@transaction.atomic
def authorizations_chase(*, organization: Organization, now: dt.datetime | None = None) -> list[ChaseTask]:
    """The morning chase, in the organization's time zone (nothing before `CHASE_TIME` there):
    active authorizations within 14, 7 or 3 days of their end (the tightest threshold reached) or
    whose booked units run out before the next review (or the end); submitted requests past their
    decision clock; pended requests whose information is due. One task per authorization (or
    request) and kind, and an in-app notice of each new one to the intake specialists and VAs.
    Returns the tasks created now: a second run creates none."""
    now = now or timezone.now()
    today = organization.local_today(now)
    if now < organization.local_datetime(today, CHASE_TIME):
        return []
    candidates = _candidates(organization, now, today)
    if not candidates:
        return []
    ChaseTask.objects.bulk_create(candidates, ignore_conflicts=True)
    pause_point("chase")  # fault tests: tasks written, nobody told, nothing committed
    inserted = set(ChaseTask.objects.filter(pk__in=[c.pk for c in candidates]).values_list("pk", flat=True))
    created = [c for c in candidates if c.pk in inserted]
    if created:
        link = reverse("authorizations:worklist", kwargs={"org_slug": organization.slug})
        staff = _responsible(organization)
        clients = {
            t.pk: _task_client(t)
            for t in ChaseTask.objects.filter(pk__in=[t.pk for t in created]).select_related(
                "authorization__episode__client", "request__episode__client"
            )
        }
        notices_send(
            organization=organization,
            notices=[
                Notice(
                    recipient=member,
                    kind=chase_kind(task.kind),
                    title=CHASE_TITLES[task.kind].format(name=clients[task.pk].display_name),
                    body=_body(task),
                    link=f"{link}#task-{task.pk}",
                    dedupe_key=f"chase:{task.pk}",
                    client_id=clients[task.pk].pk,
                    subject_ids=[task.pk],
                )
                for task in created
                for member in staff
            ],
        )
    return created


def _task_client(task: ChaseTask) -> Client:
    about = task.authorization if task.authorization is not None else task.request
    assert about is not None  # a task is about one or the other (check constraint)
    return about.episode.client


def chase_kind(kind: str) -> str:
    """The inbox kind of a chase task's line."""
    return f"chase_{kind}"


def chase_tasks_still_open(
    *, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime
) -> set[uuid.UUID]:
    """The inbox's check (authorizations.inbox): of these chase tasks, the ones still to do — not
    done, and for an authorization's, the authorization still active with no renewal (or other
    later request) open or approved, as the chase itself judges (`_followed`). Two queries."""
    tasks = list(
        ChaseTask.objects.filter(organization=organization, pk__in=subject_ids, done_at__isnull=True).select_related(
            "authorization__episode", "authorization__determination"
        )
    )
    authorizations = [t.authorization for t in tasks if t.authorization is not None]
    followed = _followed(organization, authorizations) if authorizations else set()
    return {
        t.pk
        for t in tasks
        if t.authorization is None
        or (t.authorization.status == AuthorizationStatus.ACTIVE and t.authorization_id not in followed)
    }


@transaction.atomic
def chase_tasks_close(
    *,
    organization: Organization,
    note: str,
    request: AuthorizationRequest | None = None,
    authorization_ids: Iterable = (),
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Close the open chase tasks about `request` and about the authorizations `authorization_ids`
    (what they chased is settled: decided, pended again, ended), saying why in `note`. Returns how
    many were closed; closed ones stay as they are."""
    about = Q(authorization_id__in=list(authorization_ids))
    if request is not None:
        about |= Q(request_id=request.pk)
    return ChaseTask.objects.filter(about, organization=organization, done_at__isnull=True).update(
        done_at=now or timezone.now(), done_by=actor, note=note.strip()[:300]
    )


ENDING_EPISODE_STATUSES = {EpisodeStatus.DISCHARGED: "Discharged", EpisodeStatus.STEP_DOWN: "Stepped down"}


def episode_left_care(sender, episode, from_status, to_status, effective_date, actor: User, **kwargs) -> None:
    """Receiver of `episode_status_changed` (connected in authorizations/wiring.py), inside the
    transition's transaction: a discharge or step-down ends the episode's active authorizations
    and closes their open chase tasks."""
    note = ENDING_EPISODE_STATUSES.get(to_status)
    if note is None:
        return
    active = Authorization.objects.filter(
        organization_id=episode.organization_id, episode_id=episode.pk, status=AuthorizationStatus.ACTIVE
    )
    ids = list(active.values_list("pk", flat=True))
    if not ids:
        return
    Authorization.objects.filter(pk__in=ids).update(status=AuthorizationStatus.ENDED)
    chase_tasks_close(organization=episode.organization, authorization_ids=ids, note=note, actor=actor)


@transaction.atomic
def chase_task_done(*, task: ChaseTask, actor: User, note: str = "", now: dt.datetime | None = None) -> ChaseTask:
    """Close a chase task with what was done (optional note). Refused when already done."""
    task = ChaseTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        refuse("This task is already done.", code=AuthorizationsErrorCode.ALREADY_DONE)
    task.done_at, task.done_by, task.note = now or timezone.now(), actor, note.strip()[:300]
    task.save(update_fields=["done_at", "done_by", "note"])
    return task
