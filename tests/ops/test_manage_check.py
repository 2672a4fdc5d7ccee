"""`manage.py check` runs outside any tenant, as `migrate` and a deploy run it: loading every URLconf,
view and form must not query a tenant table at import (a form's `Model.objects.none()` did: the
fail-loud tenant manager refuses without a tenant, and `migrate` stopped)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_manage_check_loads_every_url_conf_without_a_tenant():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "iop.settings.test"
    result = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout
