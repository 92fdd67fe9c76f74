"""``python -m examples.demo_site`` from the repository root: serve the demo's website (the
offline bookstore, its members area and webhook receiver). An example beside jobctl, never part
of its package or its command line."""

from __future__ import annotations

import argparse
import sys

from .server import add_arguments, run_demo_site


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m examples.demo_site",
        description="Serve the offline bookstore demo website on 127.0.0.1.",
    )
    add_arguments(parser)
    return run_demo_site(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
