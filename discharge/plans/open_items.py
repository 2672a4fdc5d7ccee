"""A plan's open required checklist items as one SQL column, for rows read with `values()` (the
Today board reads every panel's rows in one query, so its discharges panel cannot decide the
checklist in Python).

It says in SQL what `discharge.plans.selectors.checklist_rows` decides from loaded rows: a manual
item is open until ticked; the automatic ones follow the data — the termination session booked on
a session still scheduled, the aftercare rule (`discharge.aftercare.selectors.aftercare_booked`:
booked or kept, booked by the last day, starting 1 to `aftercare_within_days` local days after
it), consent's `records_sent` (a disclosure of the episode's records to the receiving provider)
and the summary signed. tests/today/test_discharge_panels.py holds the two to the same count.
"""

from __future__ import annotations

from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from discharge.aftercare.selectors import COUNTING_STATUSES, DEFAULT_WITHIN_DAYS
from discharge.checklist import AUTOMATIC
from discharge.models import (
    AftercareAppointment,
    ChecklistItem,
    ChecklistKey,
    DischargeSettings,
    Disclosure,
    TerminationSession,
)
from iop.tenancy.models import Organization


def _aftercare_booked(organization: Organization) -> Exists:
    """The aftercare rule, for a checklist item row (annotated with its plan's `t_last_day` and
    the organization's `t_within`)."""
    tz = organization.tzinfo
    return Exists(
        AftercareAppointment.objects.filter(plan_id=OuterRef("plan_id"), status__in=COUNTING_STATUSES)
        .annotate(t_day=TruncDate("starts_at", tzinfo=tz), t_booked_on=TruncDate("created_at", tzinfo=tz))
        .filter(
            t_day__gt=OuterRef("t_last_day"),
            t_day__lte=ExpressionWrapper(OuterRef("t_last_day") + OuterRef("t_within"), output_field=DateField()),
            t_booked_on__lte=OuterRef("t_last_day"),
        )
    )


def open_required_count(organization: Organization) -> Coalesce:
    """For a TransitionPlan queryset: how many of its required items are open (0 when none)."""
    within = Subquery(
        DischargeSettings.objects.filter(organization_id=OuterRef("organization_id")).values("aftercare_within_days")[
            :1
        ]
    )
    termination_booked = Exists(
        TerminationSession.objects.filter(plan_id=OuterRef("plan_id"), session__status="scheduled")
    )
    records_sent = Exists(
        Disclosure.objects.filter(
            episode_id=OuterRef("plan__episode_id"), recipient_provider_id=OuterRef("plan__receiving_provider_id")
        )
    )
    is_open = (
        (~Q(key__in=AUTOMATIC) & Q(done_at__isnull=True))
        | (Q(key=ChecklistKey.TERMINATION_SESSION) & ~termination_booked)
        | Q(key=ChecklistKey.SUMMARY_SIGNED, plan__summary_signed_at__isnull=True)
        | Q(key=ChecklistKey.RECORDS_SENT, plan__receiving_provider_id__isnull=True)
        | (Q(key=ChecklistKey.RECORDS_SENT) & ~records_sent)
        | Q(key=ChecklistKey.AFTERCARE_BOOKED, t_last_day__isnull=True)
        | (Q(key=ChecklistKey.AFTERCARE_BOOKED) & ~_aftercare_booked(organization))
    )
    items = (
        ChecklistItem.objects.filter(plan_id=OuterRef("pk"), is_required=True)
        .annotate(
            t_last_day=Coalesce(F("plan__last_day"), F("plan__target_date")),
            t_within=Coalesce(within, Value(DEFAULT_WITHIN_DAYS), output_field=IntegerField()),
        )
        .filter(is_open)
        .order_by()
        .values("plan_id")
        .annotate(t_open=Count("pk"))
        .values("t_open")
    )
    return Coalesce(Subquery(items, output_field=IntegerField()), Value(0))
