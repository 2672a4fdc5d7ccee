from .permissions import ROLE_ACTIONS


def tenant(request):
    membership = getattr(request, "membership", None)
    allowed = ROLE_ACTIONS.get(membership.role, frozenset()) if membership and membership.is_active else frozenset()
    return {
        "organization": getattr(request, "organization", None),
        "membership": membership,
        # Templates ask `{% if "client.create" in can %}` — the same map the views enforce.
        "can": allowed,
    }
