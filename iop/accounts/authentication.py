"""`Authorization: Bearer <token>` for integrations. Tokens are stored as SHA-256 digests and
belong to one organization: on an organization's URLs the lookup runs inside the tenant taken from
the URL, so a token of another organization simply does not exist there (401). On the URLs of no
organization (the API schema and docs) any organization's valid token authenticates: the row is
read by its digest alone (`token_digest_context`), which only the token's holder can compute."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from iop.tenancy.context import current_tenant_id, tenant_context, token_digest_context

from .models import ApiToken, token_digest


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
        tokens = ApiToken.all_objects.select_related("user").filter(digest=digest, revoked_at__isnull=True)
        tenant_id = current_tenant_id()
        if tenant_id is None:
            with token_digest_context(digest):
                token = tokens.first()
        else:
            token = tokens.filter(organization_id=tenant_id).first()
        if token is None or not token.is_usable or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        # Throttle the write: one UPDATE a minute per token is plenty for "last used". Writes are
        # the token's organization's only (also outside its URLs).
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            with tenant_context(token.organization_id):
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "iop.accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Personal API token (Team → API tokens)."}
