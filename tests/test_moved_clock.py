"""The moved-clock pass of CI (`IOP_TEST_CLOCK`, see tests/conftest.py) really runs at that instant."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from .conftest import _moved_clock_instant


def test_the_clock_is_where_iop_test_clock_put_it_and_ticks():
    instant = _moved_clock_instant()
    if instant is None:
        pytest.skip("IOP_TEST_CLOCK is not set: the suite runs on the machine's clock")
    before = timezone.now()
    assert instant <= before < instant + dt.timedelta(hours=2)
    time.sleep(0.01)
    assert timezone.now() > before
