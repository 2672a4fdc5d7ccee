"""Authorizations approved before they had lines get one: the code, unit type, units and window
the authorization itself carried, linked to the request line of that code when there is one
(whose units asked for make a partial approval visible). The organizations' default regime (the
federal ERISA/ACA commercial clocks) is created where none exists, so every plan has clocks.

The rows are tenant rows under forced Row-Level Security, so each organization is worked in its
own tenant context.
"""

import uuid

from django.db import migrations


def backfill(apps, schema_editor):
    from iop.tenancy.context import tenant_context

    Organization = apps.get_model("tenancy", "Organization")
    Authorization = apps.get_model("authorizations", "Authorization")
    AuthorizationLine = apps.get_model("authorizations", "AuthorizationLine")
    ServiceLine = apps.get_model("authorizations", "ServiceLine")
    ReviewRegime = apps.get_model("authorizations", "ReviewRegime")
    for organization_id in Organization.objects.values_list("pk", flat=True):
        with tenant_context(organization_id):
            if not ReviewRegime.all_objects.filter(organization_id=organization_id, is_default=True).exists():
                ReviewRegime.all_objects.create(
                    id=uuid.uuid4(),
                    organization_id=organization_id,
                    name="Commercial (ERISA / ACA)",
                    is_default=True,
                    notes="29 CFR 2560.503-1 and 45 CFR 147.136: internal appeal 30 days (72 h expedited), "
                    "external review asked within 4 months, decided in 45 days (72 h expedited).",
                )
            unlined = Authorization.all_objects.filter(organization_id=organization_id, lines__isnull=True)
            for authorization in unlined.select_related("determination"):
                asked = (
                    ServiceLine.all_objects.filter(
                        organization_id=organization_id,
                        request_id=authorization.determination.request_id,
                        code=authorization.code,
                    )
                    .order_by("start_date")
                    .first()
                )
                AuthorizationLine.all_objects.create(
                    id=uuid.uuid4(),
                    organization_id=organization_id,
                    authorization_id=authorization.pk,
                    determination_id=authorization.determination_id,
                    service_line_id=asked.pk if asked else None,
                    status="A2" if authorization.determination.action == "A2" else "A1",
                    code_system=asked.code_system if asked else "hcpcs",
                    code=authorization.code,
                    unit_type=authorization.unit_type,
                    units_authorized=authorization.units_authorized,
                    frequency_per_week=asked.frequency_per_week if asked else None,
                    start_date=authorization.start_date,
                    end_date=authorization.end_date,
                    units_requested=(asked.units * asked.estimated_sessions or None) if asked else None,
                    requested_end_date=asked.end_date if asked else None,
                )


class Migration(migrations.Migration):
    dependencies = [
        ("authorizations", "0004_concurrent_review_appeals"),
        ("tenancy", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
