"""The Kubernetes operator: Job/JobRun resources, attempt Pods, statuses (see ``operator.py``)."""

from .operator import Operator

__all__ = ["Operator"]
