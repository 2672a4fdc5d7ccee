from __future__ import annotations

from django.db.models import QuerySet

from .context import tenant_context, user_context
from .models import Membership, Organization, Program, Role


def organization_get_by_slug(*, slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug, is_active=True).first()


def membership_for_user(*, organization: Organization, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    with tenant_context(organization.id):
        return Membership.objects.select_related("user").filter(user=user, is_active=True).first()


def memberships_of_user(*, user) -> list[Membership]:
    """Every active membership of `user`, across organizations (RLS lets a user read their own)."""
    with user_context(user.id):
        return list(
            Membership.all_objects.filter(user=user, is_active=True, organization__is_active=True)
            .select_related("organization")
            .order_by("organization__name")
        )


def program_list(*, organization: Organization, active_only: bool = True) -> QuerySet[Program]:
    qs = Program.objects.filter(organization=organization)
    return qs.filter(is_active=True) if active_only else qs


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user", "staff_profile")
        .order_by("user__full_name", "user__email")
    )


def members_with_roles(*, organization: Organization, roles) -> QuerySet[Membership]:
    """Active members holding one of `roles` (e.g. the VAs to tell about a roster change)."""
    return Membership.objects.filter(organization=organization, is_active=True, role__in=list(roles))


def vas_and_admins(*, organization: Organization) -> QuerySet[Membership]:
    """The staff told about schedule and attendance events that need someone to act (a seated
    waitlist, an uncovered session, missing attendance): the VAs and the organization's admins."""
    return members_with_roles(organization=organization, roles=[Role.VA, Role.ORG_ADMIN])
