"""The organization's programs and members, read-only over the API. The records are the platform's
(iop/tenancy); the API lives here because it is built on the shared API pieces (iop/common), which
sit above the platform."""

from rest_framework import mixins

from iop.common.api import TenantScopedViewSet
from iop.common.pagination import ByNamePagination
from iop.tenancy import permissions as perms
from iop.tenancy import selectors

from .serializers import MemberSerializer, ProgramSerializer


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
