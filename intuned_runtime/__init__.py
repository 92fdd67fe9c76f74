"""Compatibility module: ``from intuned_runtime import extend_payload`` as in Intuned's docs."""

from controller.worker.runtime import extend_payload, extend_timeout

__all__ = ["extend_payload", "extend_timeout"]
