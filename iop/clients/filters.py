import django_filters

from .models import Client, Episode, EpisodeStatus


class ClientFilter(django_filters.FilterSet):
    """Non-PHI filters only: names are searched through POST /clients/search/."""

    program = django_filters.UUIDFilter(field_name="episodes__program_id", distinct=True)
    status = django_filters.ChoiceFilter(field_name="episodes__status", choices=EpisodeStatus.choices, distinct=True)

    class Meta:
        model = Client
        fields = ["program", "status"]


class EpisodeFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")
    program = django_filters.UUIDFilter(field_name="program_id")
    status = django_filters.ChoiceFilter(choices=EpisodeStatus.choices)

    class Meta:
        model = Episode
        fields = ["client", "program", "status"]
