from functools import partial

from .permissions import ROLE_ACTIONS


def tenant(request):
    membership = getattr(request, "membership", None)
    allowed = ROLE_ACTIONS.get(membership.role, frozenset()) if membership and membership.is_active else frozenset()
    context = {
        "organization": getattr(request, "organization", None),
        "membership": membership,
        # Templates ask `{% if "client.create" in can %}` — the same map the views enforce.
        "can": allowed,
    }
    if membership is not None:
        from iop.notifications.selectors import unread_count

        # A callable: the template runs the query only where it shows the count (the header),
        # never for htmx partials.
        context["unread_notifications"] = partial(unread_count, membership=membership)
    return context
