"""The floor: what any organization page costs before it does its own work.

Behind the same middleware, sign-in, MFA check, session, tenant context and permission check as
every page (`org_page`), it reads 40 rows with one indexed query and renders them in the shared
layout (`org_render`). A page's requests per second divided by the floor's is the share of the
framework's ceiling it reaches.
"""

from iop.clients.models import Client
from iop.common.pages import org_page, org_render
from iop.tenancy import permissions

FLOOR_ROWS = 40


@org_page(permissions.CLIENT_VIEW)
def floor(request, org_slug: str):
    clients = list(Client.objects.order_by("id").only("id", "first_name", "last_name")[:FLOOR_ROWS])
    return org_render(request, "bench/floor.html", {"clients": clients})
