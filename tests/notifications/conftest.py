"""The inbox's tests use the domain suites' fixtures to raise real lines and fix what they point
at (a conftest's fixtures reach only its own directory, hence these re-exports)."""

from tests.notifications.journal import journal  # noqa: F401 - fixture

from ..attendance import conftest as attendance_fixtures
from ..authorizations import conftest as authorizations_fixtures
from ..authorizations.appeals import conftest as appeals_fixtures
from ..authorizations.reviews.calls import conftest as calls_fixtures
from ..authorizations.units import conftest as units_fixtures

# Scheduling and attendance: groups, sessions, clients, a past roll call and what it raised.
today = attendance_fixtures.today
week = attendance_fixtures.week
group_types = attendance_fixtures.group_types
facilitators = attendance_fixtures.facilitators
make_group = attendance_fixtures.make_group
make_active_episode = attendance_fixtures.make_active_episode
va_api = attendance_fixtures.va_api
this_week = attendance_fixtures.this_week
past_week = attendance_fixtures.past_week
make_past_group = attendance_fixtures.make_past_group
past_group = attendance_fixtures.past_group
roll_call = attendance_fixtures.roll_call
raised = attendance_fixtures.raised
# Authorizations: a payer, covered clients, a review with its clinician, a denial case.
payer = authorizations_fixtures.payer
covered_episode = units_fixtures.covered_episode
review = calls_fixtures.review
clinician_membership = calls_fixtures.clinician_membership
rule = appeals_fixtures.rule
fees = appeals_fixtures.fees
start = appeals_fixtures.start
episode = appeals_fixtures.episode
coverage = appeals_fixtures.coverage
draft = appeals_fixtures.draft
clinician_member = appeals_fixtures.clinician_member
denied = appeals_fixtures.denied
case = appeals_fixtures.case
