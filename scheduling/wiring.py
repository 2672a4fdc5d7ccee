"""Scheduling's connections to the apps below it (their hooks), made once from
`SchedulingConfig.ready()`.

- Census changes (iop.clients.hooks.episode_status_changed): a step-down or discharge takes the
  client off every later roster at once.
- The client page's "Upcoming sessions" panel (iop.clients.hooks.client_panel_register).
- The inbox's kinds and their "still open?" checks (iop.notifications.hooks), in `scheduling/inbox.py`.
- Today's panels (iop.today.hooks.today_panel_register), in `scheduling/today.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iop.clients.hooks import ClientPanel, client_panel_register, episode_status_changed
from iop.clients.models import EpisodeStatus
from iop.tenancy import permissions

if TYPE_CHECKING:
    from iop.accounts.models import User

UPCOMING_SHOWN = 10


def _episode_left_care(sender, episode, from_status, to_status, effective_date, actor: User, **kwargs):
    if to_status in (EpisodeStatus.STEP_DOWN, EpisodeStatus.DISCHARGED):
        from .services.placements import episode_rosters_clear

        reason = "Stepped down" if to_status == EpisodeStatus.STEP_DOWN else "Discharged"
        episode_rosters_clear(episode=episode, effective_date=effective_date, actor=actor, reason=reason)


def _sessions_panel(*, organization, client, episode, can, form_state) -> dict | None:
    """The episode's next booked or waitlisted sessions (one query, whatever the roster size) and
    the placements that no longer fit the client's availability (two queries, however many)."""
    if episode is None:
        return None
    from .selectors import placement_conflicts, upcoming_roster_for_episode

    return {
        "upcoming": list(upcoming_roster_for_episode(episode=episode)[:UPCOMING_SHOWN]),
        # The client page read the episode with its plan and availability (iop.clients.selectors.client_get).
        "conflicts": placement_conflicts(episode=episode, today=organization.local_today(), plan_loaded=True),
    }


def connect() -> None:
    from .inbox import register_notice_kinds

    episode_status_changed.connect(_episode_left_care, dispatch_uid="scheduling_census_change")
    # The inbox's kinds (uncovered sessions, seats from the waitlist) and when each is fixed.
    register_notice_kinds()
    client_panel_register(
        ClientPanel(
            key="scheduling_sessions",
            title="Upcoming sessions",
            template="scheduling/partials/client_sessions.html",
            context_loader=_sessions_panel,
            order=100,
            permission=permissions.SCHEDULE_VIEW,
        )
    )
    # Today's scheduling panels (uncovered sessions, waitlists with a seat, gaps, reminders, absences).
    from .today import register_today_panels

    register_today_panels()
