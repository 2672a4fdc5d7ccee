"""The tenant (and acting user) of the current unit of work, and how Postgres learns about it.

Row-Level Security policies read `app.tenant_id` (and, for Membership, `app.user_id`; for API
tokens, `app.token_digest`). We push them to Postgres *per statement*, prefixing every DML
statement with a transaction-local `set_config(…, true)` (the prefix is added by our database
backend, iop/tenancy/db/). Setting them once per request does not work: a value set with
`is_local=true` lives until the enclosing transaction ends, so in a test (one transaction per test)
or in a Celery fan-out looping over tenants inside one `atomic()` block, the previous tenant would
leak into the next (verified on Django 5.2 and PostgreSQL 15). Per-statement injection leaves nothing
behind on pooled connections either.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar

_tenant_id: ContextVar[int | None] = ContextVar("iop_tenant_id", default=None)
_user_id: ContextVar[int | None] = ContextVar("iop_user_id", default=None)
_token_digest: ContextVar[str | None] = ContextVar("iop_token_digest", default=None)

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

_DML_PREFIXES = ("select", "insert", "update", "delete", "with")


class NoTenantContext(RuntimeError):
    """A tenant-scoped query ran without a tenant: a bug, never a reason to show all rows."""


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def require_tenant_id() -> int:
    tenant_id = _tenant_id.get()
    if tenant_id is None:
        raise NoTenantContext("No tenant context: wrap the work in tenant_context(organization_id).")
    return tenant_id


@contextlib.contextmanager
def tenant_context(organization_id: int) -> Iterator[None]:
    """Run the block as `organization_id`. Nested contexts restore the outer one on exit."""
    token = _tenant_id.set(int(organization_id))
    try:
        yield
    finally:
        _tenant_id.reset(token)


@contextlib.contextmanager
def no_tenant_context() -> Iterator[None]:
    """Run the block with no tenant at all (tenant tables then return zero rows)."""
    token = _tenant_id.set(None)
    try:
        yield
    finally:
        _tenant_id.reset(token)


@contextlib.contextmanager
def user_context(user_id: int | None) -> Iterator[None]:
    """The signed-in user, so they can list their own memberships across organizations."""
    token = _user_id.set(int(user_id) if user_id is not None else None)
    try:
        yield
    finally:
        _user_id.reset(token)


@contextlib.contextmanager
def token_digest_context(digest: str) -> Iterator[None]:
    """Lets the block read the one API token whose SHA-256 digest is `digest`, whichever
    organization holds it: a token presented outside an organization's URLs (the API schema),
    where no tenant says where to look. Holding the token is what grants the read."""
    if not _SHA256_HEX.fullmatch(digest):
        raise ValueError("Not a SHA-256 hex digest.")
    token = _token_digest.set(digest)
    try:
        yield
    finally:
        _token_digest.reset(token)


def _as_setting(value: int | None) -> str:
    # Only ever integers we set ourselves, rendered as digits: safe to inline in the SQL text, and
    # inlining avoids touching the caller's parameters (a statement without parameters may contain
    # a literal '%', which would break if we added placeholders to it).
    return "" if value is None else str(int(value))


def rls_prefix_for(sql: str) -> str:
    """The `set_config` prefix for a DML statement, or "" for anything else (DDL such as
    CREATE DATABASE cannot run after another statement in the same call)."""
    if not sql.lstrip(" \t\n(")[:6].lower().startswith(_DML_PREFIXES):
        return ""
    # The digest was checked to be 64 hex digits when it was set: safe to inline as well.
    return (
        f"SELECT set_config('app.tenant_id', '{_as_setting(_tenant_id.get())}', true), "
        f"set_config('app.user_id', '{_as_setting(_user_id.get())}', true), "
        f"set_config('app.token_digest', '{_token_digest.get() or ''}', true); "
    )
