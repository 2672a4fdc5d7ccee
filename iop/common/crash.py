"""Crash and pause points: where the tests that kill a real worker process mid-task make it die,
or hold it so that they can kill it from outside.

`crash_point("after_claim")` kills the current process with SIGKILL when `IOP_TEST_CRASH_AT`
names that step: no `except`, no `finally`, no transaction commit, no broker acknowledgement runs,
exactly as when the OOM killer or a lost machine takes a worker.

`pause_point("materialise")` holds the current process when `IOP_TEST_PAUSE_AT` names that step:
it writes its pid to `IOP_TEST_PAUSE_MARKER` and waits there, with the job half done (its
uncommitted writes in flight, or some of its per-item transactions committed), until the test
kills the whole worker with `kill -9`, or does something to the world (restarts PostgreSQL) and
removes the marker to let the step go on. A sleep in a job, or a race against its speed, would make
"mid-way" a matter of luck on a loaded machine; the marker makes it certain.

Only the test settings define `IOP_TEST_CRASH_AT`, `IOP_TEST_PAUSE_AT` and `IOP_TEST_PAUSE_MARKER`
(from the environment of the worker the test starts); under any other settings both points do
nothing but one attribute lookup, so production behaviour is unchanged.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from django.conf import settings

# A held step gives up after this long, so a test that died before killing or releasing it leaves
# nothing waiting for ever (a task's own hard time limit would also end it).
PAUSE_LIMIT_SECONDS = 240


def crash_point(step: str) -> None:
    if getattr(settings, "IOP_TEST_CRASH_AT", "") == step:
        os.kill(os.getpid(), signal.SIGKILL)


def pause_point(step: str) -> None:
    if getattr(settings, "IOP_TEST_PAUSE_AT", "") != step:
        return
    marker = Path(settings.IOP_TEST_PAUSE_MARKER)
    marker.write_text(str(os.getpid()))
    deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
    while marker.exists():  # the test removes it to let the step go on (or kills the process)
        if time.monotonic() > deadline:
            raise RuntimeError(f"Pause point {step} was never released.")
        time.sleep(0.05)
