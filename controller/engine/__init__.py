"""The engine: JobRun/Run/attempt lifecycle as a pure state machine, and the Launcher contract.

Both runtimes drive this one engine: the embedded controller (local worker processes, SQLite)
and the Kubernetes operator (Pods, custom resources).
"""

from . import spill
from .commands import BACKFILL_MAX_TICKS, CANCEL_GRACE_MS, BackfillTick, Rerun
from .deliveries import Delivery, DeliveryKind
from .engine import Engine
from .errors import EngineError, InvalidDefinitionError, NotFoundError
from .ids import direct_kind
from .launcher import (
    ArtifactStore,
    AttemptAdopter,
    AttemptAuthenticated,
    AttemptAuthFailed,
    AttemptEvent,
    AttemptExited,
    AttemptExtendedPayload,
    AttemptFailed,
    AttemptHeartbeat,
    AttemptRequest,
    AttemptResult,
    AttemptStarted,
    AuthBroker,
    BrowserLauncher,
    Launcher,
)
from .output import AttemptRecord, Changes, Effects, Output
from .records import Job, JobRun, KnownJob, Run, attempt_id
from .results import (
    Identity,
    LineOwner,
    ResultRecord,
    iso_ms,
    read_results_line,
    result_record,
)
from .spill import PENDING_HELD, loading_limit
from .waiting import Waiting, run_waiting

__all__ = [
    "BACKFILL_MAX_TICKS",
    "CANCEL_GRACE_MS",
    "PENDING_HELD",
    "ArtifactStore",
    "AttemptAdopter",
    "AttemptAuthFailed",
    "AttemptAuthenticated",
    "AttemptEvent",
    "AttemptExited",
    "AttemptExtendedPayload",
    "AttemptFailed",
    "AttemptHeartbeat",
    "AttemptRecord",
    "AttemptRequest",
    "AttemptResult",
    "AttemptStarted",
    "AuthBroker",
    "BackfillTick",
    "BrowserLauncher",
    "Changes",
    "Delivery",
    "DeliveryKind",
    "Effects",
    "Engine",
    "EngineError",
    "Identity",
    "InvalidDefinitionError",
    "Job",
    "JobRun",
    "KnownJob",
    "Launcher",
    "LineOwner",
    "NotFoundError",
    "Output",
    "Rerun",
    "ResultRecord",
    "Run",
    "Waiting",
    "attempt_id",
    "direct_kind",
    "iso_ms",
    "loading_limit",
    "read_results_line",
    "result_record",
    "run_waiting",
    "spill",
]
