"""Sessions read from Redis and written through to PostgreSQL (SESSION_ENGINE).

Every web container reads a session from the shared Redis cache (no SELECT per request) and each
save also goes to `django_session`, so any number of web containers serve one signed-in user, and
Redis is not where a session lives:

- while Redis is down, or after it came back empty, sessions are read from PostgreSQL and staff
  stay signed in (saves go on: tests/ops/test_redis_restart.py);
- `clearsessions` (the hourly `accounts.sessions_clear_expired`) still removes expired rows, and
  allauth's session list and "sign out everywhere" (iop/accounts/services.py `user_sessions_end`)
  still find and end every session, whatever Redis kept.

Django's cached_db backend already tolerates a failed cache write on save; this one also tolerates
Redis being unreachable while a session is read (Django's would fail the request when it refills
the cache). Deleting a session (sign-out, a new key at sign-in) is left strict: while Redis is down
it fails ("try again in a moment") rather than leave a signed-out session in a Redis that kept its
data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.sessions.backends import cached_db

if TYPE_CHECKING:  # the model is not importable before the apps are loaded
    from django.contrib.sessions.models import Session
    from django.core.cache.backends.base import BaseCache

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    # Set by Django's backends; django-stubs does not declare them.
    _cache: BaseCache
    _get_session_from_db: Callable[[], Session | None]

    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - Redis unreachable: the database has the session
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        except Exception:  # noqa: BLE001
            logger.warning("Session cache unreachable; session read from the database")
        return data

    def exists(self, session_key: str) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:  # noqa: BLE001
            logger.warning("Session cache unreachable; session looked up in the database")
        return super(cached_db.SessionStore, self).exists(session_key)
