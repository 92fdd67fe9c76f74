"""The runtime both modes share: the pass loop (``Runtime``), its ports, and read-only queries.

``embedded`` gives it job files and local workers; ``operator`` gives it Kubernetes resources
and Pods. Neither reaches into the engine: commands go through ``Runtime`` (the REST API's
through ``Commands``, one surface for both modes), reads through ``RuntimeQuery``.
"""

from .assembly import assemble
from .commands import Catalog, Commands
from .documents import parse_auth_session_document, parse_job_document
from .driver import Runtime
from .failures import FailureGroup
from .heap import freeze_start_up
from .job_figures import JobRunFigures
from .ports import Change, DefinitionSource, DefinitionTarget, JobConflictError, Observer
from .query import RuntimeQuery
from .reruns import RunChoice
from .settings import RuntimeSettings, wall_clock_ms
from .timeline import Timeline

__all__ = [
    "Catalog",
    "Change",
    "Commands",
    "DefinitionSource",
    "DefinitionTarget",
    "FailureGroup",
    "JobConflictError",
    "JobRunFigures",
    "Observer",
    "RunChoice",
    "Runtime",
    "RuntimeQuery",
    "RuntimeSettings",
    "Timeline",
    "assemble",
    "freeze_start_up",
    "parse_auth_session_document",
    "parse_job_document",
    "wall_clock_ms",
]
