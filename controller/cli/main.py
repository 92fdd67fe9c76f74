"""``jobctl`` entry point: argument parsing and the no-traceback guarantee.

Every command returns an exit code. Anything unexpected is reported as one line naming the
command, never as a traceback, because job files are user input and CI logs are read by people.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..store import StateFullError
from ..store.leadership import LeadershipLost
from . import (
    apply_command,
    auth_session_commands,
    control_commands,
    dev_command,
    operator_command,
    project_command,
    run_command,
    schedule_commands,
    spec_commands,
    store_command,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobctl",
        description="GitOps job controller for batched browser automations (Intuned Jobs).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    spec_commands.register(commands)
    schedule_commands.register(commands)
    run_command.register(commands)
    control_commands.register(commands)
    auth_session_commands.register(commands)
    operator_command.register(commands)
    apply_command.register(commands)
    store_command.register(commands)
    dev_command.register(commands)
    project_command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except (StateFullError, LeadershipLost) as exc:
        print(f"jobctl {args.command}: {exc}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again once there is space, or as a standby
    except Exception as exc:  # the promise: no traceback, ever
        print(
            f"jobctl {args.command}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr
        )
        return 70
    return code


if __name__ == "__main__":
    sys.exit(main())
