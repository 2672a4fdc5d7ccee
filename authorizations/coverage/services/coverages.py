"""Writes for a client's coverages: create and edit, one coverage change per client at a time,
refused with the field at fault (see `coverage_create`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import Coverage, CoveragePriority, Payer, PayerPlan, SubscriberRelationship
from iop.clients.models import Client
from iop.common.dates import date_full
from iop.common.exceptions import refuse
from iop.common.services import model_update, validated_save

if TYPE_CHECKING:
    from iop.accounts.models import User

COVERAGE_EDITABLE_FIELDS = [
    "payer",
    "plan",
    "member_id",
    "group_number",
    "subscriber_name",
    "subscriber_relationship",
    "subscriber_date_of_birth",
    "priority",
    "effective_from",
    "effective_to",
]


def _check_coverage(*, client: Client, values: dict[str, Any], exclude_pk=None, current_payer_id=None) -> None:
    payer: Payer | None = values.get("payer")
    plan: PayerPlan | None = values.get("plan")
    if payer is None or payer.organization_id != client.organization_id:
        refuse("Choose one of your payers.", code=AuthorizationsErrorCode.PAYER_UNKNOWN, field="payer")
    if not payer.is_active and payer.pk != current_payer_id:
        refuse(
            f"{payer.name} is no longer an active payer.", code=AuthorizationsErrorCode.PAYER_INACTIVE, field="payer"
        )
    if plan is not None:
        if plan.organization_id != client.organization_id or plan.payer_id != payer.pk:
            refuse(
                f"Choose a plan of {payer.name}, or no plan.",
                code=AuthorizationsErrorCode.PLAN_OF_ANOTHER_PAYER,
                field="plan",
            )
    if not (values.get("member_id") or "").strip():
        refuse(
            "Enter the member id from the insurance card.",
            code=AuthorizationsErrorCode.MEMBER_ID_REQUIRED,
            field="member_id",
        )
    start, end = values.get("effective_from"), values.get("effective_to")
    if start is None:
        refuse(
            "Enter the date the coverage starts.",
            code=AuthorizationsErrorCode.COVERAGE_START_REQUIRED,
            field="effective_from",
        )
    if end is not None and end < start:
        refuse(
            "The coverage cannot end before it starts.",
            code=AuthorizationsErrorCode.COVERAGE_END_BEFORE_START,
            field="effective_to",
        )
    born = values.get("subscriber_date_of_birth")
    if born is not None and born > client.organization.local_today():
        refuse(
            "The subscriber's date of birth cannot be in the future.",
            code=AuthorizationsErrorCode.SUBSCRIBER_BORN_IN_FUTURE,
            field="subscriber_date_of_birth",
        )
    if values.get("subscriber_relationship") not in SubscriberRelationship.values:
        refuse(
            "Choose the client's relationship to the subscriber.",
            code=AuthorizationsErrorCode.RELATIONSHIP_REQUIRED,
            field="subscriber_relationship",
        )
    priority = values.get("priority")
    if priority not in CoveragePriority.values:
        refuse("Choose primary or secondary.", code=AuthorizationsErrorCode.PRIORITY_REQUIRED, field="priority")
    clashes = Coverage.objects.filter(client_id=client.pk, priority=priority).exclude(pk=exclude_pk)
    if end is not None:
        clashes = clashes.filter(effective_from__lte=end)
    clash = clashes.exclude(effective_to__lt=start).select_related("payer").first()
    if clash is not None:
        label = CoveragePriority(priority).label.lower()
        until = f" to {date_full(clash.effective_to)}" if clash.effective_to else ""
        refuse(
            f"The client already has a {label} coverage for these dates ({clash.payer.name} from "
            f"{date_full(clash.effective_from)}{until}): give that one an end date first, or change the priority.",
            code=AuthorizationsErrorCode.COVERAGE_OVERLAP,
            extra={"priority": [f"Another {label} coverage covers these dates."]},
        )


def _lock_client(client: Client) -> None:
    # One coverage change per client at a time, so two overlapping primaries cannot both pass.
    list(Client.objects.filter(pk=client.pk).select_for_update(no_key=True).values_list("pk", flat=True))


def _clean_text(values: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


@transaction.atomic
def coverage_create(
    *,
    client: Client,
    payer: Payer,
    member_id: str,
    effective_from: dt.date,
    plan: PayerPlan | None = None,
    group_number: str = "",
    subscriber_name: str = "",
    subscriber_relationship: str = SubscriberRelationship.SELF,
    subscriber_date_of_birth: dt.date | None = None,
    priority: str = CoveragePriority.PRIMARY,
    effective_to: dt.date | None = None,
    actor: User | None = None,
) -> Coverage:
    """A coverage of the client. Refused: a payer or plan of another organization, a plan of
    another payer, an inactive payer, an end before the start, and a second coverage of the same
    priority (primary, secondary) for overlapping dates."""
    values = _clean_text(
        {
            "payer": payer,
            "plan": plan,
            "member_id": member_id,
            "group_number": group_number,
            "subscriber_name": subscriber_name,
            "subscriber_relationship": subscriber_relationship,
            "subscriber_date_of_birth": subscriber_date_of_birth,
            "priority": priority,
            "effective_from": effective_from,
            "effective_to": effective_to,
        }
    )
    _lock_client(client)
    _check_coverage(client=client, values=values)
    coverage = Coverage(organization_id=client.organization_id, client=client, **values)
    return validated_save(coverage, invalid="Check the coverage.", code=AuthorizationsErrorCode.COVERAGE_FIELDS)


@transaction.atomic
def coverage_update(*, coverage: Coverage, data: dict[str, Any], actor: User | None = None) -> Coverage:
    """Change the listed fields present in `data` (the client of a coverage never changes), with
    the same checks as `coverage_create`; a payer that has since been deactivated may stay."""
    client = coverage.client
    _lock_client(client)
    data = _clean_text({k: v for k, v in data.items() if k in COVERAGE_EDITABLE_FIELDS})
    values = {name: data.get(name, getattr(coverage, name)) for name in COVERAGE_EDITABLE_FIELDS}
    _check_coverage(client=client, values=values, exclude_pk=coverage.pk, current_payer_id=coverage.payer_id)
    coverage, _ = model_update(instance=coverage, fields=COVERAGE_EDITABLE_FIELDS, data=data)
    return coverage
