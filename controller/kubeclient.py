"""A Kubernetes API client the way kubectl finds one: ``--kubeconfig``, else the in-cluster
service account, else ``$KUBECONFIG`` / ``~/.kube/config``; and the namespace that goes with it."""

from __future__ import annotations

from pathlib import Path

from kubernetes import client, config

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def api_client(kubeconfig: str | None) -> tuple[client.ApiClient, str]:
    """(client, default namespace); raises ``config.ConfigException`` when there is none."""
    if kubeconfig is None and (SERVICE_ACCOUNT / "token").exists():
        config.load_incluster_config()
        return client.ApiClient(), (SERVICE_ACCOUNT / "namespace").read_text().strip()
    api = config.new_client_from_config(config_file=kubeconfig)
    _contexts, active = config.list_kube_config_contexts(config_file=kubeconfig)
    return api, str((active or {}).get("context", {}).get("namespace") or "default")
