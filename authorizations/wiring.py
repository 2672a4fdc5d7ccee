"""Authorizations' connections to the apps below it (their hooks), made once from
`AuthorizationsConfig.ready()`.

- attendance.hooks: a roll call's attended days that no authorization covers are flagged at once
  (`attendance_saved`); weeks are measured against the client's payer rule first (payer
  requirements); attendance reports for review calls show the coverage and the units (report payer).
- scheduling.hooks: placing a client beyond what is authorized warns at the moment of placement.
- iop.clients.hooks: a discharge or step-down ends the episode's authorizations and closes their
  chase tasks, and cancels its open reviews with their calls ahead (`episode_status_changed`); the
  client page's insurance, requests and units panels; the client list's insurance, authorization-end
  and next-review columns and its "Verification due" filter (authorizations/client_list.py).
- iop.notifications.hooks: the inbox's kinds and their "still open?" checks (authorizations/inbox.py).
- iop.today.hooks: the Today page's panels of reviews, deadlines, expiring authorizations,
  verifications, requests and denials (authorizations/today.py).
"""

from __future__ import annotations

from attendance.hooks import attendance_saved, payer_requirements_register, report_payer_register
from iop.clients.hooks import ClientPanel, client_panel_register, episode_status_changed
from iop.tenancy import permissions
from scheduling.hooks import placement_warnings_register


def _attendance_saved(sender, organization, session, records, **kwargs) -> None:
    """Inside the roll call's transaction: the attended days no authorization covers, at once."""
    from authorizations.units.services import unauthorized_days_flag

    unauthorized_days_flag(
        organization=organization,
        day=session.local_date,
        episode_ids={r.episode_id for r in records if r.counted_minutes > 0},
    )


def _episode_left_care_reviews(sender, episode, from_status, to_status, effective_date, actor, **kwargs) -> None:
    """Inside the transition's transaction: a discharge or step-down cancels the episode's open
    reviews (and their calls still ahead)."""
    from authorizations.reviews.services.calendar import episode_reviews_cancel
    from authorizations.units.services import ENDING_EPISODE_STATUSES

    if to_status in ENDING_EPISODE_STATUSES:
        episode_reviews_cancel(episode=episode, actor=actor)


def _coverage_panel(*, organization, client, episode, can, form_state) -> dict:
    from authorizations.coverage.selectors import client_coverage_rows

    return {"coverage_rows": client_coverage_rows(organization=organization, client_id=client.pk)}


def _requests_panel(*, organization, client, episode, can, form_state) -> dict:
    from authorizations.requests.selectors import client_requests

    return {"requests": client_requests(client=client)}


def _units_panel(*, organization, client, episode, can, form_state) -> dict:
    from authorizations.units.selectors import client_units

    return {"units": client_units(organization=organization, client_id=client.pk)}


_PANELS = (
    ("authorizations_coverage", "Insurance", "client_coverage", _coverage_panel),
    ("authorizations_requests", "Pre-authorization requests", "client_requests", _requests_panel),
    ("authorizations_units", "Authorizations and units", "client_units", _units_panel),
)


def connect() -> None:
    from authorizations.appeals.selectors import CLOCK_SOURCES as appeals_clock_sources
    from authorizations.client_list import register_client_list
    from authorizations.hooks import clock_source_register
    from authorizations.inbox import register_notice_kinds
    from authorizations.reviews.packets.selectors import review_submission_clocks
    from authorizations.selectors import payer_requirements_load
    from authorizations.today import register_panels as register_today_panels
    from authorizations.units import services as services_units
    from authorizations.units.selectors import placement_unit_warnings, report_payer_load

    # The inbox's kinds (chase tasks, deadlines, packets, review calls, denials) and when each is fixed.
    register_notice_kinds()
    # Deadlines for the hourly escalation: open reviews not yet submitted to the payer, and denial
    # cases' peer-to-peer windows and appeal filing and decision dates.
    for source in (review_submission_clocks, *appeals_clock_sources):
        clock_source_register(source)
    attendance_saved.connect(_attendance_saved, dispatch_uid="authorizations_unauthorized_days")
    payer_requirements_register(payer_requirements_load)
    report_payer_register(report_payer_load)
    placement_warnings_register(placement_unit_warnings)
    episode_status_changed.connect(services_units.episode_left_care, dispatch_uid="authorizations_episode_left_care")
    episode_status_changed.connect(_episode_left_care_reviews, dispatch_uid="authorizations_episode_reviews_cancel")
    register_today_panels()
    for order, (key, title, template, loader) in enumerate(_PANELS, start=300):
        client_panel_register(
            ClientPanel(
                key=key,
                title=title,
                template=f"authorizations/partials/{template}.html",
                context_loader=loader,
                order=order,
                permission=permissions.COVERAGE_VIEW,
            )
        )
    # The census board's "Units left" and "Next review" columns (authorizations/census.py).
    from authorizations.census import register_census

    register_census()
    register_client_list()
