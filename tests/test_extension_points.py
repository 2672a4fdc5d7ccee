"""Declared extension points, checked over the source tree (no database).

Calls up the layers go through signals and registries only, and both ends are in one place per app:
- a lower app declares what it offers in its `hooks.py` (iop/clients, scheduling, attendance): no
  `Signal(...)` and no registry (a `<noun>_register` function, or a `global` rebinding a
  module-level registration) anywhere else;
- an upper app connects in its `wiring.py`, whose `connect()` its `AppConfig.ready()` calls:
  no `.connect(...)` and no `@receiver` anywhere else.

Platform-internal receivers of Django's and allauth's own signals stay where they are, because
they are not calls up the layers but the platform listening to its frameworks:
`iop/audit/receivers.py` (login, logout, MFA changes into the audit log) and `iop/tenancy/apps.py`
(`post_migrate` → RLS policies). They are listed in PLATFORM_RECEIVERS; nothing else may join them
without saying why here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.source import ROOT, project_modules

PLATFORM_RECEIVERS = {Path("iop/audit/receivers.py"), Path("iop/tenancy/apps.py")}
DOMAIN_APPS = ("scheduling", "attendance", "authorizations", "discharge")


def _tree(path: Path) -> ast.Module:
    return ast.parse((ROOT / path).read_text(), filename=str(path))


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _findings(path: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {"signal": [], "registry": [], "connect": [], "receiver": []}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call) and _called_name(node) == "Signal":
            found["signal"].append(node.lineno)
        elif isinstance(node, ast.Call) and _called_name(node) == "connect" and isinstance(node.func, ast.Attribute):
            # `wiring.connect()` itself (no arguments) is the app calling its own wiring.
            if node.args or node.keywords:
                found["connect"].append(node.lineno)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name.endswith("_register"):
                found["registry"].append(node.lineno)
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if getattr(target, "id", getattr(target, "attr", "")) == "receiver":
                    found["receiver"].append(node.lineno)
        elif isinstance(node, ast.Global):
            found["registry"].append(node.lineno)
    return found


MODULES = project_modules()


def test_the_tree_is_scanned():
    names = {str(p) for p in MODULES}
    assert {"iop/clients/hooks.py", "scheduling/hooks.py", "attendance/hooks.py"} <= names
    assert {"scheduling/wiring.py", "attendance/wiring.py", "authorizations/wiring.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=str)
def test_signals_and_registries_are_declared_in_hooks_modules_only(path):
    if path.name == "hooks.py":
        return
    found = _findings(path)
    assert not found["signal"], f"{path}:{found['signal']} declares a Signal outside a hooks.py"
    assert not found["registry"], f"{path}:{found['registry']} keeps a registry outside a hooks.py"


@pytest.mark.parametrize("path", MODULES, ids=str)
def test_connections_are_made_in_wiring_modules_only(path):
    if path.name == "wiring.py" or path in PLATFORM_RECEIVERS:
        return
    found = _findings(path)
    assert not found["connect"], f"{path}:{found['connect']} connects to a signal outside a wiring.py"
    assert not found["receiver"], f"{path}:{found['receiver']} has an @receiver outside a wiring.py"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name == "hooks.py"], ids=str)
def test_every_hooks_module_says_who_may_listen_and_what_they_may_do(path):
    docstring = ast.get_docstring(_tree(path)) or ""
    assert "wiring.py" in docstring and "may" in docstring, f"{path} does not document its listeners"


@pytest.mark.parametrize("app", [a for a in DOMAIN_APPS if (ROOT / a / "wiring.py").exists()])
def test_every_wiring_module_is_connected_from_ready(app):
    ready = next(
        node
        for node in ast.walk(_tree(Path(app) / "apps.py"))
        if isinstance(node, ast.FunctionDef) and node.name == "ready"
    )
    assert "wiring.connect()" in ast.unparse(ready)


def test_every_receiver_of_a_declared_signal_has_a_dispatch_uid():
    """ready() may run more than once (tests, management commands): a receiver without a
    dispatch_uid would then run twice."""
    from attendance.hooks import attendance_saved
    from authorizations.hooks import step_down_recommended
    from iop.clients.hooks import episode_status_changed

    expected = {
        episode_status_changed: {
            "scheduling_census_change",
            "attendance_episode_left_care",
            "authorizations_episode_left_care",
            "authorizations_episode_reviews_cancel",
            "discharge_plan_admission",
        },
        attendance_saved: {"authorizations_unauthorized_days"},
        step_down_recommended: {"discharge_plan_step_down"},
    }
    for signal, uids in expected.items():
        assert {lookup_key[0] for lookup_key, *_ in signal.receivers} == uids


def test_the_client_page_renders_registered_panels_not_the_domain_apps_pieces():
    from iop.clients.hooks import client_panels

    assert [panel.key for panel in client_panels()] == [
        "scheduling_sessions",
        "attendance_hours",
        "attendance_reports",
        "authorizations_coverage",
        "authorizations_requests",
        "authorizations_units",
        "discharge_plan",
        "discharge_consents",
    ]
    page = (ROOT / "templates/clients/client_detail.html").read_text()
    loads = {name for line in re.findall(r"{%\s*load\s+([^%]+)%}", page) for name in line.split()}
    assert loads == {"client_panels"}
    included = re.findall(r"""{%\s*include\s+["']([^"'/]+)/""", page)
    assert not set(included) & set(DOMAIN_APPS)


def test_the_client_list_shows_registered_columns_and_filters_not_the_domain_apps_pieces():
    from iop.clients.hooks import client_list_columns, client_list_filters

    assert [column.key for column in client_list_columns()] == [
        "authorizations_insurance",
        "authorizations_end",
        "authorizations_review",
    ]
    assert [list_filter.key for list_filter in client_list_filters()] == ["verification_due"]
    for name in ("client_list.html", "partials/client_results.html"):
        page = (ROOT / "templates/clients" / name).read_text()
        included = re.findall(r"""{%\s*include\s+["']([^"'/]+)/""", page)
        assert not set(included) & set(DOMAIN_APPS), name
