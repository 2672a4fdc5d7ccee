"""Bench data: the demo organization made k times bigger, more organizations like it, longer history.

    .venv/bin/python bench/generate.py --scale 10                 # harbor × 10 (the demo logins work)
    .venv/bin/python bench/generate.py --orgs 200 --clients 40 --years 2

The source of truth is the demo (`seed_demo`, written through the real services, so its object
graph is consistent: episodes, placements, rosters, attendance, flags, authorizations with their
requests, determinations, lines, reviews, packets, appeals, discharges). Everything else is copied
from it in SQL, one `INSERT … SELECT` per table and organization over all its copies (the staged
rows × a VALUES list of copy tags), so the size costs minutes, not hours:

- **scale** (`--scale k`): k − 1 more copies of harbor's *volume* rows inside harbor — clients,
  episodes, groups (names suffixed), slots, sessions, rosters, attendance, coverage and the whole
  authorization and discharge graph. Configuration (programs, staff, payers, service codes, rules,
  settings) is shared, as one bigger organization's would be.
- **history** (`--years y`): copies of the same volume rows shifted back in time, one demo span
  (its sessions' whole weeks, at least `HISTORY_SPAN_DAYS`) at a time, their episodes discharged at
  the end of their span: the same organization with y years of finished care behind today's
  clients (⌈y × 365 / span⌉ spans).
- **organizations** (`--orgs n --clients m`): n new organizations `bench-0001…`, each a copy of the
  whole harbor graph (configuration included, memberships for the same demo users) at the scale
  that gives about m active clients, with the same history.

Every copied primary key is `md5(old key || copy tag)::uuid`, so a foreign key is mapped by the
same expression without a lookup table, and composite tenant keys (organization_id, x_id) stay
consistent; an added organization's copies are copies of its copy of the demo,
`md5(md5(key || o<i>) || tag)`. Rows are written as the app role under Row-Level Security with the
target tenant set (iop/tenancy: one tenant per statement, so one batch per organization), read from
temporary staging tables of the demo as seeded (never an earlier copy). While copying, the copied
tables' indexes and keys are dropped by the owner role and built afterwards, as pg_restore does
(`_keys_and_indexes_built_at_the_end`): one sort per index and one anti-join per foreign key instead
of index insertions and a lookup per row and key. Change-history triggers are off while copying
(`--history` keeps them: the event rows are valid history of the copies, at twice the writes). Ends
with ANALYZE as the owner role (the app role may not analyze). Not idempotent: run it on a fresh
copy of the seeded demo (bench/run.py makes one per size from the template database
`iop_bench_template`).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.dev")

import django  # noqa: E402

django.setup()

import pgtrigger  # noqa: E402
import psycopg2  # noqa: E402
from django.contrib.postgres.fields import DateRangeField, DateTimeRangeField  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from psycopg2 import sql  # noqa: E402

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
    configured: set[str] = field(default_factory=set)  # keys of configuration rows (not in a volume plan)
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
            elif f.is_relation and f.related_model._meta.label in CONFIGURATION:
                t.configured.add(f.column)
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


@dataclass
class Copy:
    """One copy of the staged rows, in a batch written by one statement per table.

    Keys become `md5(key || tag)::uuid` after the batch's organization tag (`base`, when the batch
    copies into another organization); `tag=None` is that organization copy itself."""

    tag: str | None
    shift_days: int = 0
    suffix: str = ""
    # History: the HISTORY_SHARES rows are not copied; references go to those of the copy tagged
    # `shares` ("" = the rows as staged, after `base`).
    shares: str | None = None
    users: dict[int, int] = field(default_factory=dict)  # staff user id -> this copy's user


_SAFE_TEXT = re.compile(r"[\w -]*")


def _literal(value: str | None) -> str:
    """Tags and suffixes are ours (letters, digits, spaces, dashes): inlined, never a parameter, so
    the same text serves statements with and without placeholders."""
    if value is None:
        return "NULL::text"
    assert _SAFE_TEXT.fullmatch(value), value
    return f"'{value}'"


def _key(column: str, *, base: str | None, tag: str | None) -> str:
    """A copied key: md5 of the key and the organization tag, then of that and the copy's tag
    (an SQL expression, NULL for none)."""
    key = f"md5({column}::text || {_literal(base)})::uuid" if base else column
    return f"COALESCE(md5({key}::text || {tag})::uuid, {key})" if tag else key


def _copies_values(copies: list[Copy]) -> str:
    rows = ", ".join(
        f"({n}, {_literal(c.tag)}, {int(c.shift_days)}, {_literal(c.suffix)}, {_literal(c.shares)})"
        for n, c in enumerate(copies)
    )
    return f"(VALUES {rows}) AS c(n, tag, shift, suffix, shares)"


def _users_case(column: str, copies: list[Copy]) -> str:
    """Each copy's staff users in place of the originals (copies with the same users share a branch)."""
    by_users: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for n, c in enumerate(copies):
        if c.users:
            by_users.setdefault(tuple(sorted(c.users.items())), []).append(n)
    branches = []
    for users, ns in by_users.items():
        whens = " ".join(f"WHEN {int(old)} THEN {int(new)}" for old, new in users)
        branches.append(f"WHEN c.n IN ({', '.join(map(str, ns))}) THEN CASE {column} {whens} ELSE {column} END")
    return f"CASE {' '.join(branches)} ELSE {column} END"


def _insert(t: Table, *, source: str, org_id: int, base: str | None, copies: list[Copy]) -> str:
    """One INSERT … SELECT writing every copy of `t` (the staged rows × the copies)."""
    shift, suffix = any(c.shift_days for c in copies), any(c.suffix for c in copies)
    sharing = any(c.shares is not None for c in copies)
    exprs = []
    for col in t.columns:
        q = "s." + connection.ops.quote_name(col)
        if col == "organization_id":
            exprs.append(str(int(org_id)))
        elif col in t.user_refs and any(c.users for c in copies):
            exprs.append(_users_case(q, copies))
        elif sharing and t.refs.get(col) in HISTORY_SHARES:  # a row history copies share, by tag
            exprs.append(_key(q, base=base, tag="CASE WHEN c.shares IS NULL THEN c.tag ELSE NULLIF(c.shares, '') END"))
        elif col in t.mapped:
            exprs.append(_key(q, base=base, tag="c.tag"))
        elif col in t.configured:  # configuration is copied once per organization
            exprs.append(_key(q, base=base, tag=None))
        elif col in t.suffixed and suffix:
            exprs.append(f"{q} || c.suffix")
        elif col in t.dates and shift:
            exprs.append(f"{q} - c.shift")
        elif col in t.ranges and shift:
            step = "make_interval(days => c.shift)" if t.ranges[col] == "tstzrange" else "c.shift"
            bounds = (
                f"(CASE WHEN lower_inc({q}) THEN '[' ELSE '(' END || CASE WHEN upper_inc({q}) THEN ']' ELSE ')' END)"
            )
            exprs.append(f"{t.ranges[col]}(lower({q}) - {step}, upper({q}) - {step}, {bounds})")
        elif col in t.datetimes and shift:
            exprs.append(f"{q} - make_interval(days => c.shift)")
        else:
            exprs.append(q)
    if t.table in ORDERED_PAIRS:  # keep the stored order of a pair: new keys sort differently
        first, second = (t.columns.index(c) for c in ORDERED_PAIRS[t.table])
        a, b = exprs[first], exprs[second]
        exprs[first], exprs[second] = f"LEAST({a}, {b})", f"GREATEST({a}, {b})"
    # History copies share these rows rather than copy them.
    where = " WHERE c.shares IS NULL" if sharing and t.label in HISTORY_SHARES else ""
    cols = ", ".join(connection.ops.quote_name(c) for c in t.columns)
    return (
        f"INSERT INTO {connection.ops.quote_name(t.table)} ({cols}) SELECT {', '.join(exprs)} "
        f"FROM {source} AS s CROSS JOIN {_copies_values(copies)}{where}"
    )


def _copy(
    plan: list[Table],
    *,
    org_id: int,
    prefix: str,
    copies: list[Copy],
    base: str | None = None,
    configuration: list[Table] | None = None,
) -> int:
    """Every copy into `org_id` of the rows staged under `prefix` (never of earlier copies), one
    statement per table: the tables of `plan` get all `copies`; those of `configuration` (an
    organization's own, when `base` copies into a new one) are copied once, with `base` only."""
    today = Organization.objects.get(id=org_id).local_today()
    rows = 0
    with tenant_context(org_id), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for t, its_copies in [*((t, [Copy(tag=None)]) for t in configuration or []), *((t, copies) for t in plan)]:
            if not its_copies:
                continue
            cursor.execute(_insert(t, source=prefix + t.table, org_id=org_id, base=base, copies=its_copies))
            rows += cursor.rowcount
        if any(c.shift_days for c in copies):
            # History: the copied episodes ended with their span.
            cursor.execute(
                "UPDATE clients_episode AS e SET status = %s, "
                "discharge_date = GREATEST(e.admission_date, %s::date - c.shift) "
                f"FROM {prefix}clients_episode AS s CROSS JOIN {_copies_values(copies)} "
                f"WHERE c.shift > 0 AND e.id = {_key('s.id', base=base, tag='c.tag')} "
                "AND e.admission_date IS NOT NULL AND e.status <> %s",
                [EpisodeStatus.DISCHARGED, today, EpisodeStatus.DISCHARGED],
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


def _session_span_days(*, prefix: str) -> int:
    """Whole weeks from the first to the last staged session: history copies shifted by it never overlap."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(local_date) - min(local_date) + 1 FROM {prefix}scheduling_session")
        days = cursor.fetchone()[0] or 7
    return max(HISTORY_SPAN_DAYS, math.ceil(days / 7) * 7)


def _staff_copy(*, prefix: str, tag: str) -> dict[int, int]:
    """New users for a scale copy's staff (a k times bigger organization has k times the staff: one
    facilitator cannot run ten groups at once). Same password; the address gets `+tag`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT user_id FROM {prefix}tenancy_membership")
        old = list(User.objects.filter(pk__in=[row[0] for row in cursor.fetchall()]).order_by("pk"))
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


def _growth(*, prefix: str, scale: int, history_copies: int, span: int, label: str) -> list[Copy]:
    """The scale and history copies of one organization's volume rows, inside it."""
    users: dict[int, dict[int, int]] = {1: {}}
    copies = []
    for k in range(2, scale + 1):
        users[k] = _staff_copy(prefix=prefix, tag=f"{label}-s{k}")
        copies.append(Copy(tag=f"s{k}", suffix=f" {k}", users=users[k]))
    for h in range(1, history_copies + 1):
        for k in range(1, scale + 1):
            copies.append(
                Copy(
                    tag=f"h{h}s{k}",
                    shift_days=h * span,
                    suffix=f" h{h}s{k}",  # unique keys (notification dedupe keys) of another time
                    shares=f"s{k}" if k > 1 else "",  # past sessions of the same groups and weekly slots
                    users=users[k],
                )
            )
    return copies


def _grow(*, org_id: int, scale: int, history_copies: int, label: str) -> int:
    """Scale and history copies of one organization's volume rows, inside it."""
    plan = _plan(include_configuration=False)
    _stage(plan, org_id=org_id, prefix="bench_grow_")
    span = _session_span_days(prefix="bench_grow_")
    copies = _growth(prefix="bench_grow_", scale=scale, history_copies=history_copies, span=span, label=label)
    rows = _copy(plan, org_id=org_id, prefix="bench_grow_", copies=copies)
    print(f"  {label}: ×{scale}, {history_copies} history spans of {span} days: {rows} rows", flush=True)
    return rows


def _active_clients(org_id: int) -> int:
    with tenant_context(org_id):
        return Episode.objects.filter(status=EpisodeStatus.ACTIVE).count()


def _owner_connection(*, autocommit: bool = True):
    """The owner role's connection to the same database (the app role may not ANALYZE, nor alter
    the tables)."""
    settings = connection.settings_dict
    owner = os.environ.get("IOP_DB_OWNER", "iop_owner")
    conn = psycopg2.connect(dbname=settings["NAME"], user=owner, host=settings["HOST"], port=settings["PORT"] or 5432)
    conn.autocommit = autocommit
    return contextlib.closing(conn)


def _analyze() -> None:
    """Statistics for the planner."""
    with _owner_connection() as conn:
        conn.cursor().execute("ANALYZE")


@contextlib.contextmanager
def _keys_and_indexes_built_at_the_end(tables: list[str], *, triggers_off: bool) -> Iterator[None]:
    """The copied tables' indexes and keys dropped while copying and built after, as pg_restore
    does: a roster row then costs a heap insert (18 µs, measured on a busy machine) instead of twelve
    index insertions with an exclusion check (197 µs) and a lookup per foreign key at commit. An
    index is built by one sort, a foreign key checked by one anti-join (the owner's validation,
    which RLS does not filter). Foreign keys go back NOT VALID, then each is validated.

    Whatever does not hold (a duplicate, a dangling key) fails the run, as it failed at insert or
    commit before, after everything else is back. Names and definitions are the catalogue's own,
    so the schema ends as it began (PostgreSQL may print a rebuilt index's predicate differently,
    the casts in a `status = ANY (ARRAY[…])`: the same predicate). Run on a fresh copy (bench/run.py
    makes one): an interrupted run leaves the tables without them.

    With `triggers_off` their enabled triggers (the change history's, all pgtrigger's) are disabled
    too, as pgtrigger's ignore would skip them: its per-row check opens a subtransaction (an
    EXCEPTION block), ~100 µs an attendance row."""
    with _owner_connection(autocommit=False) as conn, conn.cursor() as cursor:
        cursor.execute(
            # Foreign keys on the tables or pointing at them (a key must go before the index it uses).
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND (conrelid = ANY(%(t)s::regclass[]) OR confrelid = ANY(%(t)s::regclass[])) "
            "ORDER BY 1, 2",
            {"t": tables},
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype IN ('p', 'u', 'x') AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        triggers = []
        if triggers_off:
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                "WHERE NOT tgisinternal AND tgenabled <> 'D' AND tgrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
                [tables],
            )
            triggers = cursor.fetchall()
        for table, name in triggers:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(sql.Identifier(table), sql.Identifier(name))
            )
        for table, name, _ in [*foreign_keys, *constraints]:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name))
            )
        for name, _ in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        conn.commit()
    try:
        yield
    finally:
        started = time.monotonic()
        failures = []
        with _owner_connection() as conn, conn.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            steps = [
                sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(sql.Identifier(table), sql.Identifier(name))
                for table, name in triggers
            ]
            steps += [sql.SQL(definition) for _, definition in indexes]
            steps += [
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
                )
                for table, name, definition in constraints
            ]
            steps += [
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} NOT VALID").format(
                    sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
                )
                for table, name, definition in foreign_keys
            ]
            steps += [
                sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name))
                for table, name, _ in foreign_keys
            ]
            for step in steps:
                try:
                    cursor.execute(step)
                except psycopg2.Error as error:
                    failures.append(f"{step.as_string(conn)}: {error}".strip())
        print(
            f"{len(indexes)} indexes, {len(constraints)} keys and {len(foreign_keys)} foreign keys built and "
            f"checked in {time.monotonic() - started:.0f} s.",
            flush=True,
        )
        if failures:
            raise RuntimeError("The copies broke keys of the schema:\n" + "\n".join(failures))


def generate(*, scale: int, orgs: int, clients: int, years: float, history: bool = False) -> None:
    """Without `history`, the copies are written with the change-history triggers off (pgtrigger's
    ignore): the pages measured do not read it, and the triggers double the writes."""
    with contextlib.ExitStack() as stack:
        if not history:
            stack.enter_context(pgtrigger.ignore())
        _generate(scale=scale, orgs=orgs, clients=clients, years=years, history=history)


def _generate(*, scale: int, orgs: int, clients: int, years: float, history: bool) -> None:
    started = time.monotonic()
    source = Organization.objects.filter(slug=SOURCE_SLUG).first()
    if source is None:
        from demo.seed import seed_demo

        print("Seeding the demo (real write path)…", flush=True)
        seed_demo()
        source = Organization.objects.get(slug=SOURCE_SLUG)
    # The demo organization as seeded, before it grows, is the template of everything copied.
    org_plan = _plan(include_configuration=True)
    volume = {t.label: t for t in _plan(include_configuration=False)}
    volume_plan = [volume[t.label] for t in org_plan if t.label in volume]  # parents first, as org_plan
    configuration = [t for t in org_plan if t.label not in volume]
    prefix = "bench_src_"
    _stage(org_plan, org_id=source.id, prefix=prefix)
    span = _session_span_days(prefix=prefix)
    history_copies = math.ceil(years * 365 / span) if years else 0  # spans of the demo's length
    demo_active = _active_clients(source.id)
    rows = 0
    copying = scale > 1 or history_copies or orgs
    tables = [t.table for t in org_plan]
    built_after = _keys_and_indexes_built_at_the_end(tables, triggers_off=not history)
    with built_after if copying else contextlib.nullcontext():
        copies = _growth(prefix=prefix, scale=scale, history_copies=history_copies, span=span, label=SOURCE_SLUG)
        rows += _copy(volume_plan, org_id=source.id, prefix=prefix, copies=copies)
        print(f"  {SOURCE_SLUG}: ×{scale}, {history_copies} history spans of {span} days: {rows} rows", flush=True)
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
                # The organization's copy of the demo (tag o<i>) and its growth, in one batch: its
                # scale and history copies are keyed md5(md5(key || o<i>) || tag), as copies of that copy.
                copies = [
                    Copy(tag=None),
                    *_growth(
                        prefix=prefix, scale=per_org_scale, history_copies=history_copies, span=span, label=org.slug
                    ),
                ]
                org_rows = _copy(
                    volume_plan, org_id=org.id, prefix=prefix, copies=copies, base=f"o{i}", configuration=configuration
                )
                print(f"  {org.slug}: ×{per_org_scale}, {history_copies} history spans: {org_rows} rows", flush=True)
                rows += org_rows
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
