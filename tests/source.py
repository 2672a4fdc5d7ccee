"""The project's own Python modules, for tests that read the code itself (layers, extension
points, the refusal contract)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("iop", "scheduling", "attendance", "authorizations", "discharge", "demo")


def project_modules() -> list[Path]:
    """Every module of the apps (paths relative to the repository), migrations left out."""
    paths: list[Path] = []
    for package in PACKAGES:
        if (ROOT / package).is_dir():
            paths += [
                p.relative_to(ROOT) for p in sorted((ROOT / package).rglob("*.py")) if "migrations" not in p.parts
            ]
    return paths
