"""The role map: consents and sending records for intake, VAs, clinicians and admins."""

from __future__ import annotations

import pytest

from iop.tenancy import permissions
from iop.tenancy.models import Role


@pytest.mark.parametrize("role", [Role.INTAKE, Role.VA, Role.CLINICIAN, Role.ORG_ADMIN])
@pytest.mark.parametrize("action", [permissions.CONSENT_MANAGE, permissions.DISCLOSURE_SEND])
def test_staff_roles_manage_consents_and_send_records(role, action):
    assert permissions.role_can(role, action)


def test_no_role_no_consents():
    assert not permissions.role_can(None, permissions.CONSENT_MANAGE)
