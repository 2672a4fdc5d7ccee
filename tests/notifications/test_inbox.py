"""The in-app inbox: one's own notifications only, the unread ones grouped by kind in one-line rows
(what to do, the client, when), read and resolved ones on their own lists; marking one, a
selection, a kind or everything read — only ever one's own; the header badge counting what is
open and unread; and the page's query count, the same at 3 lines as at 60."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from iop.notifications.hooks import _KINDS, NoticeKind
from iop.notifications.models import Notification
from iop.notifications.selectors import unread_count
from iop.notifications.services import Notice, notice_send, notices_send
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from tests.conftest import login
from tests.factories import ClientFactory
from tests.pages import get_goes_to_page

pytestmark = pytest.mark.django_db


def _membership(organization, user) -> Membership:
    with tenant_context(organization.id):
        return Membership.objects.get(user=user)


def _notify(
    organization, membership, title: str, key: str, *, kind: str = "test", link: str = "", client=None, ago: int = 0
) -> Notification:
    """One line in `membership`'s inbox, created `ago` minutes ago."""
    with tenant_context(organization.id):
        notice_send(
            organization=organization,
            recipients=[membership],
            kind=kind,
            title=title,
            link=link,
            dedupe_key=key,
            client_id=client.pk if client else None,
        )
        line = Notification.objects.get(recipient=membership, dedupe_key=key)
        Notification.objects.filter(pk=line.pk).update(created_at=timezone.now() - dt.timedelta(minutes=ago))
        line.refresh_from_db()
        return line


def _lines(organization, **filters) -> list[Notification]:
    with tenant_context(organization.id):
        return list(Notification.objects.filter(**filters))


def _inbox(org, query: str = "") -> str:
    return reverse("notifications:inbox", kwargs={"org_slug": org.slug}) + query


def _read(org, notification) -> str:
    return reverse("notifications:notification_read", kwargs={"org_slug": org.slug, "notification_id": notification.pk})


def _read_selected(org) -> str:
    return reverse("notifications:read_selected", kwargs={"org_slug": org.slug})


def _read_all(org) -> str:
    return reverse("notifications:read_all", kwargs={"org_slug": org.slug})


@pytest.fixture
def inboxes(harbor, harbor_va, harbor_admin):
    va, admin = _membership(harbor, harbor_va), _membership(harbor, harbor_admin)
    with tenant_context(harbor.id):
        ana = ClientFactory(organization=harbor, first_name="Ana", last_name="Varga", preferred_name="")
    old = _notify(
        harbor, va, "Tell Ana Varga their waitlist seat came up", "a", kind="waitlist_promoted", client=ana, ago=30
    )
    new = _notify(harbor, va, "Assign a facilitator to Process group", "b", kind="session_uncovered", ago=5)
    newer = _notify(harbor, va, "Assign a facilitator to Skills group", "b2", kind="session_uncovered", ago=1)
    theirs = _notify(harbor, admin, "For the admin only", "c", kind="session_uncovered")
    return {"va": va, "admin": admin, "ana": ana, "old": old, "new": new, "newer": newer, "theirs": theirs}


def test_the_unread_list_groups_by_kind_newest_first_in_one_line_rows(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    response = client.get(_inbox(harbor))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "For the admin only" not in page
    # A heading per kind with its count; the kind with the newest line first, newest first inside.
    assert page.index("Sessions without a facilitator") < page.index("Seated from the waitlist")
    assert page.index("Assign a facilitator to Skills group") < page.index("Assign a facilitator to Process group")
    assert 'inbox-group__count">2<' in page and 'inbox-group__count">1<' in page
    assert "3 unread" in page and "Unread (3)" in page
    # A row: a checkbox, the title as a link to what it points at, the client, the time.
    assert page.count('class="inbox-line inbox-line--unread"') == 3
    assert f'name="ids" value="{inboxes["old"].pk}"' in page
    assert '<span class="inbox-line__client">Ana Varga</span>' in page


def test_read_lines_leave_the_unread_list_for_the_read_list(client, harbor, harbor_va, inboxes):
    with tenant_context(harbor.id):
        Notification.objects.filter(pk=inboxes["new"].pk).update(read_at=timezone.now())
    login(client, harbor_va)
    unread = client.get(_inbox(harbor)).content.decode()
    assert "Process group" not in unread and "Read (1)" in unread and "2 unread" in unread
    read = client.get(_inbox(harbor, "?show=read")).content.decode()
    assert "Assign a facilitator to Process group" in read
    assert "Skills group" not in read and "Ana Varga" not in read
    assert "Sessions without a facilitator: " in read  # lines of every kind together say their kind


def test_a_kind_with_many_lines_shows_its_newest_and_links_to_all_of_them(client, harbor, harbor_va):
    va = _membership(harbor, harbor_va)
    for i in range(12):
        _notify(harbor, va, f"Take roll call for session {i:02}", f"r{i}", kind="attendance_missing", ago=i)
    login(client, harbor_va)
    page = client.get(_inbox(harbor)).content.decode()
    assert page.count('class="inbox-line inbox-line--unread"') == 10
    assert "session 00" in page and "session 09" in page and "session 10" not in page
    assert "Show all 12" in page
    everything = client.get(_inbox(harbor, "?kind=attendance_missing")).content.decode()
    assert everything.count('class="inbox-line inbox-line--unread"') == 12
    assert "Roll calls to take" in everything


def test_mark_one_read(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    response = client.post(_read(harbor, inboxes["old"]))
    assert response.status_code == 302
    assert response["Location"] == _inbox(harbor)
    with tenant_context(harbor.id):
        read = Notification.objects.get(pk=inboxes["old"].pk)
        assert read.read_at is not None
        assert unread_count(membership=inboxes["va"]) == 2
    first = read.read_at
    client.post(_read(harbor, inboxes["old"]))  # a second click keeps the first read time
    with tenant_context(harbor.id):
        assert Notification.objects.get(pk=read.pk).read_at == first


def test_mark_selected_read(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    response = client.post(_read_selected(harbor), {"ids": [inboxes["old"].pk, inboxes["newer"].pk]})
    assert response.status_code == 302 and response["Location"] == _inbox(harbor)
    assert {n.pk for n in _lines(harbor, read_at__isnull=False)} == {inboxes["old"].pk, inboxes["newer"].pk}
    page = client.get(_inbox(harbor)).content.decode()
    assert "Marked 2 as read." in page and "1 unread" in page
    # Nothing ticked: nothing marked, and the page says what to do.
    client.post(_read_selected(harbor), {})
    assert "Tick the notifications to mark read first." in client.get(_inbox(harbor)).content.decode()
    assert len(_lines(harbor, read_at__isnull=True)) == 2  # the VA's Process group line and the admin's


def test_mark_all_read_of_a_kind_then_everything(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    response = client.post(_read_all(harbor), {"kind": "session_uncovered"})
    assert response.status_code == 302 and response["Location"] == _inbox(harbor)
    unread = {n.pk for n in _lines(harbor, read_at__isnull=True)}
    assert unread == {inboxes["old"].pk, inboxes["theirs"].pk}  # the admin's line of that kind is theirs
    client.post(_read_all(harbor))
    assert {n.pk for n in _lines(harbor, read_at__isnull=True)} == {inboxes["theirs"].pk}
    with tenant_context(harbor.id):
        assert unread_count(membership=inboxes["va"]) == 0
    assert "Nothing unread" in client.get(_inbox(harbor)).content.decode()


def test_a_selection_with_anyone_elses_id_is_refused_and_marks_nothing(
    client, harbor, harbor_va, summit, summit_va, inboxes
):
    foreign = _notify(summit, _membership(summit, summit_va), "Summit only", "s")
    login(client, harbor_va)
    for stranger in (inboxes["theirs"].pk, foreign.pk, uuid.uuid4(), "not-an-id"):
        response = client.post(_read_selected(harbor), {"ids": [inboxes["old"].pk, stranger]})
        assert response.status_code == 404
    assert _lines(harbor, read_at__isnull=False) == []
    assert _lines(summit, read_at__isnull=False) == []
    # Marking everything, or a kind, reaches only one's own lines.
    client.post(_read_all(harbor))
    assert [n.pk for n in _lines(harbor, read_at__isnull=True)] == [inboxes["theirs"].pk]
    assert len(_lines(summit, read_at__isnull=True)) == 1


def test_another_organizations_inbox_and_endpoints_are_not_found(client, harbor, harbor_va, summit, summit_va):
    foreign = _notify(summit, _membership(summit, summit_va), "Summit only", "s")
    login(client, harbor_va)
    assert client.post(_read(harbor, foreign)).status_code == 404
    assert client.get(_inbox(summit)).status_code == 404
    assert client.post(_read_selected(summit), {"ids": [foreign.pk]}).status_code == 404
    assert client.post(_read_all(summit)).status_code == 404
    with tenant_context(summit.id):
        assert Notification.objects.get(pk=foreign.pk).read_at is None


def test_another_members_notification_is_not_found(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    assert client.post(_read(harbor, inboxes["theirs"])).status_code == 404
    # A GET (a reload, a bookmark) is the inbox, not an empty 405; it marks nothing read.
    get_goes_to_page(client, _read(harbor, inboxes["old"]), page=_inbox(harbor))
    get_goes_to_page(client, _read_selected(harbor), page=_inbox(harbor))
    get_goes_to_page(client, _read_all(harbor), page=_inbox(harbor))
    assert _lines(harbor, read_at__isnull=False) == []


def test_the_buttons_post_with_htmx_and_bring_back_the_list_and_the_header_count(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    page = client.get(_inbox(harbor)).content.decode()
    assert 'hx-select="#inbox"' in page and "#nav-notifications" in page
    assert f'hx-post="{_read_selected(harbor)}"' in page and f'hx-post="{_read_all(harbor)}"' in page
    assert 'id="nav-notifications"' in page
    # htmx follows the redirect and swaps the inbox in: the same answer as a plain form's.
    response = client.post(_read_all(harbor), {"kind": "waitlist_promoted"}, HTTP_HX_REQUEST="true", follow=True)
    assert response.status_code == 200
    assert "Tell Ana Varga" not in response.content.decode().split('id="inbox"')[1]
    assert "Marked 1 as read under “Seated from the waitlist”." in response.content.decode()


def test_the_badge_counts_open_unread_lines_only(harbor, inboxes):
    with tenant_context(harbor.id):
        assert unread_count(membership=inboxes["va"]) == 3
        Notification.objects.filter(pk=inboxes["new"].pk).update(resolved_at=timezone.now())
        assert unread_count(membership=inboxes["va"]) == 2  # fixed: no longer counted
        assert unread_count(membership=inboxes["admin"]) == 1
    assert unread_count(membership=None) == 0


def test_the_header_badge_on_another_page(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    page = client.get(_inbox(harbor, "?show=read")).content.decode()
    assert '<span class="badge">3<span class="visually-hidden"> unread</span></span>' in page


@pytest.fixture
def counted_kinds(monkeypatch):
    """Two kinds whose check reads one query each, and how often each check ran."""
    calls: list[tuple[str, int]] = []

    def check(kind):
        def _still_open(*, organization, subject_ids, now):
            calls.append((kind, len(subject_ids)))
            # One query, as a real check: the subjects that are still some unread line's key.
            keys = Notification.objects.filter(organization=organization, dedupe_key__startswith="open").values_list(
                "subject_ids", flat=True
            )
            return {s for ids in keys for s in ids} & subject_ids

        return _still_open

    for kind in ("counted_a", "counted_b"):
        monkeypatch.setitem(_KINDS, kind, NoticeKind(kind, f"Kind {kind}", check(kind)))
    return calls


def _fill(organization, membership, size: int) -> None:
    """`size` lines per kind: two thirds still open, one third fixed (resolved by the visit)."""
    with tenant_context(organization.id):
        client = ClientFactory(organization=organization)
        notices_send(
            organization=organization,
            notices=[
                Notice(
                    recipient=membership,
                    kind=kind,
                    title=f"Do thing {i}",
                    link="",
                    dedupe_key=f"{'open' if i % 3 else 'fixed'}:{kind}:{uuid.uuid4()}",
                    client_id=client.pk,
                    subject_ids=[uuid.uuid4()],
                )
                for kind in ("counted_a", "counted_b", "plain")
                for i in range(size)
            ],
        )


@pytest.mark.parametrize("query", ["", "?show=read", "?show=resolved", "?kind=counted_a"])
def test_the_inbox_costs_the_same_queries_at_3_and_60_lines_per_kind(
    client, harbor, harbor_va, counted_kinds, django_assert_max_num_queries, query
):
    va = _membership(harbor, harbor_va)
    login(client, harbor_va)
    client.get(_inbox(harbor))  # the session's first page (sign-in bookkeeping) out of the way
    _fill(harbor, va, 3)
    with django_assert_max_num_queries(20) as small:
        assert client.get(_inbox(harbor, query)).status_code == 200
    _fill(harbor, va, 60)
    with django_assert_max_num_queries(20) as large:
        assert client.get(_inbox(harbor, query)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    # One check per kind and visit, whatever the number of lines.
    assert sorted(kind for kind, _ in counted_kinds) == ["counted_a", "counted_a", "counted_b", "counted_b"]
