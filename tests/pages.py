"""Test helpers for the forms that live on a page but post to an endpoint of their own
(iop.common.form_state): a refusal goes back to the page, never stays on the endpoint."""

from __future__ import annotations


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
