"""The REST API of a running ``jobctl run``: a JobRun's whole life, validated response by response
against the reference schema (Get Job Run, errors) and the server's own OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from controller.engine import Identity
from tests.support.controller_process import ROOT, RunningController, start_controller

REFERENCE = yaml.safe_load(
    (ROOT / "tests" / "support" / "reference" / "get-job-run.openapi.yaml").read_text()
)
GET_JOB_RUN = REFERENCE["paths"][
    "/{workspaceId}/projects/{projectName}/jobs/{jobId}/runs/{jobRunId}"
]["get"]
SHOP = Identity.named("ws-test", "shop")  # what start_controller configures
CODE_JOB = {
    "payload": [{"apiName": "fanout", "parameters": {"count": 4}}, {"apiName": "fail-once"}],
    "configuration": {"maxConcurrentRequests": 2},
}


def reference_schema(status: int) -> dict[str, Any]:
    return GET_JOB_RUN["responses"][str(status)]["content"]["application/json"]["schema"]


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningController]:
    running = start_controller(tmp_path_factory.mktemp("api"), {"code-job": CODE_JOB})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def openapi(controller: RunningController) -> dict[str, Any]:
    with controller.client() as client:
        return client.get("/openapi.json").raise_for_status().json()


class Checked:
    """Calls the API and validates each response against the OpenAPI document's schema for
    that operation and status (and the reference schema where there is one)."""

    def __init__(self, controller: RunningController, openapi: dict[str, Any]) -> None:
        self.client = controller.client()
        self.base = controller.base
        self.openapi = openapi

    def call(self, method: str, template: str, status: int, body: Any = None, **path: str) -> Any:
        url = self.base + template.format(**path)
        response = self.client.request(method, url, json=body)
        assert response.status_code == status, (method, url, response.status_code, response.text)
        if status == 204:
            assert response.content == b""
            return None
        data = response.json()
        operation = self.openapi["paths"][
            "/api/v1/workspace/{workspaceId}/projects/{projectName}" + template
        ][method.lower()]
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        jsonschema.validate(data, {**schema, "components": self.openapi["components"]})
        if status in (400, 401, 404):
            jsonschema.validate(data, reference_schema(status))
        elif status >= 400:  # 409 has no reference schema: the same shape, its own code
            shape = reference_schema(404)
            jsonschema.validate(
                data,
                {**shape, "properties": {**shape["properties"], "code": {"const": "conflict"}}},
            )
        return data

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def api(controller: RunningController, openapi: dict[str, Any]) -> Iterator[Checked]:
    checked = Checked(controller, openapi)
    yield checked
    checked.close()


def test_a_jobrun_life_through_the_api(api: Checked) -> None:
    jobs = api.call("GET", "/jobs", 200)
    assert [j["id"] for j in jobs] == ["code-job"]
    assert (jobs[0]["source"], jobs[0]["state"]) == ("CODE", "ACTIVE")

    new = {
        "id": "api-job",
        "payload": [{"api": "echo", "parameters": {"n": 1}}],
        "sink": {
            "type": "webhook",
            "url": "https://example.com/hook",
            "headers": {"Authorization": "Bearer s3cr3t-header"},
        },
    }
    assert api.call("POST", "/jobs", 201, new) == {"id": "api-job", "message": "created"}
    created = api.call("GET", "/jobs/{jobId}", 200, jobId="api-job")
    assert (created["source"], created["projectId"], created["proxy"]) == (
        "API",
        SHOP.project_id,
        None,
    )
    assert "s3cr3t-header" not in str(created)  # secrets are masked in every response
    api.call("POST", "/jobs", 409, new)  # exists already
    api.call("PUT", "/jobs/{jobId}", 409, CODE_JOB, jobId="code-job")  # code-defined: read-only
    api.call("DELETE", "/jobs/{jobId}", 409, jobId="code-job")
    api.call("POST", "/jobs", 400, {"id": "bad-job", "payload": [{"apiNam": "x"}]})

    triggered = api.call("POST", "/jobs/{jobId}/trigger", 200, jobId="code-job")
    job_run_id = triggered["jobRunId"]
    deadline = time.monotonic() + 30
    while True:
        got = api.call(
            "GET", "/jobs/{jobId}/runs/{jobRunId}", 200, jobId="code-job", jobRunId=job_run_id
        )
        jsonschema.validate(got, reference_schema(200))
        if got["jobRun"]["status"] == "COMPLETED" and "results" in got:
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.1)
    run = got["jobRun"]
    assert (run["payloads"], run["successful_runs"], run["failed_runs"]) == (6, 6, 0)
    assert (run["workspace_id"], run["project_id"]) == (SHOP.workspace_id, SHOP.project_id)
    assert run["job_configuration_snapshot"] == {  # the reference's parts, null where absent
        "configuration": {
            "retry": {"maximumAttempts": 3},
            "maxConcurrentRequests": 2,
            "requestTimeout": 600,
        },
        "sink": None,
        "auth_session": None,
        "proxy": None,
        "notifications": None,
    }
    by_uuid = api.client.get(api.base.replace("/ws-test/", f"/{SHOP.workspace_id}/") + "/jobs")
    assert by_uuid.status_code == 200  # paths name the workspace by its name or its UUID
    assert set(run) == set(reference_schema(200)["properties"]["jobRun"]["properties"])
    link = got["results"]["signed_url"]  # the controller's own URL, not a path of its disk
    assert got["results"]["format"] == "jsonl" and link.endswith(f"/results/{job_run_id}")
    assert httpx.get(link).status_code == 401  # authenticated like the API
    assert api.client.get(link).text.count("\n") == 6

    listed = api.call("GET", "/jobs/{jobId}/runs", 200, jobId="code-job")
    assert ([r["id"] for r in listed["jobRuns"]], listed["totalCount"]) == ([job_run_id], 1)
    assert (
        api.call("GET", "/job-runs/{jobRunId}", 200, jobRunId=job_run_id)["jobRun"]["id"]
        == job_run_id
    )

    assert api.call("POST", "/jobs/{jobId}/pause", 200, jobId="api-job") == {"message": "Paused"}
    paused = api.call("GET", "/jobs/{jobId}", 200, jobId="api-job")
    assert (paused["state"], paused["reason"]["type"], paused["next_run_time"]) == (
        "PAUSED",
        "paused",
        None,
    )
    api.call("POST", "/jobs/{jobId}/trigger", 409, jobId="api-job")  # paused Jobs do not trigger
    assert api.call("POST", "/jobs/{jobId}/resume", 200, jobId="api-job") == {"message": "Resumed"}
    assert api.call("GET", "/jobs/{jobId}", 200, jobId="api-job")["state"] == "ACTIVE"

    slow = {
        "payload": [{"api": "echo", "parameters": {"n": n}} for n in range(50)],
        "configuration": {"maxConcurrentRequests": 1},
    }
    updated = api.call("PUT", "/jobs/{jobId}", 200, slow, jobId="api-job")
    assert updated == {"id": "api-job", "message": "updated job successfully"}
    second = api.call("POST", "/jobs/{jobId}/trigger", 200, jobId="api-job")["jobRunId"]
    ended = api.call(
        "POST", "/jobs/{jobId}/runs/{jobRunId}/terminate", 200, jobId="api-job", jobRunId=second
    )
    assert ended["jobRun"]["status"] == "TERMINATED"
    assert ended["jobRun"]["reason"]["type"] == "user-request"
    assert ended["message"] == f"JobRun {second} is TERMINATED"
    jsonschema.validate({k: v for k, v in ended.items() if k != "message"}, reference_schema(200))

    api.call("DELETE", "/jobs/{jobId}", 204, jobId="api-job")
    api.call("GET", "/jobs/{jobId}", 404, jobId="api-job")
    api.call("GET", "/jobs/{jobId}/runs/{jobRunId}", 404, jobId="code-job", jobRunId="jr_nope")


def test_errors_have_the_reference_shape(controller: RunningController) -> None:
    with controller.client(key="wrong") as client:
        response = client.get(f"{controller.base}/jobs")
    assert response.status_code == 401
    jsonschema.validate(response.json(), reference_schema(401))
    with controller.client() as client:
        other = client.get("/api/v1/workspace/other/projects/shop/jobs")
        assert other.status_code == 404
        jsonschema.validate(other.json(), reference_schema(404))
        bad = client.post(f"{controller.base}/jobs", content=b"{not json")
        assert bad.status_code == 400
        jsonschema.validate(bad.json(), reference_schema(400))
        assert "Traceback" not in bad.text


def test_metrics_count_jobruns_runs_attempts_and_deliveries(controller: RunningController) -> None:
    with controller.client() as client:
        client.post(f"{controller.base}/jobs/code-job/trigger").raise_for_status()
        time.sleep(2)
        text = client.get("/metrics").text
    for name in (
        'jobctl_job_runs{status="COMPLETED"}',
        'jobctl_runs_total{status="SUCCEEDED"}',
        'jobctl_attempts_total{outcome="succeeded"}',
        'jobctl_attempts_total{outcome="failed-execution"}',
        "jobctl_attempt_duration_seconds_count",
        "jobctl_runs_pending",
        'jobctl_deliveries_total{kind="results",outcome="delivered"}',
        "jobctl_deliveries_queued",
    ):
        assert name in text, name


def test_the_vendored_reference_schema_matches_the_shared_reference() -> None:
    shared = ROOT.parent / "shared" / "reference" / "intuned-get-job-run-openapi.md"
    if not shared.exists():
        pytest.skip("../shared/reference is not checked out next to this repository")
    block = shared.read_text().split("````yaml", 1)[1].split("````", 1)[0].split("\n", 1)[1]
    assert yaml.safe_load(block) == REFERENCE


def test_the_api_survives_fuzzing_from_its_own_openapi_document(
    controller: RunningController, openapi: dict
) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_dict(openapi)
    failures: list[str] = []
    calls: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]

        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.headers = {**(case.headers or {}), "x-api-key": controller.api_key}
            if case.path_parameters and "workspaceId" in case.path_parameters:
                # Reach the handlers: random workspaces and projects all end in the same 404.
                case.path_parameters.update(workspaceId="ws-test", projectName="shop")
            response = case.call(base_url=controller.url)
            calls.append(response.status_code)
            if response.status_code >= 500 or "Traceback" in response.text:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} "
                    f"{response.text[:200]}"
                )

        check()
    assert failures == []
    assert len(calls) > 100 and {200, 201, 400, 404} <= set(calls), sorted(set(calls))
    assert httpx.get(f"{controller.url}/healthz").text == "ok"
