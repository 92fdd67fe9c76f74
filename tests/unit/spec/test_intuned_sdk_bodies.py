"""Job bodies as Intuned's Python SDK sends them: its defaults filled in, nulls for absent parts,
``maxConcurrentRequests`` as a float, a proxy as a bare URL."""

from __future__ import annotations

from controller.spec import load_job_file_text

SDK_BODY = """{
  "id": "sdk", "schedule": null, "sink": null, "notifications": null, "auth_session": null,
  "proxy": "http://user:pw@proxy.example:8080",
  "payload": [{"apiName": "a", "parameters": {}, "requestTimeout": 30,
               "retry": {"maximumAttempts": 2}}],
  "configuration": {"maxConcurrentRequests": 2.0, "requestTimeout": 600, "maxRuns": 50,
                    "retry": {"maximumAttempts": 3}}
}"""


def test_an_sdk_body_loads_with_its_nulls_as_absent_and_its_proxy_as_an_object() -> None:
    result = load_job_file_text(SDK_BODY, "sdk.job.json")
    assert [str(p) for p in result.problems] == []
    job = result.jobs[0].definition
    assert (job.schedule, job.sink, job.notifications, job.auth_session) == (None, None, [], None)
    assert job.configuration.maxConcurrentRequests == 2 and job.payload[0].requestTimeout == 30
    assert job.proxy_url is not None
    assert job.proxy_url.get_secret_value() == "http://user:pw@proxy.example:8080"
    canonical = job.canonical()
    assert canonical["proxy"]["version"] == "v1" and "pw" not in str(canonical)


def _located(text: str) -> dict[str, tuple[int, int]]:
    problems = load_job_file_text(text, "a.job.jsonc").problems
    return {p.message.split(";")[0]: (p.position.line, p.position.column) for p in problems}


def test_a_fractional_concurrency_is_refused_where_it_is() -> None:
    problems = _located('{payload: [{api: "a"}],\n configuration: {maxConcurrentRequests: 2.5}}')
    assert problems == {
        "configuration.maxConcurrentRequests: expected a whole number, got a number": (2, 41)
    }


def test_a_payload_larger_than_max_runs_is_refused_at_max_runs() -> None:
    problems = _located('{payload: [{api: "a"}, {api: "b"}],\n configuration: {maxRuns: 1}}')
    assert list(problems) == [
        "configuration.maxRuns: the payload has 2 items, more than configuration.maxRuns (1)"
    ]
    assert problems[next(iter(problems))] == (2, 27)
