"""AuthSessions on the controller's side: the ``AuthSessions`` broker workers talk to."""

from .broker import AuthSessions, StateStore

__all__ = ["AuthSessions", "StateStore"]
