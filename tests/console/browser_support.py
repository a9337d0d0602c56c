"""Playwright driving Debian's Chromium (``/usr/bin/chromium``): never a downloaded browser.

``LAMINA_SCREENSHOTS=1`` makes ``shot`` write docs/console/<name>.png (committed once, shown in
docs/console.md); otherwise it does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"


def shot(page: Any, name: str) -> None:
    if os.environ.get("LAMINA_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str, account: str, user: str, password: str) -> None:
    page.goto(f"{base}/console")
    page.get_by_label("Account ID (12 digits) or account alias").fill(account)
    page.get_by_label("IAM user name").fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
