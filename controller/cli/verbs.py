"""How a ``jobctl jobs``/``jobctl jobruns`` verb is declared, called and printed: every verb
takes the connection options and ``--json`` (the API's JSON instead of text)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console

from .api_client import ApiClient, ClientError, add_connection_options

Action = Callable[[ApiClient, argparse.Namespace], int]


def verb(
    verbs: Any,
    name: str,
    text: str,
    action: Action,
    *positional: str,
) -> Any:
    parser = verbs.add_parser(name, help=text, description=text)
    for argument in positional:
        parser.add_argument(argument.lower(), metavar=argument)
    add_connection_options(parser)
    parser.set_defaults(handler=lambda args: _call(action, args))
    return parser


def _call(action: Action, args: argparse.Namespace) -> int:
    client = None
    try:
        client = ApiClient(args)
        return action(client, args)
    except ClientError as exc:
        print(f"jobctl {args.command} {args.verb}: {exc}", file=sys.stderr)
        return exc.code
    finally:
        if client is not None:
            client.close()


def out(args: argparse.Namespace, data: Any, render: Callable[[Console], None]) -> int:
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        render(Console(highlight=False, soft_wrap=True))
    return 0
