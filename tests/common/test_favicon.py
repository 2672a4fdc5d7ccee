"""The icon (issue #13): every page names it — the app's, admin's, the sign-in page and the error
pages — and /favicon.ico, which browsers ask for anyway, answers with it instead of a 404."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static

from tests.conftest import make_member
from tests.pages import org_url

pytestmark = pytest.mark.django_db

ICON_LINKS = (
    f'<link rel="icon" href="{static("favicon.ico")}" sizes="32x32">',
    f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">',
)


def _head(html: str) -> str:
    return html.split("</head>")[0]


def test_the_icon_files_are_an_ico_and_an_svg():
    with open(finders.find("favicon.ico"), "rb") as ico:
        assert ico.read(4) == b"\x00\x00\x01\x00"  # ICONDIR, type 1 (icon)
    with open(finders.find("favicon.svg"), encoding="utf-8") as svg:
        assert svg.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_favicon_ico_leads_to_the_icon_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.ico")
    assert "max-age=86400" in response["Cache-Control"]


def test_favicon_ico_is_not_held_back_for_two_factor_setup(client, harbor):
    """A signed-in user still without an authenticator is sent to set one up from every page, but
    not from the icon (the browser would get the setup page as an image)."""
    client.force_login(make_member(harbor, "va", "new@harbor.test", mfa=False))
    assert client.get(org_url("client_list", harbor))["Location"].startswith("/accounts/2fa/")
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == static("favicon.ico")


def test_app_pages_link_the_icon(as_admin, client, harbor):
    for url in (org_url("client_list", harbor), "/admin/"):
        response = as_admin.get(url, follow=True)
        assert response.status_code == 200, url
        for link in ICON_LINKS:
            assert link in _head(response.content.decode()), url
    client.logout()
    sign_in = client.get("/accounts/login/")
    assert all(link in _head(sign_in.content.decode()) for link in ICON_LINKS)


@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_error_pages_link_the_icon(template):
    html = render_to_string(template)  # rendered without a request, as Django's handlers do
    assert all(link in _head(html) for link in ICON_LINKS)
