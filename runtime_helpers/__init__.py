"""Compatibility module: ``from runtime_helpers import extend_timeout`` as in Intuned's docs."""

from controller.worker.runtime import extend_payload, extend_timeout

__all__ = ["extend_payload", "extend_timeout"]
