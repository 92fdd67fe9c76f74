"""``jobctl project install``: build a project's own environment ahead of time (a worker image's
build step, or a warm-up before ``jobctl run``): the interpreter its ``requires-python`` asks
for and the dependencies it declares, exactly as the controller builds it before the project's
first attempt."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..projectenv import EnvironmentBuilder, ProjectEnvironmentError, default_cache
from . import project_options


def register(commands: Any) -> None:
    project = commands.add_parser("project", help="a project's own Python environment")
    verbs = project.add_subparsers(dest="project_command", required=True, metavar="VERB")
    install = verbs.add_parser(
        "install",
        help="install the project's dependencies into its environment",
        description="Build (or find) the environment the project's code runs in: the Python "
        "its pyproject.toml's requires-python asks for, with the dependencies it declares "
        "(pyproject.toml, else requirements.txt). Prints the environment's interpreter.",
    )
    install.add_argument("project", type=Path, nargs="?", default=Path("."))
    install.add_argument(
        "--cache",
        type=Path,
        default=None,
        help=f"where environments are kept (default: $JOBCTL_ENV_CACHE, else {default_cache()})",
    )
    install.add_argument(
        "--link",
        type=Path,
        default=None,
        metavar="PATH",
        help="also make PATH a link to the environment (its bin/python runs the project's code)",
    )
    install.set_defaults(handler=run_install)


def run_install(args: argparse.Namespace) -> int:
    if not args.project.is_dir():
        print(f"jobctl project install: {args.project}: no such folder", file=sys.stderr)
        return 2
    builder = EnvironmentBuilder(args.cache, say=project_options.say)
    try:
        environment = builder.ensure(args.project)
    except ProjectEnvironmentError as exc:
        print(f"jobctl project install: {exc}", file=sys.stderr)
        return 1
    if args.link is not None:
        if args.link.is_symlink() or args.link.exists():
            args.link.unlink()
        args.link.parent.mkdir(parents=True, exist_ok=True)
        root = environment.python.parent.parent if environment.key else Path(sys.prefix)
        os.symlink(root.resolve(), args.link)
    print(environment.python)
    return 0
