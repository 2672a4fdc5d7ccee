"""Sessions are read from Redis and written through to PostgreSQL (iop/accounts/sessions.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache

from iop.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_is_read_from_redis_and_kept_in_postgres(django_assert_num_queries):
    assert settings.SESSION_ENGINE == "iop.accounts.sessions"
    store = SessionStore()
    store["acting"] = "harbor"
    store.save(must_create=True)
    key = store.session_key
    assert Session.objects.filter(session_key=key).exists()

    # What every request of a signed-in user does first: no query.
    with django_assert_num_queries(0):
        assert SessionStore(key)["acting"] == "harbor"
    # Redis lost it (restarted empty): read from the database, and cached again.
    cache.delete(store.cache_key)
    with django_assert_num_queries(1):
        assert SessionStore(key)["acting"] == "harbor"
    assert cache.get(store.cache_key) == {"acting": "harbor"}

    # Signing out removes it from both.
    SessionStore(key).delete()
    assert cache.get(store.cache_key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert not SessionStore().exists(key)
