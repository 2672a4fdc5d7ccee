from functools import partial

from .selectors import unread_count


def unread(request):
    """The signed-in member's unread count for the header, as a callable: the template runs the
    query only where it shows the count, never for htmx partials."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {"unread_notifications": partial(unread_count, membership=membership)}
