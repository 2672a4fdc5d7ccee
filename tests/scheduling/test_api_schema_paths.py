"""Every scheduling endpoint is described in the OpenAPI schema (tests/api/test_schema.py checks
that the schema as a whole generates without warnings)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/o/{org_slug}/"


def test_scheduling_endpoints_are_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    expected = {
        "group-types/": {"get"},
        "group-types/{id}/": {"get"},
        "groups/": {"get", "post"},
        "groups/{id}/": {"get"},
        "slots/": {"get", "post"},
        "slots/{id}/": {"get"},
        "slots/{id}/end/": {"post"},
        "sessions/": {"get"},
        "sessions/{id}/": {"get"},
        "sessions/{id}/cancel/": {"post"},
        "sessions/{id}/move/": {"post"},
        "sessions/{id}/assign-facilitator/": {"post"},
        "placements/": {"get", "post"},
        "placements/{id}/": {"get"},
        "placements/{id}/end/": {"post"},
        "roster-entries/": {"get", "post"},
        "roster-entries/{id}/": {"get"},
        "roster-entries/{id}/remove/": {"post"},
        "waitlist/": {"get"},
        "absences/": {"get", "post"},
        "absences/{id}/": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[PREFIX + path]) == methods, path
    session_filters = {p["name"] for p in paths[PREFIX + "sessions/"]["get"]["parameters"]}
    assert {"start", "end", "date_from", "date_to", "group", "facilitator", "program", "status"} <= session_filters
    placement = schema["components"]["schemas"]["PlacementCreateRequest"]["properties"]
    assert "waitlist_if_full" in placement
