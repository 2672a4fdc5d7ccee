"""Test helpers for server-rendered pages: their URLs, the clients and access events they show,
and the forms that live on a page but post to an endpoint of their own (iop.common.form_state): a
refusal goes back to the page, never stays on the endpoint."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context
from tests.factories import ClientFactory, EpisodeFactory


def org_url(name: str, org, **kwargs) -> str:
    return reverse(f"clients:{name}", kwargs={"org_slug": org.slug, **kwargs})


def org_today(organization) -> dt.date:
    """Today where the organization is (the services judge "future" dates in its time zone)."""
    return organization.local_today()


def make_clients(organization, program, count: int, **episode_fields) -> list:
    """`count` clients of `organization`, each with an active episode in `program`."""
    with tenant_context(organization.id):
        clients = []
        for _ in range(count):
            client = ClientFactory(organization=organization)
            EpisodeFactory(organization=organization, client=client, program=program, **episode_fields)
            clients.append(client)
        return clients


def access_events(organization, **filters) -> list[AccessEvent]:
    with tenant_context(organization.id):
        return list(AccessEvent.objects.filter(**filters).order_by("occurred_at"))


def post_refused(client, endpoint: str, data=None, *, page: str, **extra):
    """POST to a form's endpoint and follow the answer: a refusal ends at `page` (the page the form
    lives on, as the address bar would show it) after one 303, and that page answers 422."""
    response = client.post(endpoint, data or {}, follow=True, **extra)
    assert response.redirect_chain == [(page, 303)], response.redirect_chain
    assert response.status_code == 422
    return response


def get_goes_to_page(client, endpoint: str, *, page: str) -> None:
    """A GET of a POST-only endpoint (a reload, a bookmark) is sent to the form's page, not a 405."""
    response = client.get(endpoint)
    assert response.status_code in (302, 303) and response["Location"] == page


def toc_links(body: str) -> list[tuple[str, str]]:
    """A long page's "On this page" navigation: `(target id, link text)` of each link, in order."""
    nav = body.split('<nav class="toc" aria-label="On this page">')[1].split("</nav>")[0]
    links = re.findall(r'<a href="#([^"]+)">(.*?)</a>', nav, flags=re.S)
    return [(target, " ".join(re.sub(r"<[^>]+>", " ", text).split())) for target, text in links]


def toc_section_heading(body: str, target: str) -> str:
    """The text of the first <h2> at or after the element with id `target` (which the page has
    exactly once), within that element's section."""
    marker = f' id="{target}"'
    assert body.count(marker) == 1, f"{target}: {body.count(marker)} elements have this id"
    start = body.index(marker)
    section = body[start : body.index("</section>", start)]
    heading = re.search(r"<h2\b[^>]*>(.*?)</h2>", section, flags=re.S)
    assert heading, f"no heading in the section #{target}"
    return " ".join(re.sub(r"<[^>]+>", " ", heading.group(1)).split())
