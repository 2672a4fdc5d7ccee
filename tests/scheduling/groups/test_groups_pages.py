"""The groups page, and where an admin changes groups."""

from __future__ import annotations

from html import escape

import pytest

from tests.conftest import login

from ..conftest import schedule_url

pytestmark = pytest.mark.django_db


def test_groups_page_shows_type_capacity_facilitators_and_weekly_times(
    client, harbor, harbor_clinician, make_group, facilitators
):
    make_group("Process MWF", [(0, "09:00", 90), (2, "13:00", 60)], capacity=12, co=1)

    body = login(client, harbor_clinician).get(schedule_url("groups", harbor)).content.decode()

    row = body.split('<th scope="row">Process MWF</th>')[1].split("</tr>")[0]
    assert "Process group" in row
    assert ">12<" in row
    assert f"{escape(facilitators[0].membership.user.get_full_name())} (lead)" in row
    assert f"{escape(facilitators[1].membership.user.get_full_name())} (co)" in row
    assert "Monday 09:00–10:30" in row
    assert "Wednesday 13:00–14:00" in row


def test_org_admins_are_pointed_to_administration_to_change_groups(client, harbor, harbor_admin, harbor_va):
    admin_body = login(client, harbor_admin).get(schedule_url("groups", harbor)).content.decode()
    va_body = login(client, harbor_va).get(schedule_url("groups", harbor)).content.decode()

    assert 'href="/admin/scheduling/group/"' in admin_body
    assert "/admin/scheduling/group/" not in va_body
