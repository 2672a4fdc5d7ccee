"""`Authorization: Bearer <token>` for integrations. Tokens are stored as SHA-256 digests and
belong to one organization: on an organization's URLs the lookup runs inside the tenant taken from
the URL, so a token of another organization simply does not exist there (401). On the URLs of no
organization (the API schema and docs) any organization's valid token authenticates: the row is
read by its digest alone (`token_digest_context`), which only the token's holder can compute."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from iop.common.dates import datetime_full
from iop.tenancy.context import current_tenant_id, tenant_context, token_digest_context

from .models import ApiToken, token_digest

# "Last used" is recorded at most once a minute per token, not on every request: an integration
# calling many times a second must not turn every read into a write (a locked row, WAL, a dead
# tuple). To the minute is what someone checking whether a token is still in use needs.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0] != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        digest = token_digest(parts[1])
        tokens = ApiToken.all_objects.select_related("user", "organization").filter(
            digest=digest, revoked_at__isnull=True
        )
        tenant_id = current_tenant_id()
        if tenant_id is None:
            with token_digest_context(digest):
                token = tokens.first()
        else:
            token = tokens.filter(organization_id=tenant_id).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if token.is_expired:
            # Only the token's holder gets here (the lookup is by its digest): say what to do.
            expired = datetime_full(token.expires_at, token.organization.tzinfo)
            raise exceptions.AuthenticationFailed(
                f"This token expired on {expired}. Create a new one on the API tokens page."
            )
        self._record_use(token)
        return token.user, token

    @staticmethod
    def _record_use(token: ApiToken) -> None:
        """At most one write per LAST_USED_RESOLUTION; the condition is in the UPDATE too, so
        concurrent requests of one token write once. Writes are the token's organization's only
        (also outside its URLs)."""
        now = timezone.now()
        stale = now - LAST_USED_RESOLUTION
        if token.last_used_at is not None and token.last_used_at > stale:
            return
        with tenant_context(token.organization_id):
            ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk).update(
                last_used_at=now
            )

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "iop.accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Personal API token (Team → API tokens)."}
