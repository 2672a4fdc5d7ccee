"""Database-level tenant protections, derived from the models so that none can be forgotten.

After every `migrate` (run as the owner role) `sync_database_protections()`:

1. grants the app role DML on every table and sequence, then takes UPDATE, DELETE and TRUNCATE
   back on append-only tables (the audit logs, the disclosure log and the change-history event
   tables), and guards the change history's context table (who made each change; see
   `_guard_history_context`);
2. enables and forces Row-Level Security, with one inline `tenant_isolation` policy (USING and
   WITH CHECK), on **every table that has an `organization_id` column** — tenant models, but also
   generated tables such as the change-history event tables;
3. adds a composite foreign key `(organization_id, x_id) → target(organization_id, id)` for every
   foreign key between two tenant models, because Postgres runs referential-integrity checks with
   RLS disabled: a plain FK would let tenant A's row point at tenant B's.

Everything is idempotent, and it runs after every `migrate` rather than in a migration: the
blanket GRANT of step 1 would hand back whatever a migration had revoked. The policy is inline
SQL, not a function: a VOLATILE function in a policy made queries ~500× slower in measurement.
`tests/tenancy/test_rls_catalogue.py` checks the result against the catalogue.
"""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from psycopg2 import sql

POLICY_NAME = "tenant_isolation"
MEMBERSHIP_SELF_POLICY = "membership_own_rows"
DIGEST_POLICY = "readable_by_digest"
TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"
USER_EXPR = "NULLIF(current_setting('app.user_id', true), '')::bigint"
DIGEST_EXPR = "NULLIF(current_setting('app.token_digest', true), '')"


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(field: object) -> str:
    """The column of a concrete field. Only lookup fields and primary keys get here; the stubs also
    allow a reverse relation (no column) or a missing primary key."""
    assert isinstance(field, models.Field) and field.column is not None
    return field.column


def _short_name(*parts: str) -> str:
    raw = "_".join(parts)
    if len(raw) <= 63:
        return raw
    digest = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{raw[:54]}_{digest}"


def tenant_models() -> list[type[models.Model]]:
    from .models import TenantModel

    return [m for m in apps.get_models() if issubclass(m, TenantModel) and not m._meta.proxy and m._meta.managed]


def append_only_tables() -> set[str]:
    """Tables the app role may only INSERT into and SELECT from."""
    tables = {m._meta.db_table for m in apps.get_models() if getattr(m, "append_only", False)}
    try:
        from pghistory.models import Event

        tables |= {m._meta.db_table for m in apps.get_models() if issubclass(m, Event) and not m._meta.abstract}
    except ImportError:  # pragma: no cover - pghistory is a hard dependency
        pass
    return tables


def history_context_table() -> str:
    """pghistory's context table: one row per request (or `pghistory.context()` block) saying who
    made the changes its events record."""
    from pghistory.models import Context

    return Context._meta.db_table


# Which columns pghistory's upsert (`_pgh_attach_context()`, ON CONFLICT DO UPDATE) sets.
HISTORY_CONTEXT_UPDATABLE_COLUMNS = ("metadata", "updated_at")
HISTORY_CONTEXT_GUARD = "iop_history_context_guard"  # the trigger and its function (SQL below)

# Why a trigger and not a plain REVOKE: pghistory writes the context row with an upsert from inside
# every history trigger, and updates it when the context's metadata changes during one request —
# the page's middleware records the url and user, then DRF authenticates the token user, then a
# service adds what it knows (`pghistory.context(discharge_completed_by=...)`). ON CONFLICT DO
# UPDATE needs UPDATE on the columns it sets, so the app role keeps UPDATE of `metadata` and
# `updated_at` only (no DELETE, no TRUNCATE), and this trigger decides which updates are the upsert:
#
# - a row written by the current transaction (its `created_at` is this transaction's start, as
#   `_pgh_attach_context()` sets it) may change freely: nothing committed refers to it yet;
# - a row from an earlier transaction (requests are not one transaction: ATOMIC_REQUESTS is off)
#   may only *gain* keys, and only through pghistory's upsert inside a history trigger
#   (`pg_trigger_depth() > 1`); every key it already has keeps its value, so who made a recorded
#   change, from which URL, with which override reason, can never be rewritten or removed;
# - anything else — a bare UPDATE, a changed or dropped key, a new id or creation time — is refused.
#
# Refusing the earlier-transaction upsert outright would make such a request fail halfway; letting
# it through silently unchanged would lose the context a later service added. Append-only at the
# level of the context's facts keeps both the history and the request.
HISTORY_CONTEXT_GUARD_SQL = """
CREATE OR REPLACE FUNCTION iop_history_context_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'The change history''s context is append-only: its id and time never change.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.created_at = transaction_timestamp() THEN
        RETURN NEW;
    END IF;
    IF pg_trigger_depth() > 1 AND NOT EXISTS (
        SELECT 1 FROM jsonb_each(OLD.metadata) AS kept(key, value)
        WHERE NEW.metadata -> kept.key IS DISTINCT FROM kept.value
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The change history''s context is append-only: a recorded context cannot be changed.'
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def tables_with_organization_id(cursor) -> list[str]:
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
        ORDER BY c.relname
        """
    )
    return [row[0] for row in cursor.fetchall()]


def _constraint_exists(cursor, table: str, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s AND conrelid = %s::regclass", [name, _qn(table)])
    return cursor.fetchone() is not None


def _ddl(cursor, template: str, **identifiers: str) -> None:
    """Run a DDL statement whose table, role and constraint names are quoted as identifiers (DDL
    takes no bind parameters; names are composed by psycopg2, never pasted in as text)."""
    cursor.execute(sql.SQL(template).format(**{k: sql.Identifier(v) for k, v in identifiers.items()}))


def _grant_app_role(cursor, app_role: str) -> None:
    _ddl(cursor, "GRANT USAGE ON SCHEMA public TO {role}", role=app_role)
    _ddl(cursor, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}", role=app_role)
    _ddl(cursor, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}", role=app_role)
    for table in sorted(append_only_tables()):
        _ddl(cursor, "REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}", table=table, role=app_role)
    # The context table: only pghistory's upsert columns, and the guard decides which updates pass.
    context = history_context_table()
    _ddl(cursor, "REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}", table=context, role=app_role)
    cursor.execute(
        sql.SQL("GRANT UPDATE ({columns}) ON {table} TO {role}").format(
            columns=sql.SQL(", ").join(sql.Identifier(c) for c in HISTORY_CONTEXT_UPDATABLE_COLUMNS),
            table=sql.Identifier(context),
            role=sql.Identifier(app_role),
        )
    )


def _guard_history_context(cursor) -> None:
    """The trigger that tells pghistory's upsert from a rewrite (see HISTORY_CONTEXT_GUARD_SQL).
    DELETE and TRUNCATE need no trigger: the app role holds neither (the owner keeps them, for
    the test suite's flush between transactional tests)."""
    table = history_context_table()
    cursor.execute(HISTORY_CONTEXT_GUARD_SQL)
    _ddl(cursor, "DROP TRIGGER IF EXISTS {name} ON {table}", name=HISTORY_CONTEXT_GUARD, table=table)
    _ddl(
        cursor,
        "CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        name=HISTORY_CONTEXT_GUARD,
        table=table,
    )


def _protect_table(cursor, table: str) -> None:
    _ddl(cursor, "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY", table=table)
    _ddl(cursor, "ALTER TABLE {table} FORCE ROW LEVEL SECURITY", table=table)
    _ddl(cursor, "DROP POLICY IF EXISTS {policy} ON {table}", policy=POLICY_NAME, table=table)
    _ddl(
        cursor,
        "CREATE POLICY {policy} ON {table} "
        f"USING (organization_id = {TENANT_EXPR}) WITH CHECK (organization_id = {TENANT_EXPR})",
        policy=POLICY_NAME,
        table=table,
    )


def _protect_membership(cursor) -> None:
    """A signed-in user may *read* their own memberships in every organization (the organization
    switcher needs them before any tenant is chosen). Writes stay tenant-only."""
    from .models import Membership

    table = Membership._meta.db_table
    _ddl(cursor, "DROP POLICY IF EXISTS {policy} ON {table}", policy=MEMBERSHIP_SELF_POLICY, table=table)
    _ddl(
        cursor,
        f"CREATE POLICY {{policy}} ON {{table}} FOR SELECT USING (user_id = {USER_EXPR})",
        policy=MEMBERSHIP_SELF_POLICY,
        table=table,
    )


def _protect_digest_readable(cursor) -> None:
    """Tenant models that name a `digest_lookup_field` (API tokens) may also be *read*, one row at
    a time, by whoever presents that row's digest (`token_digest_context`), without a tenant.
    Writes stay tenant-only."""
    for model in tenant_models():
        field = getattr(model, "digest_lookup_field", None)
        if not field:
            continue
        table = model._meta.db_table
        _ddl(cursor, "DROP POLICY IF EXISTS {policy} ON {table}", policy=DIGEST_POLICY, table=table)
        _ddl(
            cursor,
            f"CREATE POLICY {{policy}} ON {{table}} FOR SELECT USING ({{column}} = {DIGEST_EXPR})",
            policy=DIGEST_POLICY,
            table=table,
            column=_column(model._meta.get_field(field)),
        )


def _add_composite_foreign_keys(cursor) -> None:
    from .models import TenantModel

    # After `migrate <app> zero` some models have no table; there is nothing to protect then.
    existing = set(connection.introspection.table_names(cursor))
    for model in tenant_models():
        if model._meta.db_table not in existing:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or field.name == "organization":
                continue
            target = field.related_model
            if not issubclass(target, TenantModel) or target._meta.db_table not in existing:
                continue
            target_table = target._meta.db_table
            unique_name = _short_name(target_table, "org_id_uniq")
            if not _constraint_exists(cursor, target_table, unique_name):
                _ddl(
                    cursor,
                    "ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE (organization_id, {pk})",
                    table=target_table,
                    name=unique_name,
                    pk=_column(target._meta.pk),
                )
            table = model._meta.db_table
            fk_name = _short_name(table, field.column, "tenant_fk")
            if not _constraint_exists(cursor, table, fk_name):
                _ddl(
                    cursor,
                    "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (organization_id, {column}) "
                    "REFERENCES {target} (organization_id, {pk}) DEFERRABLE INITIALLY DEFERRED",
                    table=table,
                    name=fk_name,
                    column=field.column,
                    target=target_table,
                    pk=_column(target._meta.pk),
                )


def sync_database_protections(*, using: str = "default") -> None:
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        raise RuntimeError("IOP Ops runs on PostgreSQL only: tenant isolation depends on Row-Level Security.")
    with conn.cursor() as cursor:
        for table in tables_with_organization_id(cursor):
            _protect_table(cursor, table)
        _protect_membership(cursor)
        _protect_digest_readable(cursor)
        _add_composite_foreign_keys(cursor)
        _guard_history_context(cursor)
        _grant_app_role(cursor, settings.IOP_DB_APP_ROLE)
