"""``intuned_runtime`` as user code imports it: Intuned's runtime API, served by jobctl."""

from controller.worker.intuned_api import *  # noqa: F403
from controller.worker.intuned_api import __all__ as __all__
