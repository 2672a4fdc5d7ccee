"""The client page is long: an "On this page" navigation links every section (its own and the
panels other apps register), each link reaching a section with that heading; long history is
folded away; after a change made in a section the page opens there again."""

from __future__ import annotations

import re

import pytest

from iop.clients.hooks import client_panels
from iop.clients.models import Episode, EpisodeStatusChange
from iop.tenancy.context import tenant_context
from tests.conftest import login
from tests.pages import org_today, org_url, toc_links, toc_section_heading

pytestmark = pytest.mark.django_db

OWN_SECTIONS = [("profile", "Profile"), ("episode", "Episode of care"), ("plan", "Treatment plan")]
LAST_SECTIONS = [("couple", "Couple"), ("history", "Episode history")]


@pytest.fixture
def episode(harbor, harbor_client):
    with tenant_context(harbor.id):
        return Episode.objects.get(client=harbor_client)


@pytest.mark.parametrize("role", ["va", "clinician", "admin"])
def test_every_section_is_linked_from_the_navigation_and_every_link_reaches_its_heading(
    client, role, harbor, harbor_client, harbor_va, harbor_clinician, harbor_admin
):
    member = {"va": harbor_va, "clinician": harbor_clinician, "admin": harbor_admin}[role]

    body = login(client, member).get(org_url("client_detail", harbor, client_id=harbor_client.pk)).content.decode()

    links = toc_links(body)
    assert links[:3] == OWN_SECTIONS and links[-2:] == LAST_SECTIONS
    # The panels between them: those on the page, in the page's order, each under its title.
    panels = [(p.anchor, p.title) for p in client_panels() if f'<div class="toc-target" id="{p.anchor}">' in body]
    assert len(panels) >= 5, "the domain apps' panels are on the page"
    assert links[3:-2] == panels
    for target, text in links:
        assert toc_section_heading(body, target) == text
    ids = re.findall(r' id="([^"]+)"', body)
    assert len(ids) == len(set(ids)), "an id the navigation could reach twice"


def test_the_status_changes_are_folded_away_under_the_episodes(as_va, harbor, harbor_client, episode):
    as_va.post(
        org_url("episode_transition", harbor, episode_id=episode.pk),
        {"transition-to_status": "step_down", "transition-effective_date": org_today(harbor).isoformat()},
    )

    body = as_va.get(org_url("client_detail", harbor, client_id=harbor_client.pk)).content.decode()

    history = body[body.index('id="history"') :]
    folded = re.search(
        r'<details class="disclosure">\s*<summary>Status changes</summary>(.*?)</details>', history, re.S
    )
    assert folded and "Active → Stepped down" in folded.group(1)
    assert "<table" in history[: history.index("<details")], "the episodes stay in view"


def test_a_status_change_opens_the_page_again_at_the_episode_with_its_message(as_va, harbor, harbor_client, episode):
    response = as_va.post(
        org_url("episode_transition", harbor, episode_id=episode.pk),
        {"transition-to_status": "step_down", "transition-effective_date": org_today(harbor).isoformat()},
    )

    assert response.status_code == 302
    assert response["Location"] == org_url("client_detail", harbor, client_id=harbor_client.pk) + "#episode"
    with tenant_context(harbor.id):
        assert EpisodeStatusChange.objects.filter(episode=episode, to_status="step_down").exists()
    body = as_va.get(response["Location"]).content.decode()
    live = body.split('id="live-region"')[1].split("</div>")[0]
    assert "The episode is now stepped down." in live


def test_a_refused_status_change_still_comes_back_to_the_page_top_with_its_errors(
    as_va, harbor, harbor_client, episode
):
    too_early = episode.referral_date.replace(year=episode.referral_date.year - 1).isoformat()

    response = as_va.post(
        org_url("episode_transition", harbor, episode_id=episode.pk),
        {"transition-to_status": "step_down", "transition-effective_date": too_early},
    )

    assert response["Location"] == org_url("client_detail", harbor, client_id=harbor_client.pk)
