"""``jobctl demo-site``: serve ``examples/demo_site`` of this checkout (the demo's website).

The site is an example, kept out of the controller package: this command finds it beside the
package in a checkout (where ``make run`` and the tests use it) and says so when it is absent.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[2]


def _example() -> ModuleType | None:
    if not (CHECKOUT / "examples" / "demo_site" / "server.py").is_file():
        return None
    if str(CHECKOUT) not in sys.path:
        sys.path.append(str(CHECKOUT))
    return importlib.import_module("examples.demo_site.server")


def register(commands: Any) -> None:
    site = commands.add_parser("demo-site", help="serve the offline bookstore demo website")
    example = _example()
    if example is None:
        site.set_defaults(handler=_absent)
        return
    example.add_arguments(site)
    site.set_defaults(handler=example.run_demo_site)


def _absent(_args: argparse.Namespace) -> int:
    print(
        f"jobctl demo-site: {CHECKOUT}/examples/demo_site not found; the demo site is served "
        "from a checkout of the jobctl repository",
        file=sys.stderr,
    )
    return 2
