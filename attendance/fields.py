"""Serializer fields of the attendance API that other apps' APIs use too."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from iop.common.units import hours


class AwareDateTimeField(serializers.DateTimeField):
    """An instant: ISO 8601 with its UTC offset. A time without an offset is refused rather than
    read in the server's zone (which is not the organization's)."""

    default_error_messages = {"naive": "Include the UTC offset, e.g. 2026-03-02T09:05:00-05:00."}

    def to_internal_value(self, value):
        parsed = value
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
        if isinstance(parsed, dt.datetime) and timezone.is_naive(parsed):
            self.fail("naive")
        return super().to_internal_value(value)


class HoursField(serializers.DecimalField):
    """Minutes shown as hours to one decimal (the `source` is a number of minutes)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=6, decimal_places=1, read_only=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(hours(value))
