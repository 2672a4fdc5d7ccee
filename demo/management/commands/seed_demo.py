"""`python manage.py seed_demo`: the demo organizations `harbor` and `summit` (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.people import DEFAULT_DEMO_PASSWORD
from demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo organizations (harbor, summit) with programs, staff logins, clients and a group "
        "schedule (groups, facilitators, sessions, placements, a waitlist, an absence to cover), and for harbor "
        "four weeks of attendance with hours flags and absence alerts. "
        "Idempotent: what already exists is left unchanged. The password of the demo logins comes "
        "from DEMO_PASSWORD (default: %s)." % DEFAULT_DEMO_PASSWORD
    )

    def handle(self, *args, **options):
        report = seed_demo()
        for org in report.organizations:
            header = f"{org.slug}: {org.name} ({org.timezone})"
            if org.created:
                created = ", ".join(f"{n} {what}{'' if n == 1 else 's'}" for what, n in org.created.items())
                self.stdout.write(f"{header}: created {created}.")
            else:
                self.stdout.write(f"{header}: already seeded, nothing to add.")
        if report.passwords_reset:
            self.stdout.write(
                f"Changed the password of {report.passwords_reset} existing demo login(s) to DEMO_PASSWORD."
            )

        self.stdout.write("Demo logins (password for all: %s):" % report.password)
        width = max(len(email) for email, _, _ in report.logins)
        for email, role, organization in report.logins:
            self.stdout.write(f"  {email:<{width}}  {role:<20}  {organization}")
        if settings.IOP_REQUIRE_MFA:
            self.stdout.write("MFA is enforced (IOP_REQUIRE_MFA on): each login sets up an authenticator app first.")
        else:
            self.stdout.write(
                self.style.WARNING(
                    "WARNING: MFA enforcement is OFF for this demo (IOP_REQUIRE_MFA off): the logins need "
                    "only the password. Production settings enforce MFA."
                )
            )
