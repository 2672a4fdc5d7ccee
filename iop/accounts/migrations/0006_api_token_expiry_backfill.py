"""Every API token expires. Tokens created without an expiry ("Never expires") get one 90 days
after their creation (the default lifetime, IOP_API_TOKEN_TTL_DAYS) — a token older than that
stops working at once, and its owner creates a new one. The next migration makes the expiry
required (a separate migration: altering a table in the transaction that updated its rows can
meet pending deferred-constraint events).

The rows are tenant rows under forced Row-Level Security, so each organization is worked in its
own tenant context.
"""

import datetime as dt

from django.db import migrations

DEFAULT_LIFETIME = dt.timedelta(days=90)


def backfill(apps, schema_editor):
    from django.db.models import F

    from iop.tenancy.context import tenant_context

    Organization = apps.get_model("tenancy", "Organization")
    ApiToken = apps.get_model("accounts", "ApiToken")
    for organization_id in Organization.objects.values_list("pk", flat=True):
        with tenant_context(organization_id):
            ApiToken.all_objects.filter(organization_id=organization_id, expires_at__isnull=True).update(
                expires_at=F("created_at") + DEFAULT_LIFETIME
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_encrypt_mfa_secrets"),
        ("tenancy", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
