"""What attendance offers the apps built on it (authorizations): the only signals and registries
it declares. They connect in their own `wiring.py`, called from their `AppConfig.ready()`;
attendance never imports them.

- `attendance_saved`: any app may listen (authorizations counts units and flags unauthorized
  days). A receiver runs inside the roll call's transaction: it may write its own rows through
  its own services (atomically with the roll call) and must not change attendance records.
- `payer_requirements_register`: one app (authorizations) tells attendance what the client's
  payer rule requires a week; it is measured first, before the treatment plan and the program's
  default (attendance/hours/requirements.py). The loader only reads.
- `report_payer_register`: one app (authorizations) adds the coverage and the authorizations'
  units to attendance reports for review calls (attendance/reports/selectors.py); without it the
  report says "Not recorded". The loader only reads.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:  # the contract's types live next to the code that reads them
    from iop.clients.models import Episode
    from iop.tenancy.models import Organization

    from .hours.requirements import PayerRequirement
    from .reports.selectors import ReportPayer

# Sent inside the roll call's transaction after records were created or changed:
# `sender=AttendanceRecord`, `organization`, `session`, `records` (the created and updated ones).
attendance_saved = Signal()


# `episodes -> {episode_id: [PayerRequirement]}`, in one or two queries for all of them.
PayerRequirementsLoader = Callable[[list["Episode"]], dict[uuid.UUID, list["PayerRequirement"]]]
_payer_requirements_loader: PayerRequirementsLoader | None = None


def payer_requirements_register(loader: PayerRequirementsLoader) -> None:
    global _payer_requirements_loader  # noqa: PLW0603 - one registration at app start-up
    _payer_requirements_loader = loader


def payer_requirements_load(episodes: list[Episode]) -> dict[uuid.UUID, list[PayerRequirement]]:
    """The episodes' payer requirements by episode id; empty without a registered loader."""
    if _payer_requirements_loader is None or not episodes:
        return {}
    return _payer_requirements_loader(episodes)


# `(organization=, episode=, start=, end=, now=) -> ReportPayer`, in a constant number of queries.
ReportPayerLoader = Callable[..., "ReportPayer"]
_report_payer_loader: ReportPayerLoader | None = None


def report_payer_register(loader: ReportPayerLoader) -> None:
    global _report_payer_loader  # noqa: PLW0603 - one registration at app start-up
    _report_payer_loader = loader


def report_payer_registered_load(
    *, organization: Organization, episode: Episode, start: dt.date, end: dt.date, now: dt.datetime
) -> ReportPayer | None:
    """The registered loader's answer; None without one."""
    if _report_payer_loader is None:
        return None
    return _report_payer_loader(organization=organization, episode=episode, start=start, end=end, now=now)
