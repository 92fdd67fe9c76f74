"""Job definitions: the models, their loading with located errors, and generated schemas.

This is the lowest layer of jobctl: it imports nothing from the rest of ``controller`` but
``vocabulary``.
"""

from ._calendar_values import CalendarRange
from ._delivery_models import S3Sink, WebhookNotification, WebhookSink
from ._documents import SyntaxProblem, parse_json5
from ._durations import format_duration_ms, instant_ms, parse_duration_ms
from ._files import FileStamp
from ._problems import Position, Problem, format_data_path
from ._schedule_models import CalendarSpec, IntervalSpec, ScheduleSpec
from ._secret_refs import SecretLookup, referenced_secrets
from .auth_session import (
    AuthSessionDefinition,
    AuthSessionKind,
    CredentialError,
    EnvReference,
    resolve_credentials,
)
from .job import Configuration, JobDefinition, PayloadItem
from .kube import JobResourceSpec, JobRunSpec
from .loader import (
    LoadedAuthSession,
    LoadedJob,
    LoadResult,
    job_id_from_filename,
    load_auth_session_file_text,
    load_job_file_text,
    load_manifest_text,
    load_paths,
)
from .resources import ResourceSpecError, parse_resource_spec
from .schemas import auth_session_file_schema, crd_documents, job_file_schema, render_crd_yaml
from .secrets import Redactor, secret_values

__all__ = [
    "AuthSessionDefinition",
    "AuthSessionKind",
    "CalendarRange",
    "CalendarSpec",
    "Configuration",
    "CredentialError",
    "EnvReference",
    "FileStamp",
    "IntervalSpec",
    "JobDefinition",
    "JobResourceSpec",
    "JobRunSpec",
    "LoadResult",
    "LoadedAuthSession",
    "LoadedJob",
    "PayloadItem",
    "Position",
    "Problem",
    "Redactor",
    "ResourceSpecError",
    "S3Sink",
    "ScheduleSpec",
    "SecretLookup",
    "SyntaxProblem",
    "WebhookNotification",
    "WebhookSink",
    "auth_session_file_schema",
    "crd_documents",
    "format_data_path",
    "format_duration_ms",
    "instant_ms",
    "job_file_schema",
    "job_id_from_filename",
    "load_auth_session_file_text",
    "load_job_file_text",
    "load_manifest_text",
    "load_paths",
    "parse_duration_ms",
    "parse_json5",
    "parse_resource_spec",
    "referenced_secrets",
    "render_crd_yaml",
    "resolve_credentials",
    "secret_values",
]
