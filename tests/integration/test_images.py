"""The images ``make images`` built, run as the chart runs them: a non-root user, a read-only
root filesystem with only its volumes writable, no capabilities. The cluster tier runs them as
the chart's Pods (``tests/cluster/test_chart_images.py``); here each image alone, and what is
in it."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.engine import AttemptRequest
from controller.launch.kube import KubeLauncher, PodSettings
from controller.worker.browser import SYSTEM_CHROMIUM
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / ".cache" / "images" / "images.json"
AS_THE_CHART = [
    "--network=host",
    "--ulimit=nofile=4096:4096",
    "--ulimit=nproc=4096:4096",
    "--user=1000:1000",
    "--read-only",
    "--read-only-tmpfs=false",
    "--cap-drop=all",
    "--security-opt=no-new-privileges",
    "--mount=type=tmpfs,destination=/tmp,tmpfs-mode=1777",
]


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    if not IMAGES.exists():
        pytest.fail(f"{IMAGES} missing: run `make images`", pytrace=False)
    return dict(json.loads(IMAGES.read_text()))


def podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", "--runtime", "runc", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def inside(image: str, script: str) -> str:
    done = podman("run", "--rm", *AS_THE_CHART, "--entrypoint=sh", image, "-c", script)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def controller(images: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """``jobctl run`` in the controller image, its state on a volume, one Job file mounted; its
    output is printed (shown when a test fails)."""
    port = free_port()
    name = f"jobctl-smoke-{uuid.uuid4().hex[:8]}"
    (tmp_path / "resources" / "jobs").mkdir(parents=True)
    job = '// run on demand\n{"payload": [{"apiName": "list-categories"}]}'
    (tmp_path / "resources" / "jobs" / "nightly.job.jsonc").write_text(job)
    state = tmp_path / "state"
    state.mkdir()
    subprocess.run(["chown", "1000:1000", str(state)], check=True)
    started = podman(
        "run",
        "--detach",
        "--name",
        name,
        *AS_THE_CHART,
        f"--mount=type=bind,source={state},destination=/var/lib/jobctl",
        f"--mount=type=bind,source={tmp_path / 'resources'},destination=/resources,ro",
        "--env=JOBCTL_API_KEY=smoke-key",
        images["controller"],
        "jobctl",
        "run",
        "--resources",
        "/resources",
        "--state",
        "/var/lib/jobctl",
        "--listen",
        f"127.0.0.1:{port}",
        "--workspace-id",
        "smoke",
        "--project-name",
        "smoke",
    )
    assert started.returncode == 0, started.stderr
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        logs = podman("logs", name).stdout
        podman("rm", "--force", "--time", "0", name)
        print(logs)


def get(url: str, key: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"x-api-key": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_controller_image_serves_its_api_as_a_non_root_user_on_a_read_only_root(
    controller: str,
) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            status, body = get(f"{controller}/healthz")
            break
        except OSError:
            assert time.monotonic() < deadline, "the controller image never answered /healthz"
            time.sleep(0.5)
    assert status == 200, body
    jobs = f"{controller}/api/v1/workspace/smoke/projects/smoke/jobs"
    assert get(jobs)[0] == 401
    status, body = get(jobs, "smoke-key")
    assert status == 200 and "nightly" in body, body


@pytest.mark.parametrize("name", ["controller", "worker-base", "worker"])
def test_each_image_is_labelled_non_root_and_keeps_nothing_of_its_build(
    images: dict[str, str], name: str
) -> None:
    inspected = podman("image", "inspect", images[name])
    assert inspected.returncode == 0, inspected.stderr
    config = json.loads(inspected.stdout)[0]["Config"]
    assert config["User"] == "1000:1000"
    labels = config.get("Labels") or {}
    for label in (
        "org.opencontainers.image.title",
        "org.opencontainers.image.version",
        "org.opencontainers.image.revision",
        "io.jobctl.base.debian-release",
        "io.jobctl.base.packages-sha256",
    ):
        assert labels.get(label), f"{name}: no {label}"
    left = inside(
        images[name],
        "for tool in gcc cc c++ make pip pip3; do command -v $tool; done;"
        " find /var/lib/apt/lists /var/cache/apt /root/.cache -type f ! -name lock 2>/dev/null;"
        " true",
    )
    assert left.strip() == "", f"{name} keeps: {left}"


def test_the_worker_image_runs_chromium_as_its_user_with_only_tmp_and_shm_writable(
    images: dict[str, str],
) -> None:
    """What a worker Pod needs of its image before any attempt: Playwright's driver starts,
    Debian's Chromium launches headless and renders, with ``/dev/shm`` as the Pod's tmpfs."""
    script = (
        "import asyncio, os\n"
        "from playwright.async_api import async_playwright\n"
        "async def main():\n"
        "    async with async_playwright() as p:\n"
        "        browser = await p.chromium.launch(executable_path=os.environ['CHROMIUM_PATH'],"
        " args=['--no-sandbox', '--disable-gpu'])\n"
        "        page = await browser.new_page()\n"
        "        await page.set_content('<h1>rendered</h1>')\n"
        "        print(await page.inner_text('h1'), len(await page.screenshot()) > 1000)\n"
        "        await browser.close()\n"
        "asyncio.run(main())\n"
    )
    done = podman(
        "run",
        "--rm",
        *AS_THE_CHART,
        "--mount=type=tmpfs,destination=/dev/shm,tmpfs-mode=1777",
        images["worker"],
        "python",
        "-c",
        script,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["rendered", "True"]


def test_the_worker_images_command_is_the_one_worker_pods_are_given(
    images: dict[str, str],
) -> None:
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
    command = launcher.pod_manifest(request, token="t")["spec"]["containers"][0]["command"]
    for name in ("worker-base", "worker"):
        config = json.loads(podman("image", "inspect", images[name]).stdout)[0]["Config"]
        assert config["Cmd"] == command, name
        assert f"CHROMIUM_PATH={SYSTEM_CHROMIUM}" in config["Env"], name
