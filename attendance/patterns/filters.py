"""Filters of the absence-alert list."""

import django_filters

from ..models import AbsenceAlert, AbsenceRuleKind


class AbsenceAlertFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", help_text="true: not acknowledged yet."
    )
    kind = django_filters.ChoiceFilter(choices=AbsenceRuleKind.choices)
    episode = django_filters.UUIDFilter(field_name="episode_id")

    class Meta:
        model = AbsenceAlert
        fields = ["open", "kind", "episode"]
