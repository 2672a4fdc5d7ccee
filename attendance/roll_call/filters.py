"""Query filters of the attendance-record list: ids, dates and states only (no client names in URLs)."""

import django_filters

from ..models import AttendanceRecord, AttendanceStatus


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
