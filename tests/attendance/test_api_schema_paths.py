"""Every attendance endpoint is described in the OpenAPI schema (tests/api/test_schema.py checks
that the schema as a whole generates without warnings)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/o/{org_slug}/"


def test_attendance_endpoints_are_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    expected = {
        "attendance/sessions/{id}/": {"get", "put", "post"},
        "attendance-records/": {"get"},
        "attendance-records/{id}/": {"get"},
        "weekly-hours/{id}/": {"get"},
        "threshold-flags/": {"get"},
        "threshold-flags/{id}/": {"get"},
        "threshold-flags/{id}/resolve/": {"post"},
        "absence-alerts/": {"get"},
        "absence-alerts/{id}/": {"get"},
        "absence-alerts/{id}/acknowledge/": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[PREFIX + path]) == methods, path
    record_filters = {p["name"] for p in paths[PREFIX + "attendance-records/"]["get"]["parameters"]}
    assert {"session", "episode", "date_from", "date_to", "status"} <= record_filters
    weeks = {p["name"] for p in paths[PREFIX + "weekly-hours/{id}/"]["get"]["parameters"]}
    assert "weeks" in weeks
    line = schema["components"]["schemas"]["AttendanceRecordRequest"]["properties"]
    assert set(line) == {"roster_entry", "status", "arrived_at", "departed_at", "absence_reason", "note"}
    saved = schema["components"]["schemas"]["RollCallSaved"]["properties"]
    assert {"created", "updated", "unchanged", "records"} <= set(saved)
