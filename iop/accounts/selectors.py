from __future__ import annotations

from django.db.models import QuerySet

from iop.tenancy.models import Organization

from .models import ApiToken, Invitation, User


def invitation_list(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organization=organization).select_related("invited_by", "accepted_by")


def api_token_list(*, organization: Organization, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organization=organization, user=user)
