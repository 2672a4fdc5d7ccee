"""The shared layout: skip link, one live region, navigation by role, sign-out by POST, no inline
script or style (CSP), vendored htmx with its history cache off."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from tests.pages import org_url

pytestmark = pytest.mark.django_db


def nav_of(body: str) -> str:
    return body.split('aria-label="Main"')[1].split("</nav>")[0]


def test_layout_has_a_skip_link_one_live_region_and_a_post_sign_out(as_va, harbor, harbor_client):
    body = as_va.get(org_url("client_list", harbor)).content.decode()

    assert '<a class="skip-link" href="#main">' in body
    assert '<main id="main"' in body
    assert body.count('role="status"') == 1
    assert re.search(
        r'<form method="post" action="/accounts/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"',
        body,
    )
    assert 'href="/accounts/2fa/"' in body
    assert 'href="/accounts/sessions/"' in body


def test_navigation_follows_the_role(client, harbor, harbor_va, harbor_admin):
    from tests.conftest import login

    va_nav = nav_of(login(client, harbor_va).get(org_url("client_list", harbor)).content.decode())
    admin_nav = nav_of(login(client, harbor_admin).get(org_url("client_list", harbor)).content.decode())

    assert "Clients" in va_nav
    assert "API tokens" in va_nav
    for admin_only in ("New intake", "Team", "Audit trail", "Administration"):
        assert admin_only not in va_nav
        assert admin_only in admin_nav


def test_no_inline_script_or_style_anywhere_in_the_layout(as_admin, harbor, harbor_client):
    for url in (
        org_url("client_list", harbor),
        org_url("client_detail", harbor, client_id=harbor_client.pk),
        org_url("client_intake", harbor),
        org_url("team", harbor),
        "/accounts/2fa/",
    ):
        body = as_admin.get(url).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert scripts, url
        assert all("src=" in tag or 'type="application/json"' in tag for tag in scripts), url
        assert " style=" not in body, url
        assert "<style" not in body, url
        assert not re.search(r"\son[a-z]+=", body), f"inline event handler on {url}"


def test_htmx_is_vendored_pinned_and_its_history_cache_is_off(as_va, harbor):
    body = as_va.get(org_url("client_list", harbor)).content.decode()

    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in body
    assert '"historyCacheSize":0' in body
    assert '"allowEval":false' in body
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    with open(finders.find("vendor/htmx.min.js")) as vendored:
        assert 'version:"2.0.11"' in vendored.read()


def test_another_organization_is_a_404_that_does_not_name_it(as_va, harbor, summit):
    response = as_va.get(org_url("client_list", summit))

    assert response.status_code == 404
    assert "Summit" not in response.content.decode()


def test_login_and_mfa_pages_use_the_application_layout(client, db):
    body = client.get("/accounts/login/").content.decode()

    assert '<a class="skip-link" href="#main">' in body
    assert "/static/css/app.css" in body
    assert "sign up" not in body.lower()
