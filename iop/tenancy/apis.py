from rest_framework import mixins

from iop.common.api import TenantScopedViewSet
from iop.common.pagination import DefaultCursorPagination

from . import permissions as perms
from . import selectors
from .serializers import MemberSerializer, ProgramSerializer


class ByNamePagination(DefaultCursorPagination):
    ordering = ("name", "id")


class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Programs are configured by org admins in Django admin; the API reads them."""

    serializer_class = ProgramSerializer
    pagination_class = ByNamePagination
    required_actions = {"*": perms.PROGRAM_VIEW}

    def scoped_queryset(self):
        return selectors.program_list(organization=self.organization, active_only=False)


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    serializer_class = MemberSerializer
    required_actions = {"*": perms.MEMBER_VIEW}

    def scoped_queryset(self):
        return selectors.member_list(organization=self.organization)
