"""Verifications imported from a 271 before benefit lines existed get them from the raw file they
kept, read the way an import reads it today: from the loop of the coverage's person (the
subscriber for a coverage of the client's own, the dependent with the client's name and date of
birth otherwise), with the plan's name and coverage level.

A verification whose file is not about its coverage's person — the defect this release fixes
imported a dependent's benefits onto the subscriber's coverage, and a subscriber's onto a
dependent's — gets no lines and a note saying why and that the coverage needs verifying again;
its other fields stay as they were (a migration does not rewrite what staff saw and acted on).

The rows are tenant rows under forced Row-Level Security, so each organization is read in its own
tenant context. The reading is the application's (`services_coverage.person_of_271`,
`benefit_line_values`); the writes use this migration's historical models.
"""

import zoneinfo

from django.db import migrations

BACKFILL_NOTE = "Checked when benefit lines were added"


def _note(problem: str) -> str:
    problem = problem.replace(": nothing was saved.", ".").replace(" Nothing was saved.", "")
    return (
        f"{BACKFILL_NOTE}: the 271 this verification was imported from would be refused today. {problem} "
        "Its figures may be another person's: verify this coverage again."
    )


def backfill_benefit_lines(apps, schema_editor):
    import authorizations.coverage.services.x12_import as services_coverage
    from authorizations.coverage import x12
    from iop.common.exceptions import ApplicationError
    from iop.tenancy.context import tenant_context

    Organization = apps.get_model("tenancy", "Organization")
    BenefitVerification = apps.get_model("authorizations", "BenefitVerification")
    BenefitLine = apps.get_model("authorizations", "BenefitLine")
    for organization_id, timezone_name in Organization.objects.values_list("pk", "timezone"):
        tzinfo = zoneinfo.ZoneInfo(timezone_name)
        with tenant_context(organization_id):
            imported = (
                BenefitVerification.all_objects.filter(organization_id=organization_id)
                .exclude(raw_271="")
                .select_related("coverage__client")
            )
            for verification in imported:
                if BenefitLine.all_objects.filter(verification_id=verification.pk).exists():
                    continue  # run again: done already
                try:
                    response = x12.parse_271(verification.raw_271)
                    member = services_coverage.person_of_271(response, verification.coverage)
                    services_coverage.benefit_lines_build(coverage=verification.coverage, member=member)  # checks
                except x12.X12Error as exc:
                    problem = f"It cannot be read as a 271: {exc.message}"
                except ApplicationError as exc:
                    problem = exc.message
                else:
                    verified_on = verification.verified_at.astimezone(tzinfo).date()
                    summary = services_coverage.benefits_summarize(member, verified_on=verified_on)
                    BenefitLine.all_objects.bulk_create(
                        BenefitLine(organization_id=organization_id, verification_id=verification.pk, **values)
                        for values in services_coverage.benefit_line_values(member)
                    )
                    verification.plan_name = summary.plan_name
                    verification.coverage_level = summary.coverage_level
                    verification.save(update_fields=["plan_name", "coverage_level"])
                    continue
                if BACKFILL_NOTE in verification.notes:
                    continue
                verification.notes = f"{verification.notes}\n{_note(problem)}".strip()
                verification.save(update_fields=["notes"])


class Migration(migrations.Migration):
    dependencies = [
        ("authorizations", "0002_benefit_lines"),
        ("tenancy", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill_benefit_lines, migrations.RunPython.noop)]
