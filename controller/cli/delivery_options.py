"""Delivery and results-file options, shared by ``jobctl run`` and ``jobctl operator``."""

from __future__ import annotations

import argparse
from typing import Any

from ..delivery import DeliverySettings, RetryPolicy, S3Target
from ..spec import parse_duration_ms


def add_options(parser: Any) -> None:
    group = parser.add_argument_group("delivery (sinks, notifications, results files)")
    group.add_argument(
        "--allow-private-targets",
        action="store_true",
        help="allow webhook and S3 targets on loopback, private and link-local addresses",
    )
    group.add_argument(
        "--webhook-timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="per webhook request (default: %(default)s)",
    )
    group.add_argument(
        "--delivery-horizon",
        default="24h",
        metavar="DURATION",
        help="retry a failing delivery for this long, e.g. 30m, 24h (default: %(default)s)",
    )
    group.add_argument(
        "--delivery-initial-delay",
        default="1s",
        metavar="DURATION",
        help="first retry delay, doubled per attempt (default: %(default)s)",
    )
    group.add_argument(
        "--results-bucket",
        metavar="BUCKET",
        help="keep results files in this S3 bucket (credentials: the AWS "
        "environment variables or profile); default: STATE/results",
    )
    group.add_argument("--results-prefix", default="", metavar="PREFIX")
    group.add_argument("--results-endpoint", metavar="URL", help="S3-compatible endpoint")
    group.add_argument("--results-region", metavar="REGION")
    group.add_argument("--results-force-path-style", action="store_true")
    group.add_argument(
        "--results-url-expiry",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="lifetime of results signed URLs (default: %(default)s)",
    )


def delivery_settings(args: argparse.Namespace) -> DeliverySettings:
    """Raises ValueError (with a message for the user) on a bad duration."""
    horizon = parse_duration_ms(args.delivery_horizon)
    initial = parse_duration_ms(args.delivery_initial_delay)
    if args.webhook_timeout <= 0:
        raise ValueError("--webhook-timeout must be > 0")
    return DeliverySettings(
        policy=RetryPolicy(initial_delay_ms=max(1, initial), horizon_ms=horizon),
        webhook_timeout_s=args.webhook_timeout,
        allow_private_targets=args.allow_private_targets,
    )


def results_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ``Settings`` fields for results files."""
    bucket = None
    if args.results_bucket is not None:
        bucket = S3Target(
            bucket=args.results_bucket,
            region=args.results_region,
            endpoint=args.results_endpoint,
            force_path_style=args.results_force_path_style,
        )
    return {
        "results_bucket": bucket,
        "results_prefix": args.results_prefix,
        "results_url_expiry_s": args.results_url_expiry,
    }
