"""The common app's listeners to Django's own signals. Called from CommonConfig.ready().

- `got_request_exception`: a request that failed because the database connection was lost (a
  restart, a failover) or Redis was unreachable is marked, so DatabaseUnavailableMiddleware answers
  503 "nothing was saved, try again" rather than 500.
"""

from __future__ import annotations

from django.core.signals import got_request_exception


def connect() -> None:
    from .middleware import unavailable_service_note

    got_request_exception.connect(unavailable_service_note, dispatch_uid="iop-unavailable-service")
