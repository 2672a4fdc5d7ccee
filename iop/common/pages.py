"""What every organization page of the browser UI shares: access, caching and rendering."""

from __future__ import annotations

from functools import partial

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from iop.tenancy.selectors import memberships_of_user
from iop.tenancy.views import org_action_required

INVALID_FORM_STATUS = 422


def org_page(action: str):
    """An organization page: signed-in member allowed `action`, and never cached — these pages
    carry PHI, and a shared workstation's browser cache must not keep a copy."""

    def decorator(view):
        return never_cache(org_action_required(action)(view))

    return decorator


def found_or_404(obj):
    """The object a selector found, or a 404: another tenant's id looks exactly like an unknown one."""
    if obj is None:
        raise Http404("Not found")
    return obj


def org_render(request, template_name: str, context: dict | None = None, *, status: int | None = None):
    """Render an organization page with what the shared layout needs beyond the context
    processor. The organization switcher is passed as a callable: the template calls it once,
    and htmx partials, which never render the header, never query it."""
    context = {
        "org_switcher": partial(memberships_of_user, user=request.user),
        **(context or {}),
    }
    return render(request, template_name, context, status=status)


def form_status(*parts) -> int:
    """422 when a submitted form (or MultiForm) has errors, so tests and tools see the refusal."""
    return INVALID_FORM_STATUS if any(p.is_bound and p.errors for p in parts) else 200


class _CountedPaginator(Paginator):
    """A paginator told its count (read with the page's rows) instead of counting on its own."""

    def __init__(self, per_page: int, count: int) -> None:
        super().__init__([], per_page)
        self.known_count = count

    @property
    def count(self) -> int:  # known: no COUNT query of its own
        return self.known_count


def rows_page(queryset: QuerySet, number, per_page: int) -> Page:
    """Page `number` of the (ordered) queryset — the first for a missing or unreadable number, the
    last for one beyond it — in one query: the page's rows with the count of all of them as a
    window over the same statement (a Paginator counts in a query of its own). Only a number
    beyond the last page costs a second query."""
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    counted = queryset.annotate(rows_total=Window(Count("*")))
    rows = list(counted[(number - 1) * per_page : number * per_page])
    if not rows and number > 1:
        number = max(-(-queryset.count() // per_page), 1)
        rows = list(counted[(number - 1) * per_page : number * per_page])
    total = rows[0].rows_total if rows else 0
    return Page(rows, number, _CountedPaginator(per_page, total))
