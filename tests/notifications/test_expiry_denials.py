"""A denial case's "work the denial" line names the client and leaves the unread list once the case
is closed; the closing line is news (it stays until read). The approval line names the client too."""

from __future__ import annotations

import pytest

from authorizations.appeals.services import case_close
from authorizations.models import CaseStatus
from iop.notifications.models import Notification
from iop.notifications.services import notifications_resolve

pytestmark = pytest.mark.django_db


def test_a_denial_names_the_client_and_leaves_once_the_case_is_closed(in_harbor, case, harbor_intake):
    name = case.episode.client.display_name
    opened = Notification.objects.filter(kind="denial_case", dedupe_key=f"denial_case:{case.pk}")
    assert opened.exists()
    assert {n.title for n in opened} == {f"Work {name}'s denial: peer-to-peer or appeal"}
    assert {n.client_id for n in opened} == {case.episode.client_id}
    assert notifications_resolve(organization=in_harbor) == 0

    case_close(case=case, status=CaseStatus.NOT_PURSUED, note="The client chose to self-pay.", actor=harbor_intake)
    assert notifications_resolve(organization=in_harbor) == opened.count()
    closing = Notification.objects.filter(dedupe_key=f"denial_case:{case.pk}:{CaseStatus.NOT_PURSUED}")
    assert {n.title for n in closing} == {f"Note the outcome of {name}'s denial case: not pursued"}
    assert not closing.filter(resolved_at__isnull=False).exists()  # news: read and done with
