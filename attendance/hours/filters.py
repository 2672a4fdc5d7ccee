"""Filters of the hours-flag list."""

import django_filters

from ..models import FLAGGED_STATES, ThresholdFlag


class ThresholdFlagFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", help_text="true: not resolved yet; false: resolved."
    )
    state = django_filters.ChoiceFilter(choices=[(s.value, s.label) for s in FLAGGED_STATES])
    week_start = django_filters.DateFilter()
    episode = django_filters.UUIDFilter(field_name="episode_id")

    class Meta:
        model = ThresholdFlag
        fields = ["open", "state", "week_start", "episode"]
