from tests.notifications.journal import journal  # noqa: F401 - fixture
