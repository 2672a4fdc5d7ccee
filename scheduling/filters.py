"""Query filters of the scheduling API (ids and statuses only: no client names in URLs). The
sessions list takes its time window through `serializers.SessionQuerySerializer` instead, because
`selectors.session_list` needs the window to build its query."""

import django_filters

from .models import FacilitatorAbsence, Group, Placement, RosterEntry, RosterStatus, WeeklySlot


class GroupFilter(django_filters.FilterSet):
    program = django_filters.UUIDFilter(field_name="program_id")
    group_type = django_filters.UUIDFilter(field_name="group_type_id")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Group
        fields = ["program", "group_type", "is_active"]


class SlotFilter(django_filters.FilterSet):
    group = django_filters.UUIDFilter(field_name="group_id")

    class Meta:
        model = WeeklySlot
        fields = ["group"]


class PlacementFilter(django_filters.FilterSet):
    episode = django_filters.UUIDFilter(field_name="episode_id")
    group = django_filters.UUIDFilter(field_name="group_id")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Placement
        fields = ["episode", "group", "is_active"]


class RosterEntryFilter(django_filters.FilterSet):
    session = django_filters.UUIDFilter(field_name="session_id")
    episode = django_filters.UUIDFilter(field_name="episode_id")
    status = django_filters.ChoiceFilter(choices=RosterStatus.choices)

    class Meta:
        model = RosterEntry
        fields = ["session", "episode", "status"]


class WaitlistFilter(django_filters.FilterSet):
    session = django_filters.UUIDFilter(field_name="session_id")
    episode = django_filters.UUIDFilter(field_name="episode_id")

    class Meta:
        model = RosterEntry
        fields = ["session", "episode"]


class AbsenceFilter(django_filters.FilterSet):
    staff_profile = django_filters.UUIDFilter(field_name="staff_profile_id")

    class Meta:
        model = FacilitatorAbsence
        fields = ["staff_profile"]
