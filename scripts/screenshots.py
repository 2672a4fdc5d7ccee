"""Screenshots of each role's Today (and the census board) on a running demo, for the README.

    PORT=8001 make run            # in another terminal: the demo on http://127.0.0.1:8001
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8001 docs/screenshots

Signs in as each demo login (MFA off in iop.settings.dev) in Debian's Chromium and saves
`today-<role>.png` at 1280 px wide (and the VA's at 390 px, as on a phone).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

LOGINS = {
    "va": "va@harbor.test",
    "clinician": "clinician@harbor.test",
    "intake": "intake@harbor.test",
    "admin": "admin@harbor.test",
}


def main(base_url: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    password = os.environ.get("DEMO_PASSWORD", "iop-demo-password")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for role, email in LOGINS.items():
            for width, suffix in ((1280, ""), (390, "-phone")):
                if suffix and role != "va":
                    continue
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{base_url}/accounts/login/")
                page.get_by_label("Email").fill(email)
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/today/")
                # Put the "signed in" message away: it floats over the board.
                dismiss = page.get_by_role("button", name="Dismiss")
                if dismiss.is_visible():
                    dismiss.click()
                page.screenshot(path=str(folder / f"today-{role}{suffix}.png"), full_page=True)
                if role == "va" and not suffix:
                    page.goto(f"{base_url}/o/harbor/today/census/")
                    page.screenshot(path=str(folder / "census.png"), full_page=True)
                page.close()
        browser.close()


if __name__ == "__main__":
    base_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    main(base_url, Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots"))
