from tests.workers import broker  # noqa: F401 - fixture
