"""Reads for attendance reports: the stored reports of an episode."""

from __future__ import annotations

from iop.clients.models import Episode
from iop.tenancy.models import Organization

from ..models import (
    AttendanceReport,
)


def episode_reports_latest(*, organization: Organization, episode: Episode, limit: int = 5) -> list[AttendanceReport]:
    """The episode's latest stored attendance reports, newest first, without their files: one query."""
    return list(
        AttendanceReport.objects.filter(organization=organization, episode=episode)
        .defer("pdf")  # the list never needs the files themselves
        .order_by("-created_at")[:limit]
    )
