"""Delivery: results to sinks (webhook, S3), JobRun notifications, and results-file storage.

Deliveries are planned by the engine and queued in the store; the ``Deliverer`` sends them at
least once. Nothing here holds a secret longer than one send: targets and credentials are read
from the Job's current definition each time.
"""

from .artifacts import ArtifactPathError, AttemptArtifacts
from .deliverer import Deliverer, DeliverySettings
from .live_logs import LiveLogs
from .outcome import Outcome
from .policy import RetryPolicy, next_attempt_at, parse_retry_after
from .public_url import PublicUrl
from .results_storage import LocalResultsStorage, ResultsLink, ResultsStorage, S3ResultsStorage
from .s3 import S3Clients, S3Target
from .signing import signature_headers
from .targets import non_public_reason, refused_target

__all__ = [
    "ArtifactPathError",
    "AttemptArtifacts",
    "Deliverer",
    "DeliverySettings",
    "LiveLogs",
    "LocalResultsStorage",
    "Outcome",
    "PublicUrl",
    "ResultsLink",
    "ResultsStorage",
    "RetryPolicy",
    "S3Clients",
    "S3ResultsStorage",
    "S3Target",
    "next_attempt_at",
    "non_public_reason",
    "parse_retry_after",
    "refused_target",
    "signature_headers",
]
