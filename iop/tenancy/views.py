"""What every organization page needs: a signed-in member of the URL's organization, allowed the
action by the role map. Anything else about the organization is a 404 (foreign or unknown)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .permissions import membership_can


def org_action_required(action: str):
    """Decorate a view under `/o/<org_slug>/…`. The view receives `org_slug` like any kwarg and
    finds the tenant on `request.organization` and the member on `request.membership`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if getattr(request, "organization", None) is None or getattr(request, "membership", None) is None:
                raise Http404("No such organization")
            if not membership_can(request.membership, action):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        # Records which action the page requires; mypy does not know attributes set on a function.
        wrapped.required_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator
