"""Who made each recorded change (pghistory's context) is as append-only as the changes themselves.

pghistory upserts the context row from inside every history trigger, so the app role keeps UPDATE
of its metadata; a guard lets through only that upsert (see iop/tenancy/rls.py). These tests run
in real transactions (`transaction=True`): inside one test transaction every row would count as
written "by this transaction", which the guard allows.
"""

import json

import pghistory
import pytest
from django.db import ProgrammingError, connection, transaction

from iop.clients.models import Client, ClientEvent
from iop.clients.services import client_update
from iop.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db(transaction=True)


def _contexts() -> dict[str, dict]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id::text, metadata FROM pghistory_context")
        return {row[0]: json.loads(row[1]) for row in cursor.fetchall()}


def _refused(statement: str, params=None, *, match: str) -> None:
    with pytest.raises(ProgrammingError, match=match), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)


def _change_under_context(client_id, *, context_id: str, metadata: str) -> None:
    """Change a tracked row with pghistory's session variables set by hand, as any SQL could."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, true), set_config('pghistory.context_metadata', %s, true)",
            [context_id, metadata],
        )
        cursor.execute("UPDATE clients_client SET phone = '555-0199' WHERE id = %s", [client_id])


@pytest.fixture
def recorded(harbor, harbor_client, harbor_va):
    """A change made in an earlier, committed transaction, with who made it."""
    with tenant_context(harbor.id), pghistory.context(user=harbor_va.pk, url="/o/harbor/clients/x/edit/"):
        client_update(client=Client.objects.get(), data={"phone": "555-0101"})
    [(context_id, metadata)] = _contexts().items()
    assert metadata == {"user": harbor_va.pk, "url": "/o/harbor/clients/x/edit/"}
    return context_id


def test_the_app_role_cannot_rewrite_delete_or_truncate_who_made_a_change(recorded, harbor_va):
    forged = json.dumps({"user": None, "url": "/elsewhere/"})
    _refused("UPDATE pghistory_context SET metadata = %s::jsonb WHERE id = %s", [forged, recorded], match="append-only")
    _refused(
        'UPDATE pghistory_context SET metadata = metadata || \'{"note": "added later"}\' WHERE id = %s',
        [recorded],
        match="append-only",
    )
    _refused("UPDATE pghistory_context SET created_at = now() WHERE id = %s", [recorded], match="permission denied")
    _refused("DELETE FROM pghistory_context WHERE id = %s", [recorded], match="permission denied")
    _refused("TRUNCATE pghistory_context CASCADE", match="permission denied")
    assert _contexts() == {recorded: {"user": harbor_va.pk, "url": "/o/harbor/clients/x/edit/"}}


def test_pghistorys_upsert_cannot_be_borrowed_to_rewrite_an_earlier_context(harbor, recorded, harbor_va):
    """The app role can set pghistory's session variables itself: pointing them at an earlier
    context with other metadata and then changing a tracked row must not rewrite that context."""
    forged = json.dumps({"user": 999999, "url": "/forged/"})
    with tenant_context(harbor.id):
        client_id = Client.objects.get().pk
        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
            _change_under_context(client_id, context_id=recorded, metadata=forged)
    assert _contexts()[recorded] == {"user": harbor_va.pk, "url": "/o/harbor/clients/x/edit/"}


def test_a_request_whose_context_grows_across_transactions_keeps_working(harbor, harbor_client, harbor_va):
    """As in a request (ATOMIC_REQUESTS is off): a first service commits a change, then a later
    one adds to the context (`pghistory.context(key=...)`) and commits another. Both changes point
    at one context, which gained the key and kept who made them."""
    with tenant_context(harbor.id), pghistory.context(user=harbor_va.pk, url="/o/harbor/clients/x/edit/"):
        client_update(client=Client.objects.get(), data={"phone": "555-0102"})
        with pghistory.context(reason="corrected a typo"):
            client_update(client=Client.objects.get(), data={"phone": "555-0103"})
        events = list(ClientEvent.objects.filter(pgh_label="update").values_list("pgh_context_id", flat=True))
    [(context_id, metadata)] = _contexts().items()
    assert [str(e) for e in events] == [context_id, context_id]
    assert metadata == {"user": harbor_va.pk, "url": "/o/harbor/clients/x/edit/", "reason": "corrected a typo"}
