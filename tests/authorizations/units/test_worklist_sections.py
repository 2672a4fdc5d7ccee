"""The "Authorizations" worklist is long: a bar of its sections with their counts links each one;
closing a chase task comes back to the tasks, with the message."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from authorizations.models import ChaseKind, ChaseTask, RequestStatus
from tests.pages import toc_links, toc_section_heading

from .conftest import make_authorization, make_request

pytestmark = pytest.mark.django_db

SECTIONS = ["tasks", "awaiting", "pended", "expiring", "active", "unauthorized", "drafts"]


def _url(name="worklist", **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", **kwargs})


def _count(text: str) -> str:
    return re.search(r"\((\d+)\)$", text).group(1)


def test_every_section_is_in_the_bar_with_its_count_and_each_link_reaches_it(as_va, covered_episode, harbor):
    today = harbor.local_today()
    episode, coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=today, end=today + dt.timedelta(days=9))
    ChaseTask.objects.create(
        kind=ChaseKind.ENDS_IN_14, authorization=authorization, due_date=today, created_at=timezone.now()
    )
    make_request(episode, coverage, status=RequestStatus.DRAFT)

    body = as_va.get(_url()).content.decode()

    links = toc_links(body)
    assert [target for target, _ in links] == SECTIONS
    assert 'class="with-toc with-toc--bar"' in body
    counts = {target: _count(text) for target, text in links}
    assert counts == {
        "tasks": "1",
        "awaiting": "0",
        "pended": "0",
        "expiring": "1",
        "active": "1",
        "unauthorized": "0",
        "drafts": "1",
    }
    for target, text in links:
        heading = toc_section_heading(body, target)
        assert heading.startswith(text.split()[0]) and _count(heading) == _count(text)
    # A task's note is one line of its row; its label names the task and the client for a screen reader.
    task = ChaseTask.objects.get()
    name = escape(episode.client.sort_name)
    label = f'<label class="visually-hidden" for="note-{task.pk}">What was done: ends within 14 days, {name}</label>'
    assert label in body


def test_closing_a_chase_task_comes_back_to_the_tasks_with_the_message_in_the_live_region(
    as_va, covered_episode, harbor
):
    today = harbor.local_today()
    episode, coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=today, end=today + dt.timedelta(days=9))
    task = ChaseTask.objects.create(
        kind=ChaseKind.ENDS_IN_14, authorization=authorization, due_date=today, created_at=timezone.now()
    )

    response = as_va.post(_url("chase_task_done", task_id=task.pk), {"note": "Renewal submitted"})

    assert response["Location"] == _url() + "#tasks"
    body = as_va.get(response["Location"]).content.decode()
    live = body.split('id="live-region"')[1].split("</div>")[0]
    assert "Done: ends within 14 days." in live
    task.refresh_from_db()
    assert task.note == "Renewal submitted"
