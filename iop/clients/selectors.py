"""Reads for clients. Every selector takes the organization explicitly and owns its joins, so a
page costs the same number of queries at 10 clients as at 10,000."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat

from iop.tenancy.models import Membership, Organization

from .hooks import ClientListColumn
from .models import Client, ClientListPreference, Couple, Episode, ReminderChannel, TreatmentPlan

# The client field that holds the address of each messaging channel.
ADDRESS_FIELD: dict[str, str] = {ReminderChannel.EMAIL: "email", ReminderChannel.SMS: "phone"}


def _episodes_newest_first() -> Prefetch:
    return Prefetch(
        "episodes",
        queryset=Episode.objects.select_related("program").order_by("-referral_date", "-created_at"),
        to_attr="episodes_newest_first",
    )


def client_list(
    *,
    organization: Organization,
    search: str = "",
    program_id=None,
    status: str = "",
    among: Iterable[Iterable] = (),
) -> QuerySet[Client]:
    """Clients matching a name/phone/email search, filtered by the program or status of any of
    their episodes, and kept to each collection of ids in `among` (the filters other apps
    register: iop.clients.hooks); each carries `episodes_newest_first` (the current episode is
    the first)."""
    qs = Client.objects.filter(organization=organization)
    for ids in among:
        qs = qs.filter(pk__in=ids)
    for term in search.split():
        qs = qs.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(preferred_name__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__icontains=term)
        )
    if program_id:
        qs = qs.filter(episodes__program_id=program_id)
    if status:
        qs = qs.filter(episodes__status=status)
    if program_id or status:
        qs = qs.distinct()
    return qs.prefetch_related(_episodes_newest_first()).order_by("last_name", "first_name", "id")


def client_list_columns_shown(*, membership: Membership, columns: list[ClientListColumn]) -> list[ClientListColumn]:
    """Of the columns the member may show, those they chose (one query), or, before they have
    chosen, those their role sees by default."""
    preference = ClientListPreference.objects.filter(membership=membership).first()
    if preference is None:
        return [column for column in columns if membership.role in column.default_roles]
    return [column for column in columns if column.key in preference.columns]


def client_get(*, organization: Organization, client_id) -> Client | None:
    return (
        Client.objects.filter(organization=organization, pk=client_id)
        .prefetch_related(
            Prefetch(
                "episodes",
                queryset=Episode.objects.select_related("program", "treatment_plan", "primary_clinician__user")
                .prefetch_related("treatment_plan__availability", "status_changes__changed_by")
                .order_by("-referral_date", "-created_at"),
                to_attr="episodes_newest_first",
            )
        )
        .first()
    )


def client_couples(*, client: Client) -> list[Couple]:
    return list(
        Couple.objects.filter(Q(partner_a=client) | Q(partner_b=client))
        .select_related("partner_a", "partner_b", "identified_patient")
        .order_by("-started_on")
    )


def episode_list(*, organization: Organization, status: str = "", program_id=None) -> QuerySet[Episode]:
    qs = Episode.objects.filter(organization=organization).select_related("client", "program")
    if status:
        qs = qs.filter(status=status)
    if program_id:
        qs = qs.filter(program_id=program_id)
    return qs


def episode_get(*, organization: Organization, episode_id) -> Episode | None:
    return episode_list(organization=organization).filter(pk=episode_id).first()


def treatment_plan_list(*, organization: Organization) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.filter(organization=organization)
        .select_related("episode")
        .prefetch_related("availability")
    )


def couple_list(*, organization: Organization) -> QuerySet[Couple]:
    return Couple.objects.filter(organization=organization).select_related(
        "partner_a", "partner_b", "identified_patient"
    )


def client_choice_list(*, organization: Organization) -> QuerySet[Client]:
    """Clients for a picker (partner of a couple, audit filter): names and ids only, no joins."""
    return (
        Client.objects.filter(organization=organization)
        .only("id", "organization_id", "first_name", "last_name", "preferred_name", "date_of_birth")
        .order_by("last_name", "first_name", "id")
    )


def client_names_by_id(*, organization: Organization, client_ids) -> dict:
    """`{client_id: display name}` for the ids given, in one query (e.g. the audit trail's rows)."""
    ids = {i for i in client_ids if i}
    if not ids:
        return {}
    clients = client_choice_list(organization=organization).filter(pk__in=ids)
    return {c.pk: c.display_name for c in clients}


def client_message_address(client: Client) -> tuple[str, str] | None:
    """`(channel, address)` the client agreed to be messaged on, or None: no channel chosen, no
    consent, or no address on file for the channel."""
    name = ADDRESS_FIELD.get(client.reminder_channel)
    if name is None or not client.reminder_consent:
        return None
    address = (getattr(client, name) or "").strip()
    return (client.reminder_channel, address) if address else None


def client_name_expression(path: str = "client") -> Concat:
    """A client's name as lists show it ("Rivera, Ana"), as SQL, for rows read with `values()`
    (the Today board's lines); `path` is the lookup from the queried model to the client."""
    return Concat(f"{path}__last_name", Value(", "), f"{path}__first_name")
