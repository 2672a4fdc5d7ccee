"""Census changes: a step-down or discharge takes the client off every later roster at once."""

from django.dispatch import receiver

from iop.clients.models import EpisodeStatus
from iop.clients.signals import episode_status_changed


@receiver(episode_status_changed, dispatch_uid="scheduling_census_change")
def _episode_left_care(sender, episode, from_status, to_status, effective_date, actor, **kwargs):
    if to_status in (EpisodeStatus.STEP_DOWN, EpisodeStatus.DISCHARGED):
        from .services import episode_rosters_clear

        reason = "Stepped down" if to_status == EpisodeStatus.STEP_DOWN else "Discharged"
        episode_rosters_clear(episode=episode, effective_date=effective_date, actor=actor, reason=reason)
