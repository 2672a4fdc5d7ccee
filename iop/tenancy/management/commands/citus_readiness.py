from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from iop.tenancy.citus import CitusReadiness, citus_readiness_check


class Command(BaseCommand):
    help = (
        "Check that the schema can be distributed by organization_id (Citus): every tenant table's "
        "primary key, unique constraints and indexes, exclusion constraints and foreign keys to other "
        "tenant tables include it. Prints what is not ready and fails unless --report."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Django database alias (default: default)")
        parser.add_argument("--schema", default=None, help="schema to check (default: the connection's current one)")
        parser.add_argument(
            "--report", action="store_true", help="print the findings and exit 0 even if something is not ready"
        )

    def handle(self, *args, database, schema, report, **options):
        readiness = citus_readiness_check(using=database, schema=schema)
        self._print(readiness)
        if not readiness.ready and not report:
            raise CommandError(
                f"{len(readiness.findings)} constraint(s) or column(s) not ready for distribution by organization_id."
            )

    def _print(self, readiness: CitusReadiness) -> None:
        out = self.stdout.write
        out(
            f"Schema {readiness.schema}: {len(readiness.tenant_tables)} tenant tables (distributed by "
            f"organization_id), {len(readiness.reference_tables)} reference tables."
        )
        out("Reference tables (no organization_id): " + (", ".join(readiness.reference_tables) or "none"))
        out(f"Foreign keys from tenant tables to reference tables (fine): {len(readiness.reference_links)}")
        for link in readiness.reference_links:
            out(f"  {link.table}.{link.constraint} → {link.target}")
        if readiness.ready:
            out(self.style.SUCCESS("Ready: every key of every tenant table includes organization_id."))
            return
        by_kind = Counter(f.kind for f in readiness.findings)
        summary = ", ".join(f"{count} {kind}" for kind, count in sorted(by_kind.items()))
        out(f"Not ready: {len(readiness.findings)} ({summary})")
        width = max(len(f.table) for f in readiness.findings)
        for f in readiness.findings:
            out(f"  {f.table:<{width}}  {f.kind:<12}  {f.constraint}: {f.why}")
