from __future__ import annotations

import pytest
from django.db import close_old_connections, connection


@pytest.fixture
def flush_as_owner(transactional_db):
    """For `django_db(transaction=True)` tests under the app role.

    A transactional test ends with a TRUNCATE of every table, which only the owner may run (the
    app role has no TRUNCATE, and none at all on the append-only tables). Switch this connection
    back to the owner just for that; Django closes the connection right after the flush, so the
    next test connects as the app role again.
    """
    yield
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
