"""The API's filter backend: django-filter's, but a query parameter that is given must mean something.

django-filter reads an empty value (`?program=`) or an unreadable boolean (`?open=maybe`) as "no
filter", so a typo silently answers the whole list. An integration that sends a filter wants it
applied: such a value is a 400 with the parameter named, as a malformed id or date already is.
"""

from __future__ import annotations

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

EMPTY_VALUES = (None, "", [], ())


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        meaningless = [
            name
            for name in filterset.form.fields
            if name in request.query_params and filterset.form.cleaned_data.get(name) in EMPTY_VALUES
        ]
        if meaningless:
            raise ValidationError({name: ["Give a valid value, or leave the parameter out."] for name in meaningless})
        return filterset.qs
