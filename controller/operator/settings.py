"""The operator's settings, typed once: the runtime's (store, deliveries, identity) and what
only the operator has (its namespace and credentials, the callback, leader election, the worker
Pods, the repo sync). The command line builds them (``cli/operator_command.py``); nothing below
it reads an option."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..launch.pods import PodSettings
from ..runtime import RuntimeSettings


@dataclass(frozen=True, kw_only=True)
class OperatorSettings(RuntimeSettings):
    namespace: str
    """The one namespace whose resources it reconciles and where its Pods run."""
    pods: PodSettings
    """The worker Pods: image, resources, pools, the callback they report to."""
    kubeconfig: str | None = None
    """Credentials: this kubeconfig, else the in-cluster ServiceAccount, else ``$KUBECONFIG``."""
    callback_listen: str = "127.0.0.1:0"
    """Where the callback Pods report to listens (``HOST:PORT``)."""
    liveness: str | None = None
    """``HOST:PORT`` of kopf's liveness endpoint (``/healthz``); None: not served."""
    peering: str = "jobctl"
    """The Lease and kopf peering that make one replica act; ``off``: a single replica."""
    scan_cluster: bool = False
    """Let kopf scan the cluster's resource kinds (it needs cluster-wide list permission)."""
    sync_dir: Path | None = None
    """The synced repository's resources folder (git-sync); None: no repo sync."""
    sync_root: Path | None = None
    """What to watch for the sync's changes (git-sync swaps a link under it)."""
    verbose: bool = False

    @property
    def standalone(self) -> bool:
        return self.peering == "off"
