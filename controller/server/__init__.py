"""The control surface: the Intuned-compatible REST API, its OpenAPI document, and metrics."""

from .app import create_app
from .metrics import ControllerMetrics, StateSources
from .serve import ApiServer, bind, is_loopback, parse_listen
from .views import Control

__all__ = [
    "ApiServer",
    "Control",
    "ControllerMetrics",
    "StateSources",
    "bind",
    "create_app",
    "is_loopback",
    "parse_listen",
]
