"""The chart's monitoring: ServiceMonitor, PrometheusRule and Grafana dashboard rendered on
demand, the alert rules checked and unit-tested by Prometheus' own promtool, and every metric
the rules and the dashboard query exported by a real ``jobctl run``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from tests.support.controller_process import ROOT, start_controller

CHART = ROOT / "charts" / "jobctl"
RULES = CHART / "files" / "prometheus-rules.yaml"
DASHBOARD = CHART / "files" / "grafana-dashboard.json"
RULES_TEST = ROOT / "integrations" / "prometheus" / "rules-test.yaml"
HELM = Path(os.environ.get("CLUSTER_BIN", ROOT / ".cache" / "cluster" / "bin")) / "helm"
MONITORING = [
    "--set",
    "monitoring.serviceMonitor.enabled=true",
    "--set",
    "monitoring.prometheusRule.enabled=true",
    "--set",
    "monitoring.grafanaDashboard.enabled=true",
]
METRIC = re.compile(r"\b(jobctl_[a-z_]+)")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool missing: run `make ecosystem-tools` (installs Debian's prometheus)"
    return found


def rendered(*values: str) -> list[dict[str, Any]]:
    assert HELM.exists(), f"{HELM} missing: run `make cluster-binaries`"
    done = run(str(HELM), "template", "rel", str(CHART), *values)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def test_monitoring_objects_are_rendered_only_when_asked_for() -> None:
    assert not {"ServiceMonitor", "PrometheusRule", "ConfigMap"} & {d["kind"] for d in rendered()}
    objects = {d["kind"]: d for d in rendered(*MONITORING)}
    monitor = objects["ServiceMonitor"]["spec"]
    assert monitor["endpoints"] == [{"port": "api", "path": "/metrics", "interval": "30s"}]
    service = objects["Service"]
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert objects["PrometheusRule"]["spec"] == yaml.safe_load(RULES.read_text())
    dashboard = objects["ConfigMap"]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["jobctl.json"]) == json.loads(DASHBOARD.read_text())


def test_promtool_accepts_the_rules_as_shipped_and_as_rendered(tmp_path: Path) -> None:
    spec = next(d for d in rendered(*MONITORING) if d["kind"] == "PrometheusRule")["spec"]
    as_rendered = tmp_path / "rendered-rules.yaml"
    as_rendered.write_text(yaml.safe_dump(spec))
    for rules in (RULES, as_rendered):
        checked = run(promtool(), "check", "rules", str(rules))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "SUCCESS: 9 rules found" in checked.stdout


def test_each_alert_fires_on_its_series_and_only_after_its_for() -> None:
    tested = run(promtool(), "test", "rules", str(RULES_TEST))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    alerts = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    covered = set(re.findall(r"alertname: (\w+)", RULES_TEST.read_text()))
    assert covered == alerts, f"alerts without a unit test: {alerts - covered}"


def queried_metrics() -> dict[str, set[str]]:
    """Metric names each source queries (``up`` comes from Prometheus itself)."""
    rules = yaml.safe_load(RULES.read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dashboard = json.loads(DASHBOARD.read_text())
    targets = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    templates = [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    return {
        "rules": {m for e in exprs for m in METRIC.findall(e)},
        "dashboard": {m for e in targets + templates for m in METRIC.findall(e)},
    }


def exported(exposition: str) -> set[str]:
    """Every name a scrape can return: the families' names and their samples' names."""
    names = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            names.add(name)
            if kind == "histogram":
                names.update(name + suffix for suffix in HISTOGRAM_SUFFIXES)
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def test_every_metric_the_rules_and_dashboard_query_is_exported(tmp_path: Path) -> None:
    job = {"payload": [{"apiName": "echo"}, {"apiName": "missing"}]}
    controller = start_controller(tmp_path, {"watched": job, "broken": {"payload": []}})
    try:
        with controller.client() as client:
            client.post(f"{controller.base}/jobs/watched/trigger").raise_for_status()
            deadline = time.monotonic() + 30
            while True:
                text = client.get("/metrics").text
                if 'jobctl_job_runs_finished_total{job="watched"' in text and re.search(
                    r"^jobctl_invalid_definitions 1", text, re.M
                ):
                    break
                assert time.monotonic() < deadline, text
                time.sleep(0.2)
    finally:
        controller.stop()
    names = exported(text)
    for source, metrics in queried_metrics().items():
        assert metrics, source
        assert metrics <= names, f"{source} queries metrics nobody exports: {metrics - names}"
    assert 'jobctl_healthy{check="engine"} 1.0' in text
    assert re.search(r"^jobctl_workers_max \d", text, re.M)
