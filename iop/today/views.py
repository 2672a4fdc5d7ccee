"""The Today page (`/o/<org>/today/`, where every member lands after sign-in) and its board, which
the page refreshes in place while the tab is visible (`static/js/app.js`; the refresh request is
marked as a poll so it never keeps an idle session alive — see SessionTimeoutMiddleware)."""

from __future__ import annotations

from django.views.decorators.http import require_GET

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.pages import org_page, org_render
from iop.tenancy import permissions
from iop.today.census import census_board
from iop.today.selectors import today_board

# Seconds between refreshes of a visible board.
REFRESH_SECONDS = 60


def _board(request):
    board = today_board(organization=request.organization, membership=request.membership)
    if board.client_ids:
        access_record(request=request, action=AccessAction.LIST, object_type="today", object_ids=board.client_ids)
    return board


@org_page(permissions.CLIENT_VIEW)
@require_GET
def today(request, org_slug: str):
    return org_render(request, "today/today.html", {"board": _board(request), "refresh_seconds": REFRESH_SECONDS})


@org_page(permissions.CLIENT_VIEW)
@require_GET
def today_board_partial(request, org_slug: str):
    return org_render(
        request, "today/partials/board.html", {"board": _board(request), "refresh_seconds": REFRESH_SECONDS}
    )


@org_page(permissions.CLIENT_VIEW)
@require_GET
def census(request, org_slug: str):
    """The census board: every active client by program with the registered columns (the page
    names clients, so the access log gets one LIST of them, as other list pages)."""
    board = census_board(organization=request.organization, membership=request.membership)
    if board.client_ids:
        access_record(request=request, action=AccessAction.LIST, object_type="census", object_ids=board.client_ids)
    return org_render(request, "today/census.html", {"board": board})
