"""Bench data: the demo organization made k times bigger, more organizations like it, longer history.

    .venv/bin/python bench/generate.py --scale 10                 # harbor × 10 (the demo logins work)
    .venv/bin/python bench/generate.py --orgs 200 --clients 40 --years 2

The source of truth is the demo (`seed_demo`, written through the real services, so its object
graph is consistent: episodes, placements, rosters, attendance, flags, authorizations with their
requests, determinations, lines, reviews, packets, appeals, discharges). Everything else is copied
from it in SQL, one `INSERT … SELECT` per table and copy, so the size costs minutes, not hours:

- **scale** (`--scale k`): k − 1 more copies of harbor's *volume* rows inside harbor — clients,
  episodes, groups (names suffixed), slots, sessions, rosters, attendance, coverage and the whole
  authorization and discharge graph. Configuration (programs, staff, payers, service codes, rules,
  settings) is shared, as one bigger organization's would be.
- **history** (`--years y`): copies of the same volume rows shifted back in time, one demo span
  (`HISTORY_SPAN_DAYS`) at a time, their episodes discharged at the end of their span: the same
  organization with y years of finished care behind today's clients.
- **organizations** (`--orgs n --clients m`): n new organizations `bench-0001…`, each a copy of the
  whole harbor graph (configuration included, memberships for the same demo users) at the scale
  that gives about m active clients, with the same history.

Every copied primary key is `md5(old key || copy tag)::uuid`, so a foreign key is mapped by the
same expression without a lookup table, and composite tenant keys (organization_id, x_id) stay
consistent. Rows are written as the app role under Row-Level Security with the target tenant set
(iop/tenancy), read from temporary staging tables (each copy reads the original rows, never an
earlier copy). Change-history triggers are off while copying (`--history` keeps them: the event rows
are valid history of the copies, at twice the writes). Ends with ANALYZE as the owner role (the app
role may not analyze). Not idempotent: run it on a fresh copy of the seeded demo (bench/run.py
makes one per size from the template database `iop_bench_template`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.dev")

import django  # noqa: E402

django.setup()

import pgtrigger  # noqa: E402
from django.contrib.postgres.fields import DateRangeField, DateTimeRangeField  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from iop.accounts.models import User  # noqa: E402
from iop.clients.models import Episode, EpisodeStatus  # noqa: E402
from iop.tenancy.context import tenant_context  # noqa: E402
from iop.tenancy.models import Organization  # noqa: E402
from iop.tenancy.rls import tenant_models  # noqa: E402

SOURCE_SLUG = "harbor"
# How far back one history copy moves the demo: its attendance covers a few weeks, its
# authorizations and reviews a little more.
HISTORY_SPAN_DAYS = 8 * 7  # at least; longer when the demo's sessions span more

# Configuration an organization has once, whatever its size: shared by scale copies, copied per
# organization. (Everything else is volume and grows with the data.)
CONFIGURATION = {
    "tenancy.Program",
    "accounts.Invitation",
    "clients.ClientListPreference",
    "scheduling.SchedulingSettings",
    "scheduling.GroupType",
    "attendance.AbsenceRule",
    "attendance.AttendanceSettings",
    "authorizations.Payer",
    "authorizations.PayerPlan",
    "authorizations.PayerRule",
    "authorizations.ServiceCode",
    "authorizations.FeeScheduleEntry",
    "authorizations.ReviewRegime",
    "authorizations.PacketChecklistItem",
    "discharge.DischargeSettings",
    "discharge.AftercareProvider",
    "discharge.AftercareProviderPayer",
    "discharge.ChecklistTemplateItem",
}
# History is earlier sessions of the same groups, run by the same staff.
HISTORY_SHARES = (
    "scheduling.Group",
    "scheduling.WeeklySlot",
    "tenancy.Membership",
    "tenancy.StaffProfile",
    "scheduling.FacilitatorQualification",
)
# Pairs stored smaller key first (a check constraint): the copy sorts the new keys again.
ORDERED_PAIRS = {"clients_couple": ("partner_a_id", "partner_b_id")}
# Credentials are unique across organizations and never copied.
NEVER = {"accounts.ApiToken", "scheduling.CalendarFeed"}


@dataclass
class Table:
    model: type[models.Model]
    label: str
    table: str
    columns: list[str] = field(default_factory=list)
    mapped: set[str] = field(default_factory=set)  # uuid columns that point at copied rows
    refs: dict[str, str] = field(default_factory=dict)  # foreign key column -> model label
    user_refs: set[str] = field(default_factory=set)  # foreign keys to staff users
    suffixed: set[str] = field(default_factory=set)  # text made unique within an organization
    dates: set[str] = field(default_factory=set)
    datetimes: set[str] = field(default_factory=set)
    ranges: dict[str, str] = field(default_factory=dict)  # range column -> its constructor


def _plan(*, include_configuration: bool) -> list[Table]:
    """The tables to copy, parents first, and how each column is carried over."""
    chosen = [
        m
        for m in tenant_models()
        if m._meta.label not in NEVER and (include_configuration or m._meta.label not in CONFIGURATION)
    ]
    labels = {m._meta.label for m in chosen}
    tables: dict[str, Table] = {}
    for m in chosen:
        t = Table(model=m, label=m._meta.label, table=m._meta.db_table)
        for f in m._meta.concrete_fields:
            t.columns.append(f.column)
            if f.primary_key:
                t.mapped.add(f.column)
            elif f.is_relation and f.related_model._meta.label in labels:
                t.mapped.add(f.column)
                t.refs[f.column] = f.related_model._meta.label
            elif f.is_relation and f.related_model is User:
                t.user_refs.add(f.column)
            elif isinstance(f, models.UUIDField) and not f.is_relation:
                # A generic reference (clock escalations' subject_id) points at a copied row.
                t.mapped.add(f.column)
            elif isinstance(f, (DateTimeRangeField, DateRangeField)):
                t.ranges[f.column] = "tstzrange" if isinstance(f, DateTimeRangeField) else "daterange"
            elif isinstance(f, models.DateTimeField):
                t.datetimes.add(f.column)
            elif isinstance(f, models.DateField):
                t.dates.add(f.column)
        # A uniqueness that no copied key separates needs its text made unique (rows that history
        # copies share, such as the staff's memberships, do not separate them).
        fieldsets = [c.fields for c in m._meta.constraints if isinstance(c, models.UniqueConstraint) and c.fields]
        fieldsets += [tuple(u) for u in m._meta.unique_together]
        fieldsets += [(f.name,) for f in m._meta.local_fields if f.unique and not f.primary_key]
        for names in fieldsets:
            fs = [m._meta.get_field(n) for n in names]
            if any(
                f.column in t.mapped and not (f.is_relation and f.related_model._meta.label in HISTORY_SHARES)
                for f in fs
            ):
                continue
            t.suffixed |= {f.column for f in fs if isinstance(f, (models.CharField, models.TextField))}
        tables[t.label] = t
    # Parents before children (self-references and cycles are left to the deferred constraints).
    order: list[Table] = []
    seen: set[str] = set()

    def visit(label: str, stack: frozenset[str]) -> None:
        if label in seen or label in stack:
            return
        for f in tables[label].model._meta.concrete_fields:
            if f.is_relation and f.related_model._meta.label in tables:
                visit(f.related_model._meta.label, stack | {label})
        seen.add(label)
        order.append(tables[label])

    for label in sorted(tables):
        visit(label, frozenset())
    return order


def _select(
    t: Table,
    *,
    source: str,
    tag: str,
    org_id: int,
    shift_days: int,
    suffix: str,
    shared: dict[str, str],
    users: dict[int, int],
) -> str:
    exprs = []
    for c in t.columns:
        q = connection.ops.quote_name(c)
        if c == "organization_id":
            exprs.append(str(int(org_id)))
        elif c in t.user_refs and users:
            whens = " ".join(f"WHEN {int(old)} THEN {int(new)}" for old, new in users.items())
            exprs.append(f"CASE {q} {whens} ELSE {q} END")
        elif t.refs.get(c) in shared:  # a row this copy shares (by that copy's tag; "" = the original)
            shared_tag = shared[t.refs[c]]
            exprs.append(f"md5({q}::text || '{shared_tag}')::uuid" if shared_tag else q)
        elif c in t.mapped:
            exprs.append(f"md5({q}::text || '{tag}')::uuid")
        elif c in t.suffixed and suffix:
            exprs.append(f"{q} || '{suffix}'")
        elif c in t.dates and shift_days:
            exprs.append(f"{q} - {int(shift_days)}")
        elif c in t.ranges and shift_days:
            step = f"interval '{int(shift_days)} days'" if t.ranges[c] == "tstzrange" else str(int(shift_days))
            bounds = (
                f"(CASE WHEN lower_inc({q}) THEN '[' ELSE '(' END || CASE WHEN upper_inc({q}) THEN ']' ELSE ')' END)"
            )
            exprs.append(f"{t.ranges[c]}(lower({q}) - {step}, upper({q}) - {step}, {bounds})")
        elif c in t.datetimes and shift_days:
            exprs.append(f"{q} - interval '{int(shift_days)} days'")
        else:
            exprs.append(q)
    if t.table in ORDERED_PAIRS:  # keep the stored order of a pair: new keys sort differently
        first, second = (t.columns.index(c) for c in ORDERED_PAIRS[t.table])
        a, b = exprs[first], exprs[second]
        exprs[first], exprs[second] = f"LEAST({a}, {b})", f"GREATEST({a}, {b})"
    cols = ", ".join(connection.ops.quote_name(c) for c in t.columns)
    return f"INSERT INTO {connection.ops.quote_name(t.table)} ({cols}) SELECT {', '.join(exprs)} FROM {source}"


def _copy(
    plan: list[Table],
    *,
    org_id: int,
    tag: str,
    prefix: str,
    shift_days: int = 0,
    suffix: str = "",
    shared: dict[str, str] | None = None,
    users: dict[int, int] | None = None,
) -> int:
    """One copy into `org_id` of the rows staged under `prefix` (never of earlier copies). Tables in
    `shared` are not copied: references to them point at the copy of the given tag. References to
    staff users follow `users` (old id -> the copy's user)."""
    shared = shared or {}
    today = Organization.objects.get(id=org_id).local_today()
    rows = 0
    with tenant_context(org_id), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for t in plan:
            if t.label in shared:
                continue
            cursor.execute(
                _select(
                    t,
                    source=prefix + t.table,
                    tag=tag,
                    org_id=org_id,
                    shift_days=shift_days,
                    suffix=suffix,
                    shared=shared,
                    users=users or {},
                )
            )
            rows += cursor.rowcount
        if shift_days:
            # History: the copied episodes ended with their span.
            cursor.execute(
                "UPDATE clients_episode SET status = %s, discharge_date = GREATEST(admission_date, %s::date) "
                f"WHERE id IN (SELECT md5(id::text || %s)::uuid FROM {prefix}clients_episode) "
                "AND admission_date IS NOT NULL AND status <> %s",
                [
                    EpisodeStatus.DISCHARGED,
                    today - dt.timedelta(days=shift_days),
                    tag,
                    EpisodeStatus.DISCHARGED,
                ],
            )
    return rows


def _stage(plan: list[Table], *, org_id: int, prefix: str) -> None:
    """Snapshot an organization's rows into temporary tables: copies read them, not each other, and
    a copy into another organization reads them without the source's tenant context."""
    with tenant_context(org_id), connection.cursor() as cursor:
        for t in plan:
            cursor.execute(f"DROP TABLE IF EXISTS {prefix}{t.table}")
            # DDL gets no tenant prefix (iop/tenancy/context.py): create, then fill with a DML statement.
            cursor.execute(f"CREATE TEMP TABLE {prefix}{t.table} (LIKE {connection.ops.quote_name(t.table)})")
            cursor.execute(f"INSERT INTO {prefix}{t.table} SELECT * FROM {connection.ops.quote_name(t.table)}")


def _session_span_days(org_id: int) -> int:
    """Whole weeks from the first to the last session: history copies shifted by it never overlap."""
    with tenant_context(org_id), connection.cursor() as cursor:
        cursor.execute("SELECT max(local_date) - min(local_date) + 1 FROM scheduling_session")
        days = cursor.fetchone()[0] or 7
    return max(HISTORY_SPAN_DAYS, math.ceil(days / 7) * 7)


def _staff_copy(*, org_id: int, tag: str) -> dict[int, int]:
    """New users for a scale copy's staff (a k times bigger organization has k times the staff: one
    facilitator cannot run ten groups at once). Same password; the address gets `+tag`."""
    from iop.tenancy.models import Membership

    with tenant_context(org_id):
        old = list(User.objects.filter(pk__in=Membership.objects.values("user_id")).order_by("pk"))
    copies = []
    for user in old:
        local, _, domain = user.email.partition("@")
        copies.append(
            User(
                email=f"{local}+{tag}@{domain}",
                full_name=f"{user.full_name} {tag}",
                password=user.password,
                is_active=user.is_active,
            )
        )
    created = User.objects.bulk_create(copies)
    return {o.pk: c.pk for o, c in zip(old, created, strict=True)}


def _grow(*, org_id: int, scale: int, history_copies: int, label: str) -> int:
    """Scale and history copies of one organization's volume rows, inside it."""
    plan = _plan(include_configuration=False)
    _stage(plan, org_id=org_id, prefix="bench_grow_")
    span = _session_span_days(org_id)
    rows = 0
    users: dict[int, dict[int, int]] = {1: {}}
    for k in range(2, scale + 1):
        users[k] = _staff_copy(org_id=org_id, tag=f"{label}-s{k}")
        rows += _copy(plan, org_id=org_id, tag=f"s{k}", prefix="bench_grow_", suffix=f" {k}", users=users[k])
    for h in range(1, history_copies + 1):
        for k in range(1, scale + 1):
            rows += _copy(
                plan,
                org_id=org_id,
                tag=f"h{h}s{k}",
                shift_days=h * span,
                prefix="bench_grow_",
                suffix=f" h{h}s{k}",  # unique keys (notification dedupe keys) of another time
                # Past sessions of the same groups and weekly slots.
                shared={label: (f"s{k}" if k > 1 else "") for label in HISTORY_SHARES},
                users=users[k],
            )
    print(f"  {label}: ×{scale}, {history_copies} history spans of {span} days: {rows} rows", flush=True)
    return rows


def _active_clients(org_id: int) -> int:
    with tenant_context(org_id):
        return Episode.objects.filter(status=EpisodeStatus.ACTIVE).count()


def _analyze() -> None:
    """Statistics for the planner (the app role may not ANALYZE tables it does not own)."""
    import psycopg2

    settings = connection.settings_dict
    owner = os.environ.get("IOP_DB_OWNER", "iop_owner")
    with psycopg2.connect(
        dbname=settings["NAME"], user=owner, host=settings["HOST"], port=settings["PORT"] or 5432
    ) as conn:
        conn.autocommit = True
        conn.cursor().execute("ANALYZE")


def generate(*, scale: int, orgs: int, clients: int, years: float, history: bool = False) -> None:
    """Without `history`, the copies are written with the change-history triggers off (pgtrigger's
    ignore): the pages measured do not read it, and the triggers double the writes."""
    with contextlib.ExitStack() as stack:
        if not history:
            stack.enter_context(pgtrigger.ignore())
        _generate(scale=scale, orgs=orgs, clients=clients, years=years)


def _generate(*, scale: int, orgs: int, clients: int, years: float) -> None:
    started = time.monotonic()
    source = Organization.objects.filter(slug=SOURCE_SLUG).first()
    if source is None:
        from demo.seed import seed_demo

        print("Seeding the demo (real write path)…", flush=True)
        seed_demo()
        source = Organization.objects.get(slug=SOURCE_SLUG)
    history_copies = math.ceil(years * 365 / HISTORY_SPAN_DAYS) if years else 0
    # The demo organization as seeded, before it grows, is the template of the added ones.
    org_plan = _plan(include_configuration=True)
    demo_active = _active_clients(source.id)
    if orgs:
        _stage(org_plan, org_id=source.id, prefix="bench_org_")
    rows = _grow(org_id=source.id, scale=scale, history_copies=history_copies, label=SOURCE_SLUG)

    if orgs:
        per_org_scale = max(1, math.ceil(clients / max(demo_active, 1))) if clients else 1
        existing = Organization.objects.filter(slug__startswith="bench-").count()
        for i in range(existing + 1, existing + orgs + 1):
            org = Organization.objects.create(
                slug=f"bench-{i:04d}",
                name=f"Bench Organization {i}",
                timezone=source.timezone,
                week_start=source.week_start,
            )
            rows += _copy(org_plan, org_id=org.id, tag=f"o{i}", prefix="bench_org_")
            rows += _grow(org_id=org.id, scale=per_org_scale, history_copies=history_copies, label=org.slug)
    print("ANALYZE…", flush=True)
    _analyze()
    print(f"Done: {rows} rows copied in {time.monotonic() - started:.0f} s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="copies of the demo organization's volume (default 1)")
    parser.add_argument("--orgs", type=int, default=0, help="more organizations like the demo's (default 0)")
    parser.add_argument("--clients", type=int, default=0, help="active clients per added organization")
    parser.add_argument("--years", type=float, default=0, help="years of finished care behind today's")
    parser.add_argument("--history", action="store_true", help="write change-history rows for the copies too")
    args = parser.parse_args()
    generate(scale=args.scale, orgs=args.orgs, clients=args.clients, years=args.years, history=args.history)


if __name__ == "__main__":
    main()
