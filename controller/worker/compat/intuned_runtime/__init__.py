"""``intuned_runtime`` as user code imports it: Intuned's runtime API, served by jobctl."""

from controller.worker.intuned_api import (
    AttributeValue,
    EnsureBrowserFunction,
    IntunedContext,
    NonRetryableError,
    attempt_store,
    deferred_browser,
    delete_attribute,
    extend_payload,
    extend_timeout,
    get_ai_gateway_config,
    get_auth_session_parameters,
    persistent_store,
    run_info,
    send_message_to_agent,
    set_attribute,
)

__all__ = [
    "AttributeValue",
    "EnsureBrowserFunction",
    "IntunedContext",
    "NonRetryableError",
    "attempt_store",
    "deferred_browser",
    "delete_attribute",
    "extend_payload",
    "extend_timeout",
    "get_ai_gateway_config",
    "get_auth_session_parameters",
    "persistent_store",
    "run_info",
    "send_message_to_agent",
    "set_attribute",
]
