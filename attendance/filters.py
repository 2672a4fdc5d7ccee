"""Query filters of the attendance API: ids, dates and states only (no client names in URLs)."""

import django_filters

from .models import FLAGGED_STATES, AbsenceAlert, AbsenceRuleKind, AttendanceRecord, AttendanceStatus, ThresholdFlag


class AttendanceRecordFilter(django_filters.FilterSet):
    session = django_filters.UUIDFilter(field_name="session_id")
    episode = django_filters.UUIDFilter(field_name="episode_id")
    date_from = django_filters.DateFilter(
        field_name="session__local_date", lookup_expr="gte", help_text="First session date (local), inclusive."
    )
    date_to = django_filters.DateFilter(
        field_name="session__local_date", lookup_expr="lte", help_text="Last session date (local), inclusive."
    )
    status = django_filters.ChoiceFilter(choices=AttendanceStatus.choices)

    class Meta:
        model = AttendanceRecord
        fields = ["session", "episode", "date_from", "date_to", "status"]


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


class AbsenceAlertFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", help_text="true: not acknowledged yet."
    )
    kind = django_filters.ChoiceFilter(choices=AbsenceRuleKind.choices)
    episode = django_filters.UUIDFilter(field_name="episode_id")

    class Meta:
        model = AbsenceAlert
        fields = ["open", "kind", "episode"]
