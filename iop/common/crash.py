"""Crash points: where the tests that kill a real worker process mid-task make it die.

`crash_point("after_claim")` kills the current process with SIGKILL when `IOP_TEST_CRASH_AT`
names that step: no `except`, no `finally`, no transaction commit, no broker acknowledgement runs,
exactly as when the OOM killer or a lost machine takes a worker. Only the test settings define
`IOP_TEST_CRASH_AT` (from the environment of the worker the test starts); under any other settings
a crash point does nothing.
"""

from __future__ import annotations

import os
import signal

from django.conf import settings


def crash_point(step: str) -> None:
    if getattr(settings, "IOP_TEST_CRASH_AT", "") == step:
        os.kill(os.getpid(), signal.SIGKILL)
