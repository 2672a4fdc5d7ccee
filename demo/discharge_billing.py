"""Demo billing reconciliation (called from demo/discharge.py as `billing_seed`):

- **a reconciled episode**: the completed discharge's episode, every attended day billed with its
  authorization number and paid, then closed as reconciled;
- **an episode with billing discrepancies**: the discharge this week's episode, billed as a
  billing office often finds it — its attended days billed and paid, plus more units than the
  authorization holds on its first day, a date of service before the window denied with CARC 197,
  and a code the authorization does not name (H0015 for S9480).

Billing lines are written as a CSV import would write them (one `BillingImport` per story, the raw
file kept); a second run changes nothing (an episode with billing lines is left as it is).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from authorizations.models import Authorization, AuthorizationLine
from authorizations.units.selectors import authorization_lines, units_load
from discharge.billing.selectors import COVERING
from discharge.billing.services import billing_csv_import, reconciliation_close
from discharge.models import BillingLine, TransitionPlan
from iop.accounts.models import User
from iop.clients.models import Episode
from iop.common.exceptions import ApplicationError
from iop.tenancy.models import Membership, Organization

RATE = Decimal("325.00")
HEADER = "episode_id,service_date,code,units,billed_amount,paid_amount,status,carc,authorization_number,claim_number"


def _attended_rows(episode: Episode, *, organization: Organization, now: dt.datetime) -> tuple[list[str], list]:
    """One paid CSV row per attended day of each covering authorization line, and those lines."""
    authorizations = list(Authorization.objects.filter(organization=organization, episode=episode, status__in=COVERING))
    loaded = units_load(authorizations, organization=organization, now=now).by_line
    rows, lines = [], []
    for authorization in authorizations:
        for line in authorization_lines(authorization):
            lines.append((authorization, line))
            figure = loaded.get(line.pk)
            if figure is None or not figure.counted:
                continue
            for day, used, _ in figure.days:
                if used:
                    amount = RATE * used
                    rows.append(
                        f"{episode.pk},{day:%Y-%m-%d},{line.code},{used},{amount},{amount},paid,,"
                        f"{authorization.number},DEMO-{day:%y%m%d}-{line.code}"
                    )
    return rows, lines


def _import(organization: Organization, rows: list[str], name: str, actor: User | None) -> None:
    content = ("\n".join([HEADER, *rows]) + "\n").encode()
    billing_csv_import(organization=organization, content=content, file_name=name, actor=actor)


def _story_episode(organization: Organization, reason: str) -> Episode | None:
    plan = TransitionPlan.objects.filter(organization=organization, reason=reason).select_related("episode").first()
    return plan.episode if plan else None


def billing_seed(*, organization: Organization, actor: User | None, now: dt.datetime | None = None, report) -> None:
    from demo.discharge import COMPLETED, THIS_WEEK

    now = now or timezone.now()
    admin = (
        Membership.objects.filter(organization=organization, role="org_admin", is_active=True)
        .select_related("user")
        .first()
    )

    reconciled = _story_episode(organization, COMPLETED)
    if reconciled is not None and not BillingLine.objects.filter(episode=reconciled).exists():
        rows, _ = _attended_rows(reconciled, organization=organization, now=now)
        if rows:
            _import(organization, rows, "demo-remittance-completed.csv", actor)
            if admin is not None:
                try:
                    reconciliation_close(episode=reconciled, actor=admin.user, membership=admin, now=now)
                    report.add("billing reconciled")
                except ApplicationError:
                    report.add("billing imported, not reconciled")

    discrepancy = _story_episode(organization, THIS_WEEK)
    if discrepancy is not None and not BillingLine.objects.filter(episode=discrepancy).exists():
        rows, lines = _attended_rows(discrepancy, organization=organization, now=now)
        if lines:
            authorization, line = lines[0]
            assert isinstance(line, AuthorizationLine)
            over = line.units_authorized + 2
            # Attended before the authorization began (admitted while it was pending).
            before = line.start_date - dt.timedelta(days=2)
            other = "H0015" if line.code != "H0015" else "S9480"
            rows += [
                # More units than the line holds, on one claim line (CARC 198 risk).
                f"{discrepancy.pk},{line.start_date:%Y-%m-%d},{line.code},{over},{RATE * over},,billed,,"
                f"{authorization.number},DEMO-OVER",
                f"{discrepancy.pk},{line.start_date + dt.timedelta(days=1):%Y-%m-%d},{other},1,{RATE},,billed,,"
                f"{authorization.number},DEMO-CODE",
            ]
            rows.append(f"{discrepancy.pk},{before:%Y-%m-%d},{line.code},1,{RATE},0,denied,CO-197,,DEMO-BEFORE")
            _import(organization, rows, "demo-remittance-discrepancies.csv", actor)
            report.add("billing discrepancy")
