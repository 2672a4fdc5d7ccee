"""The scheduling fixtures (groups, facilitators, active episodes built through the services) for
the Today panels' tests."""

from tests.scheduling.conftest import (  # noqa: F401 — fixtures, used by name
    facilitators,
    group_types,
    make_active_episode,
    make_group,
    today,
)
