"""The layers: a module imports only from its own layer and the layers below it.

Bottom to top: the platform (`iop.tenancy`: organizations, memberships, roles, Row-Level Security,
the tenant context), the audit records, the shared web and API pieces (`iop.common`), the Today
page's panel registry (`iop.today`),
notifications, accounts, clients; then the domain apps scheduling → attendance → authorizations → discharge;
then the demo data, which may import everything and which nothing imports. The project's wiring
(`iop.urls`, `iop.api_urls`, `iop.settings` with its date formats `iop.formats`, `iop.celery`, `iop.wsgi`) sits
above the apps.
Calls up the layers go through signals and registries, not imports.

Read from the source (ast), every import, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS = (
    "iop.tenancy",
    "iop.audit",
    "iop.common",
    "iop.today",
    "iop.notifications",
    "iop.accounts",
    "iop.clients",
    "scheduling",
    "attendance",
    "authorizations",
    "discharge",
    "demo",
)
WIRING = ("iop.urls", "iop.api_urls", "iop.settings", "iop.formats", "iop.celery", "iop.wsgi")
PACKAGES = ("iop", "scheduling", "attendance", "authorizations", "discharge", "demo")

# Imports up the layers that are still to be turned around (issue 10). Remove a line when its
# import goes; the test fails on a line that no longer happens, so this list only shrinks.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _unit(module: str) -> str | None:
    """The layer (or wiring module) a dotted module name belongs to."""
    for name in WIRING + LAYERS:
        if module == name or module.startswith(name + "."):
            return name
    return None


def _imports() -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) → where, for every import between two different units."""
    found: dict[tuple[str, str], list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            importer = _unit(".".join(relative.with_suffix("").parts))
            for node in ast.walk(ast.parse(path.read_text(), filename=str(relative))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
                else:
                    continue
                # `from iop import x` names its unit only with the alias, hence both names.
                for unit in {_unit(name) for name in names} - {None, importer}:
                    if importer is not None:
                        found.setdefault((importer, unit), []).append(f"{relative}:{node.lineno}")
    return found


def _upward(imports: dict[tuple[str, str], list[str]]) -> dict[tuple[str, str], list[str]]:
    def rank(unit: str) -> int:
        return len(LAYERS) if unit in WIRING else LAYERS.index(unit)

    return {pair: where for pair, where in imports.items() if rank(pair[1]) > rank(pair[0])}


def test_every_package_is_in_a_layer():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            if module != "iop.__init__":
                assert _unit(module) is not None, f"{module} is in no layer: add its app to LAYERS"


def test_no_module_imports_a_layer_above_its_own():
    upward = _upward(_imports())
    new = {pair: where for pair, where in upward.items() if pair not in KNOWN_UPWARD}
    assert not new, "imports up the layers (use a signal or a registry, or move the piece down):\n" + "\n".join(
        f"  {a} → {b}: {', '.join(where)}" for (a, b), where in sorted(new.items())
    )


def test_the_known_upward_imports_still_exist():
    """A fixed one comes off the list, so the list says what is left."""
    upward = _upward(_imports())
    gone = KNOWN_UPWARD - upward.keys()
    assert not gone, f"no longer imported up the layers, remove from KNOWN_UPWARD: {sorted(gone)}"


def test_nothing_imports_the_demo():
    importers = sorted({a for (a, b) in _imports() if b == "demo"})
    assert importers == [], f"only the demo app may import demo: {importers}"
