"""Fixtures for the accounts tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process (the invitation email), restoring the app's setting after."""
    from iop.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
