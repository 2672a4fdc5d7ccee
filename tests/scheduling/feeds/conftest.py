"""The calendar feed tests run in the reminders' world: the same frozen clock and the same clients
(whose names must never appear in a feed)."""

from ..reminders.conftest import clock, world  # noqa: F401 - fixtures
