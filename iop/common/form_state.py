"""Forms that live on a page but post to an endpoint of their own (e.g. a request page's "Add the
diagnosis", which posts to `…/diagnoses/`).

Such an endpoint always answers with a redirect back to the page (Post/Redirect/Get), so the
address bar never holds the endpoint: a reload or Back shows the page again, never an empty 405
or a "resubmit the form?" prompt. A refusal goes back with a 303 and the page shows it once:
the refused form as it was typed, with its errors, and a 422 so tests and tools still see the
refusal. A GET of the endpoint (a reload, a bookmark) is sent to the page as well.

Whatever else the browser sent along is kept too: a page may have its forms include each other's
unsaved fields (htmx `hx-include`), and those forms then come back as the person left them, with
or without a refusal. This is how typing a justification, then adding a diagnosis, keeps the
justification.

What was typed travels in the server-side session (the database), for the next view of that one
page, never in a cookie or the URL; uploaded files are not kept (a browser never re-fills a file
field anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import TypeVar
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.urls import reverse

from .forms import ErrorLink
from .pages import INVALID_FORM_STATUS

SESSION_KEY = "iop.form_state"
# Never stored: the token is the session's own, and a later page has a fresh one.
_NOT_KEPT = ("csrfmiddlewaretoken",)

FormT = TypeVar("FormT", bound=forms.BaseForm)


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: the answer to a POST is the page, to be fetched with a GET."""

    status_code = 303


def form_endpoint(page: str, *url_kwargs: str, found: Callable[..., object] | None = None):
    """Decorate the POST-only endpoint of a form that lives on the page named `page` (a URL name
    that takes `org_slug` and `url_kwargs` from the endpoint's own URL): any other method is sent
    to the page instead of a 405. `found(request, **url kwargs)` looks the endpoint's object up
    first (raising Http404), so another organization's id is a 404 for a GET as for a POST. Goes
    inside `org_page`, so the member is checked first."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method != "POST":
                if found is not None:
                    found(request, **kwargs)
                names = ("org_slug", *url_kwargs)
                return HttpResponseSeeOther(reverse(page, kwargs={name: kwargs[name] for name in names}))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _keep(request, to: str, *, key: str, refused: bool, errors=None, problems: Iterable[ErrorLink] = ()) -> None:
    # A GET form (e.g. a download's period) is kept like a POSTed one.
    sent = request.POST if request.method == "POST" else request.GET
    data = {name: values for name, values in sent.lists() if name not in _NOT_KEPT}
    request.session[SESSION_KEY] = {
        "path": urlsplit(to).path,
        "key": key,
        "refused": refused,
        "data": data,
        "errors": errors or {},
        "problems": [[p.text, p.href] for p in problems],
    }


def redirect_refused(
    request, to: str, *, key: str = "", form: forms.BaseForm | None = None, problems: Iterable[ErrorLink] = ()
) -> HttpResponseRedirect:
    """Send a refused submission back to the page at `to` (303): the page shows the form it keeps
    as `key` as it was typed with `form`'s errors, and `problems` (a refusal that is about no
    field, e.g. a button's) on top."""
    errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()} if form else {}
    _keep(request, to, key=key, refused=True, errors=errors, problems=problems)
    return HttpResponseSeeOther(to)


def redirect_done(request, to: str, *, key: str = "") -> HttpResponseRedirect:
    """Back to the page at `to` after the submission of its form `key` was carried out: that form
    starts afresh; the page's other forms keep what was sent along with it, still unsaved."""
    _keep(request, to, key=key, refused=False)
    return redirect(to)


def form_apply(
    request,
    *,
    form: FormT,
    call: Callable[[FormT], object],
    page: str,
    done: str = "",
    key: str,
    success: str,
) -> HttpResponseRedirect:
    """The body of a page's form endpoint: validate `form` and run `call(form)` (the service, from
    the form's cleaned data). Carried out → back to the page at `done` (default `page`; an anchor,
    say) with `success`. Invalid, refused by the service (its message on the form's fields or on
    top), or given errors by `call` itself → back to `page` with the form as typed and its errors."""
    from django.contrib import messages

    from .exceptions import ApplicationError
    from .forms import forms_add_application_error

    if form.is_valid():
        try:
            call(form)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            if not form.errors:
                messages.success(request, success)
                return redirect_done(request, done or page, key=key)
    return redirect_refused(request, page, key=key, form=form)


@dataclass
class FormState:
    """What the last submission from this page sent back to it; empty on an ordinary visit."""

    key: str = ""
    refused: bool = False
    data: QueryDict | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    problems: list[ErrorLink] = field(default_factory=list)

    @property
    def status(self) -> int:
        return INVALID_FORM_STATUS if self.refused else 200

    def form(self, key: str, make: Callable[[QueryDict | None], FormT]) -> FormT:
        """The page's form `key`, made by `make(data)`: as it was sent with its refusal's errors if
        it is the refused one; as it was sent along (no errors: it was not submitted) if another
        form carried it; otherwise fresh, `make(None)`."""
        fresh = make(None)
        if self.data is None or (key == self.key and not self.refused):
            return fresh
        if key != self.key and not (fresh.prefix and any(fresh.add_prefix(n) in self.data for n in fresh.fields)):
            # Only prefixed forms are recognised in what was carried: unprefixed ones share names.
            return fresh
        form = make(self.data)
        # Validate once, then show only what the refusal said: the same messages as when it was
        # refused, even those a service gave or about a file that is not kept.
        form.errors.clear()
        if key == self.key:
            for name, messages in self.errors.items():
                form.add_error(None if name == NON_FIELD_ERRORS or name not in form.fields else name, messages)
        return form


def form_state_take(request) -> FormState:
    """The state the last submission left for this page (taken: a reload shows the page afresh)."""
    kept = request.session.get(SESSION_KEY)
    if not kept or kept.get("path") != request.path:
        return FormState()
    del request.session[SESSION_KEY]
    data = QueryDict(mutable=True)
    for name, values in kept["data"].items():
        data.setlist(name, values)
    return FormState(
        key=kept["key"],
        refused=kept["refused"],
        data=data,
        errors=kept["errors"],
        problems=[ErrorLink(text=text, href=href) for text, href in kept["problems"]],
    )
