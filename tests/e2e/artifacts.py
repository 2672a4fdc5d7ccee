"""Screenshots of the browser journeys, for people to look at (not compared by the tests): full
pages saved as `<persona>-<step>.png` in the folder named by `IOP_E2E_ARTIFACTS` (default
`var/e2e-artifacts/` in the repository, which git ignores)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "var" / "e2e-artifacts"


def artifacts_folder() -> Path:
    folder = Path(os.environ.get("IOP_E2E_ARTIFACTS") or DEFAULT_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, persona: str, step: str) -> Path:
    """The whole page as it is now; returns the file written."""
    path = artifacts_folder() / f"{persona}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
