from .permissions import membership_actions


def tenant(request):
    membership = getattr(request, "membership", None)
    context = {
        "organization": getattr(request, "organization", None),
        "membership": membership,
        # Templates ask `{% if "client.create" in can %}` — the same map the views enforce.
        "can": membership_actions(membership),
    }
    return context
