"""PostgreSQL backend that tells Postgres the current tenant with every statement.

Row-Level Security policies read `app.tenant_id` (and `app.user_id`, `app.token_digest`). Each DML
statement is sent as `SELECT set_config('app.tenant_id', …, true), …; <statement>` so the value is
exactly the one of the code that runs the statement (see iop/tenancy/context.py for why per
statement).

The prefix is added by the psycopg2 *cursor class*, below every Django `execute_wrapper`: wrappers
such as django-pghistory's (which injects its own context into INSERT/UPDATE/DELETE statements)
still see the statement as Django wrote it, and wrappers pushed and popped around a block can
never remove ours.
"""

from __future__ import annotations

import psycopg2.extensions
from django.db.backends.postgresql import base

from ..context import rls_prefix_for


class TenantCursor(psycopg2.extensions.cursor):
    def execute(self, query, vars=None):  # noqa: A002 - psycopg2's signature
        return super().execute(rls_prefix_for(query) + query if isinstance(query, str) else query, vars)

    def executemany(self, query, vars_list):
        # psycopg2 runs the whole text once per parameter set, prefix included.
        return super().executemany(rls_prefix_for(query) + query if isinstance(query, str) else query, vars_list)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.cursor_factory = TenantCursor
        return connection

    def create_cursor(self, name=None):
        if name:
            # A server-side cursor wraps the query in DECLARE … CURSOR: nothing can be prefixed.
            raise RuntimeError("Server-side cursors are disabled (DISABLE_SERVER_SIDE_CURSORS=True).")
        return super().create_cursor(name)
