"""Finding and launching Chromium.

Order: ``CHROMIUM_PATH``; else the browser Playwright installed for itself, if any; else the
distribution's ``/usr/bin/chromium``. The launch flags keep Chromium from reaching out to the
network on its own (this machine, like many CI runners, has no route for it) and let it run as
root inside containers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")


class ChromiumNotFoundError(RuntimeError):
    pass


def chromium_path(playwright: Any) -> str:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if not Path(configured).exists():
            raise ChromiumNotFoundError(f"CHROMIUM_PATH={configured} does not exist")
        return configured
    bundled = Path(playwright.chromium.executable_path)
    if bundled.exists():
        return str(bundled)
    if SYSTEM_CHROMIUM.exists():
        return str(SYSTEM_CHROMIUM)
    raise ChromiumNotFoundError(
        "no Chromium found: set CHROMIUM_PATH, or install Debian's chromium (make setup does)"
    )


async def launch(playwright: Any) -> Any:
    return await playwright.chromium.launch(
        executable_path=chromium_path(playwright), headless=True, args=LAUNCH_ARGS
    )


async def launch_with_profile(playwright: Any, profile: Path) -> tuple[Any, Any, str | None]:
    """(browser, its main context, its DevTools URL): Chromium on a profile folder of its own.
    Pages open far faster in the main (profile) context than in incognito contexts; the
    browser makes incognito ones as usual. The DevTools endpoint (a ``ws://`` URL on loopback,
    a port Chromium picks) is what a project's setup hook gets as ``cdp_url`` to attach other
    tools to the same browser; None if Chromium did not say where it listens."""
    main = await playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=chromium_path(playwright),
        headless=os.environ.get("JOBCTL_HEADFUL") != "1",  # the project's Intuned.json
        args=[*LAUNCH_ARGS, "--remote-debugging-port=0"],
    )
    return main.browser, main, _devtools_url(profile)


def _devtools_url(profile: Path) -> str | None:
    """Chromium writes its DevTools port and browser path to the profile when it listens."""
    try:
        port, path = (profile / "DevToolsActivePort").read_text().split()[:2]
    except (OSError, ValueError):
        return None
    return f"ws://127.0.0.1:{port}{path}"
