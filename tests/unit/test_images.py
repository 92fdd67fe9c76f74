"""The Dockerfiles agree with what runs them: the operator's Pod command and user, the chart's
command, the files they copy. (No image is built here: there is no container engine.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from controller.engine import AttemptRequest
from controller.launch.kube import KubeLauncher, PodSettings
from controller.worker.browser import SYSTEM_CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
IMAGES = {
    name: (ROOT / "images" / f"{name}.Dockerfile").read_text() for name in ("controller", "worker")
}


def final_stage(text: str) -> str:
    return text[text.rindex("\nFROM ") :]


def instruction(text: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^{name} (.+)$", text, re.MULTILINE)]


def worker_pod() -> dict:
    launcher = KubeLauncher(
        None,
        PodSettings(namespace="ns", callback_url="http://cb"),
        capacity=1,
        owner_of=lambda _r: None,
    )
    request = AttemptRequest(
        attempt_id="ru_a.1",
        job_id="j",
        job_run_id="jr_a",
        run_id="ru_a",
        attempt_number=1,
        api_name="a",
        parameters={},
        timeout_s=5,
    )
    return launcher.pod_manifest(request, token="t")


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_images_run_as_the_non_root_user_the_pods_declare(name: str) -> None:
    stage = final_stage(IMAGES[name])
    assert instruction(stage, "USER") == ["1000:1000"]
    security = worker_pod()["spec"]["containers"][0]["securityContext"]
    assert security["runAsUser"] == 1000 and security["runAsNonRoot"] is True


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_everything_copied_from_the_repository_exists(name: str) -> None:
    project = re.search(r"ARG PROJECT=(\S+)", IMAGES[name])
    for copy in instruction(IMAGES[name], "COPY"):
        if "--from=" in copy:
            continue  # from a build stage
        parts = [p for p in copy.split() if not p.startswith("--")]
        for given in parts[:-1]:
            source = given.replace("${PROJECT}", project.group(1) if project else given)
            assert (ROOT / source).exists(), f"{name}: COPY {source}: no such path"


def test_the_worker_image_runs_the_command_worker_pods_are_given() -> None:
    stage = final_stage(IMAGES["worker"])
    assert (
        json.loads(instruction(stage, "CMD")[0]) == worker_pod()["spec"]["containers"][0]["command"]
    )
    assert f"CHROMIUM_PATH={SYSTEM_CHROMIUM}" in stage and "chromium" in stage


def test_the_chart_runs_the_controller_image_s_jobctl() -> None:
    deployment = (ROOT / "charts" / "jobctl" / "templates" / "deployment.yaml").read_text()
    assert "command: [jobctl]" in deployment
    assert "jobctl" in instruction(final_stage(IMAGES["controller"]), "CMD")[0]
