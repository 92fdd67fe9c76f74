"""AuthSessions on the controller's side: the ``AuthSessions`` broker workers talk to."""

from .broker import AuthSessions, StateStore
from .instances import saved_states

__all__ = ["AuthSessions", "StateStore", "saved_states"]
