"""``runtime_helpers``: Intuned's deprecated alias of ``intuned_runtime`` (a part of it)."""

import logging

from controller.worker.intuned_api import (
    AttributeValue,
    attempt_store,
    delete_attribute,
    extend_payload,
    extend_timeout,
    get_auth_session_parameters,
    persistent_store,
    send_message_to_agent,
    set_attribute,
)

logging.getLogger(__name__).warning(
    "The 'runtime_helpers' module is deprecated; import from 'intuned_runtime' instead."
)

__all__ = [
    "AttributeValue",
    "attempt_store",
    "delete_attribute",
    "extend_payload",
    "extend_timeout",
    "get_auth_session_parameters",
    "persistent_store",
    "send_message_to_agent",
    "set_attribute",
]
