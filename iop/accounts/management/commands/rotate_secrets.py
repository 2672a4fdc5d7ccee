from django.core.management.base import BaseCommand, CommandError

from iop.accounts.selectors import mfa_secrets_stale_count
from iop.accounts.services import mfa_secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (TOTP secrets, recovery-code seeds) under the first key of "
        "IOP_SECRET_KEYS. Run it after putting a new key first; remove an old key only afterwards "
        "(README, 'Rotating secret keys')."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; fail if any secret is not yet under the newest key.",
        )

    def handle(self, *args, check, **options):
        if not check:
            changed = mfa_secrets_rotate()
            self.stdout.write(f"Re-encrypted the secrets of {changed} authenticator(s) under the newest key.")
        stale = mfa_secrets_stale_count()
        if stale:
            raise CommandError(
                f"{stale} authenticator(s) hold secrets not under the newest key: keep the older keys "
                "and run `manage.py rotate_secrets`."
            )
        self.stdout.write("Every stored secret is under the newest key; older keys may be removed.")
