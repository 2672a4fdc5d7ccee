"""Is the schema ready to be distributed by `organization_id` (Citus)? Read from the catalogue.

Citus shards a distributed table by one column and can only enforce, on one shard, what that
column keeps inside it. So for every *tenant table* (a table with an `organization_id` column;
Row-Level Security already protects each of them, iop/tenancy/rls.py):

- its primary key, every unique constraint and unique index include `organization_id` (a
  uniqueness without it would have to hold across shards), and an exclusion constraint has
  `organization_id WITH =` among its elements;
- every foreign key to another tenant table includes `organization_id` on both sides, paired
  (`(organization_id, x_id) → (organization_id, id)`: the two rows then live on the same shard);
- `organization_id` is NOT NULL (a row without a tenant has no shard) and of one type everywhere
  (co-located tables must share the distribution column's type).

Tables without the column are *reference tables* (users, sessions, organizations themselves…):
Citus copies them to every node, so a tenant table's foreign key to one is fine, but a reference
table's foreign key to a tenant table is not (it would have to check every shard).

Only the catalogue is read (no models), so it judges any database the connection points at:
`manage.py citus_readiness` prints what is not ready.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import connections

DISTRIBUTION_COLUMN = "organization_id"


@dataclass(frozen=True)
class Finding:
    """Something that stops `table` from being distributed (or co-located) by organization_id."""

    table: str
    constraint: str
    kind: str  # "primary key", "unique", "unique index", "exclusion", "foreign key", "column"
    why: str


@dataclass(frozen=True)
class ReferenceLink:
    """A tenant table's foreign key to a reference table: fine under Citus."""

    table: str
    constraint: str
    target: str


@dataclass
class CitusReadiness:
    schema: str
    tenant_tables: list[str] = field(default_factory=list)
    reference_tables: list[str] = field(default_factory=list)
    reference_links: list[ReferenceLink] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.findings


@dataclass
class _Table:
    name: str
    org_attnum: int | None  # the organization_id column's number, None for a reference table
    org_not_null: bool
    org_type: str | None
    columns: dict[int, str]


@dataclass
class _Constraint:
    name: str
    kind: str  # pg_constraint.contype: p, u, f, x
    table_oid: int
    target_oid: int | None
    keys: list[int]
    target_keys: list[int]
    operators: list[str]  # an exclusion constraint's operator per element
    definition: str


_TABLES_SQL = """
SELECT c.oid, c.relname, a.attnum, a.attnotnull, format_type(a.atttypid, a.atttypmod),
       (SELECT array_agg(ARRAY[col.attnum::text, col.attname::text]) FROM pg_attribute col
        WHERE col.attrelid = c.oid AND col.attnum > 0 AND NOT col.attisdropped)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = %s AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = %s
"""

_CONSTRAINTS_SQL = """
SELECT con.conname, con.contype, con.conrelid, NULLIF(con.confrelid, 0), con.conkey, con.confkey,
       (SELECT array_agg(o.oprname ORDER BY u.ord)
        FROM unnest(con.conexclop) WITH ORDINALITY AS u(op, ord) JOIN pg_operator o ON o.oid = u.op),
       pg_get_constraintdef(con.oid)
FROM pg_constraint con
WHERE con.contype IN ('p', 'u', 'f', 'x') AND con.conrelid = ANY(%s)
"""

# Unique indexes that no constraint owns (Django's conditional UniqueConstraint is one): only
# their key columns count, an expression (attnum 0) never includes organization_id.
_UNIQUE_INDEXES_SQL = """
SELECT ic.relname, i.indrelid, i.indkey::int2[], i.indnkeyatts, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indisunique AND i.indrelid = ANY(%s)
  AND NOT EXISTS (
      SELECT 1 FROM pg_constraint con
      WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
  )
"""


def citus_readiness_check(*, using: str = "default", schema: str | None = None) -> CitusReadiness:
    """What in `schema` (the connection's current schema by default) blocks distribution by
    organization_id, and which tables would be reference tables."""
    with connections[using].cursor() as cursor:
        if schema is None:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
        cursor.execute(_TABLES_SQL, [DISTRIBUTION_COLUMN, schema])
        tables = {
            oid: _Table(
                name=name,
                org_attnum=attnum,
                org_not_null=bool(not_null),
                org_type=type_name,
                columns={int(num): col for num, col in (columns or [])},
            )
            for oid, name, attnum, not_null, type_name, columns in cursor.fetchall()
        }
        oids = list(tables)
        cursor.execute(_CONSTRAINTS_SQL, [oids])
        constraints = [
            _Constraint(
                name=name,
                kind=kind,
                table_oid=table_oid,
                target_oid=target_oid,
                keys=list(keys or []),
                target_keys=list(target_keys or []),
                operators=list(operators or []),
                definition=definition,
            )
            for name, kind, table_oid, target_oid, keys, target_keys, operators, definition in cursor.fetchall()
        ]
        cursor.execute(_UNIQUE_INDEXES_SQL, [oids])
        unique_indexes = [
            (name, table_oid, list(keys)[:key_count], definition)
            for name, table_oid, keys, key_count, definition in cursor.fetchall()
        ]
    readiness = CitusReadiness(
        schema=schema,
        tenant_tables=sorted(t.name for t in tables.values() if t.org_attnum is not None),
        reference_tables=sorted(t.name for t in tables.values() if t.org_attnum is None),
    )
    readiness.findings += _column_findings(tables)
    for con in constraints:
        readiness.findings += _constraint_findings(con, tables=tables, constraints=constraints)
        target = tables.get(con.target_oid) if con.target_oid else None
        if con.kind == "f" and tables[con.table_oid].org_attnum is not None and (target and target.org_attnum is None):
            readiness.reference_links.append(
                ReferenceLink(table=tables[con.table_oid].name, constraint=con.name, target=target.name)
            )
    for name, table_oid, keys, definition in unique_indexes:
        table = tables[table_oid]
        if table.org_attnum is not None and table.org_attnum not in keys:
            readiness.findings.append(
                Finding(table.name, name, "unique index", f"{_short(definition)} lacks {DISTRIBUTION_COLUMN}")
            )
    readiness.findings.sort(key=lambda f: (f.table, f.kind, f.constraint))
    readiness.reference_links.sort(key=lambda r: (r.table, r.constraint))
    return readiness


def _short(index_definition: str) -> str:
    """`UNIQUE INDEX name ON table USING btree (cols) WHERE …` without the name and table."""
    _, _, rest = index_definition.partition(" USING ")
    return f"unique index USING {rest}" if rest else index_definition


def _column_findings(tables: dict[int, _Table]) -> list[Finding]:
    tenant = [t for t in tables.values() if t.org_attnum is not None]
    types = Counter(t.org_type for t in tenant)
    usual = types.most_common(1)[0][0] if types else None
    findings = []
    for t in tenant:
        if not t.org_not_null:
            findings.append(
                Finding(t.name, DISTRIBUTION_COLUMN, "column", "nullable: a row without a tenant has no shard")
            )
        if t.org_type != usual:
            findings.append(
                Finding(
                    t.name,
                    DISTRIBUTION_COLUMN,
                    "column",
                    f"type {t.org_type}, not {usual} as elsewhere: co-located tables share one type",
                )
            )
    return findings


def _constraint_findings(
    con: _Constraint, *, tables: dict[int, _Table], constraints: list[_Constraint]
) -> list[Finding]:
    table = tables[con.table_oid]
    org = table.org_attnum
    columns = ", ".join(table.columns.get(k, "?") for k in con.keys)
    if con.kind == "f":
        target = tables.get(con.target_oid) if con.target_oid else None
        if target is None:  # a table in another schema: out of scope
            return []
        if org is None:
            if target.org_attnum is not None:
                return [
                    Finding(
                        table.name,
                        con.name,
                        "foreign key",
                        f"reference table points at tenant table {target.name}: "
                        "a reference table cannot reference a distributed one",
                    )
                ]
            return []
        if target.org_attnum is None:
            return []  # tenant → reference: fine, listed as a reference link
        if org in con.keys and con.target_keys[con.keys.index(org)] == target.org_attnum:
            return []
        why = f"({columns}) → {target.name} without {DISTRIBUTION_COLUMN} on both sides"
        twin = _composite_twin(con, org=org, target_org=target.org_attnum, constraints=constraints)
        if twin:
            why += f"; the composite key {twin} already covers it: drop this one"
        return [Finding(table.name, con.name, "foreign key", why)]
    if org is None:
        return []  # a reference table's own keys do not matter to distribution
    if con.kind == "x":
        if org in con.keys and con.operators[con.keys.index(org)] == "=":
            return []
        return [Finding(table.name, con.name, "exclusion", f"{con.definition} lacks {DISTRIBUTION_COLUMN} WITH =")]
    if org in con.keys:
        return []
    kind = "primary key" if con.kind == "p" else "unique"
    why = f"{kind} ({columns}) lacks {DISTRIBUTION_COLUMN}"
    if con.kind == "p":
        widened = _widened_unique(con, org=org, constraints=constraints)
        if widened:
            why += f"; the unique ({DISTRIBUTION_COLUMN}, {columns}) {widened} could become the primary key"
    return [Finding(table.name, con.name, kind, why)]


def _composite_twin(con: _Constraint, *, org: int, target_org: int, constraints: list[_Constraint]) -> str | None:
    """A foreign key on the same table to the same target that adds the organization_id pair."""
    wanted = {(org, target_org), *zip(con.keys, con.target_keys, strict=True)}
    for other in constraints:
        if (
            other.kind == "f"
            and other.table_oid == con.table_oid
            and other.target_oid == con.target_oid
            and set(zip(other.keys, other.target_keys, strict=True)) == wanted
        ):
            return other.name
    return None


def _widened_unique(con: _Constraint, *, org: int, constraints: list[_Constraint]) -> str | None:
    """A unique constraint on organization_id plus exactly the primary key's columns."""
    for other in constraints:
        if other.kind == "u" and other.table_oid == con.table_oid and set(other.keys) == {org, *con.keys}:
            return other.name
    return None
