from django.core.management.base import BaseCommand, CommandError

from iop.accounts.models import User
from iop.accounts.services import api_token_create
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Organization


class Command(BaseCommand):
    help = "Create a personal API token for a member of an organization and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--org", required=True, help="Organization slug")
        parser.add_argument("--name", default="Command-line token")
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            help="Days it works (default and at most IOP_API_TOKEN_TTL_DAYS).",
        )

    def handle(self, *args, email, org, name, expires_in_days, **options):
        organization = Organization.objects.filter(slug=org, is_active=True).first()
        if organization is None:
            raise CommandError(f"No active organization with slug {org!r}.")
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {email!r}.")
        with tenant_context(organization.id):
            try:
                issued = api_token_create(
                    organization=organization, user=user, name=name, expires_in_days=expires_in_days
                )
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
        self.stderr.write(f"Token {issued.token.name!r} for {user.email} in {organization.slug}. It is shown once:")
        self.stdout.write(issued.raw)
