"""The couple's packet page's "Back to …" link returns to the page it was opened from — a partner's
client page, a partner's request — through a `next` that is only ever a path of this
organization's pages (never another host, another organization, a query string); it survives the
page's own forms; without one (or with a refused one) it goes to the identified patient."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from authorizations.requests.services.packets import packet_create

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    namespace = "clients" if name == "client_detail" else "authorizations"
    return reverse(f"{namespace}:{name}", kwargs={"org_slug": "harbor", **kwargs})


@pytest.fixture
def packet(couple_world, harbor_intake):
    return packet_create(couple=couple_world["couple"], coverages=couple_world["coverages"], actor=harbor_intake)


def back_link(body: str) -> tuple[str, str]:
    match = re.search(r'<a class="back-link" href="([^"]*)" data-testid="back-link">([^<]*)</a>', body)
    assert match, "no back link"
    return html.unescape(match.group(1)), html.unescape(match.group(2))


def packet_page(as_intake, packet, next_value: str | None = None) -> str:
    query = {"next": next_value} if next_value is not None else {}
    response = as_intake.get(url("packet_detail", packet_id=packet.pk), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_client_page_links_to_the_packet_with_itself_as_next_and_back_returns_there(
    as_intake, couple_world, packet
):
    partner = couple_world["partner"]
    client_page = url("client_detail", client_id=partner.pk)
    body = as_intake.get(client_page).content.decode()
    link = re.search(r'href="([^"]*/packets/[^"]*)">Couple\'s packet<', body).group(1)
    assert html.unescape(link) == f"{url('packet_detail', packet_id=packet.pk)}?next={quote(client_page)}%23requests"

    page = as_intake.get(html.unescape(link)).content.decode()

    assert back_link(page) == (f"{client_page}#requests", f"Back to {partner.display_name}")


def test_from_a_partners_request_back_returns_to_that_request(as_intake, couple_world, packet):
    request = packet.requests.get(episode__client=couple_world["partner"])
    request_page = url("request_detail", request_id=request.pk)
    body = as_intake.get(request_page).content.decode()
    assert f"?next={quote(request_page)}" in body

    page = packet_page(as_intake, packet, request_page)

    assert back_link(page) == (request_page, f"Back to {couple_world['partner'].display_name}'s request")


def test_another_in_app_page_is_a_plain_back(as_intake, packet):
    worklist = reverse("authorizations:worklist", kwargs={"org_slug": "harbor"})
    assert back_link(packet_page(as_intake, packet, worklist)) == (worklist, "Back to the previous page")


def test_a_query_string_never_travels(as_intake, couple_world, packet):
    client_page = url("client_detail", client_id=couple_world["partner"].pk)
    # A marker no generated name or page text contains (a common surname would, now and then).
    page = packet_page(as_intake, packet, f"{client_page}?q=Qzxsearchterm#requests")
    assert back_link(page)[0] == f"{client_page}#requests"
    assert "Qzxsearchterm" not in page


@pytest.mark.parametrize(
    "next_value",
    [
        "https://evil.example/o/harbor/",
        "//evil.example/o/harbor/clients/",
        "javascript:alert(1)",
        "/o/summit/clients/",  # another organization
        "/o/harbor/no-such-page/",
        "/accounts/login/",
        "",
    ],
)
def test_a_next_that_is_not_this_organizations_page_gives_the_default(as_intake, couple_world, packet, next_value):
    ip = couple_world["ip"]
    default = (f"{url('client_detail', client_id=ip.pk)}#requests", f"Back to {ip.display_name}")
    assert back_link(packet_page(as_intake, packet, next_value)) == default


def test_the_pages_forms_keep_the_next_so_back_survives_a_submission(as_intake, couple_world, packet):
    client_page = url("client_detail", client_id=couple_world["partner"].pk)
    body = packet_page(as_intake, packet, client_page)
    ready = f"{url('packet_ready', packet_id=packet.pk)}?next={quote(client_page)}"
    assert f'action="{ready}"' in html.unescape(body)

    response = as_intake.post(ready, follow=True)  # refused: neither request is complete

    assert response.redirect_chain[-1][0] == f"{url('packet_detail', packet_id=packet.pk)}?next={quote(client_page)}"
    assert back_link(response.content.decode()) == (client_page, f"Back to {couple_world['partner'].display_name}")


def test_a_forged_next_on_a_form_is_dropped_from_its_redirect(as_intake, packet):
    response = as_intake.post(f"{url('packet_ready', packet_id=packet.pk)}?next=https://evil.example/")
    assert response["Location"] == url("packet_detail", packet_id=packet.pk)
