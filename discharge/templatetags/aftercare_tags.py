"""The discharge page's aftercare panel: `{% load aftercare_tags %}{% aftercare_panel plan as panel %}`
(the plan page includes `discharge/aftercare/_panel.html` with `plan`, `organization`, `can`)."""

from __future__ import annotations

from django import template

from discharge.aftercare.forms import AppointmentForm, CancelForm, FollowUpForm, OutcomeForm, RescheduleForm
from discharge.aftercare.selectors import aftercare_panel, appointment_warnings, local_label
from discharge.models import AftercareLevel, FollowUpOutcome

register = template.Library()


@register.filter
def aftercare_level(value: str) -> str:
    """The label of a level of care code ("op" → "Outpatient therapy")."""
    return AftercareLevel(value).label if value in AftercareLevel.values else value


@register.simple_tag
def aftercare_panel_for(plan) -> dict:
    """The panel's appointments and checks with their fresh forms (a refused form is shown on a
    page of its own)."""
    panel = aftercare_panel(plan=plan)
    organization = plan.organization
    now_rows = []
    for appointment in panel.current:
        now_rows.append(
            {
                "appointment": appointment,
                "when": local_label(organization, appointment.starts_at),
                "warnings": appointment_warnings(appointment=appointment, plan=plan),
                "move_form": RescheduleForm(
                    initial=RescheduleForm.initial_for(appointment, organization=organization),
                    prefix=f"move-{appointment.pk}",
                ),
                "cancel_form": CancelForm(prefix=f"cancel-{appointment.pk}"),
                "outcome_form": OutcomeForm(prefix=f"outcome-{appointment.pk}"),
            }
        )
    past_rows = [
        {
            "appointment": a,
            "when": local_label(organization, a.starts_at),
            "outcome_form": OutcomeForm(prefix=f"outcome-{a.pk}"),
        }
        for a in panel.past
    ]
    checks = [
        {
            "check": check,
            "pending": check.outcome == FollowUpOutcome.PENDING,
            "form": FollowUpForm(prefix=f"follow-up-{check.pk}"),
        }
        for check in panel.checks
    ]
    return {
        "booked": panel.booked,
        "within_days": panel.within_days,
        "last_day": panel.last_day,
        "current": now_rows,
        "past": past_rows,
        "checks": checks,
        "book_form": AppointmentForm(
            initial=AppointmentForm.initial_for(last_day=panel.last_day, receiving_provider=plan.receiving_provider),
            prefix="aftercare",
            organization=organization,
        ),
    }
