"""Reads for absence patterns: the organization's rules and its alerts."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from iop.tenancy.models import Organization

from ..models import (
    AbsenceAlert,
    AbsenceRule,
    AbsenceRuleKind,
)

DEFAULT_ABSENCE_RULES = (
    AbsenceRule(kind=AbsenceRuleKind.CONSECUTIVE_UNEXCUSED, count=2),
    AbsenceRule(kind=AbsenceRuleKind.ABSENCES_IN_WINDOW, count=3, window_days=14),
    AbsenceRule(kind=AbsenceRuleKind.NO_REASON, after_hours=24),
)


def absence_rules(*, organization: Organization) -> list[AbsenceRule]:
    """The organization's active rules: each kind as it saved it (switched off by saving it
    inactive), the default for a kind it has not saved."""
    saved = {r.kind: r for r in AbsenceRule.objects.filter(organization=organization)}
    rules = [
        saved.get(d.kind) or AbsenceRule(organization=organization, **_rule_fields(d)) for d in DEFAULT_ABSENCE_RULES
    ]
    return [r for r in rules if r.is_active]


def _rule_fields(rule: AbsenceRule) -> dict:
    return {"kind": rule.kind, "count": rule.count, "window_days": rule.window_days, "after_hours": rule.after_hours}


def alert_list(*, organization: Organization, open_only: bool = False) -> QuerySet[AbsenceAlert]:
    qs = AbsenceAlert.objects.filter(organization=organization).select_related(
        "episode__client", "episode__primary_clinician__user", "record__session__group", "acknowledged_by"
    )
    return qs.filter(acknowledged_at__isnull=True) if open_only else qs


def alert_worklist(*, organization: Organization, since: dt.datetime) -> QuerySet[AbsenceAlert]:
    """Open alerts (oldest first: longest waiting) then those acknowledged since `since`."""
    return (
        alert_list(organization=organization)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=since))
        .order_by(F("acknowledged_at").desc(nulls_first=True), "raised_at")
    )
