"""The app's connections run without JIT compilation (iop/settings/base.py): the Today board's one
UNION ALL statement costs more than `jit_above_cost`, and compiling its plan took 52 s of a request
at 10x demo data (bench/README.md, "EXPLAIN ANALYZE")."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_connections_run_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
