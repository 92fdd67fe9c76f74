"""Job documents from the reference docs load; broken ones fail with exact locations."""

from __future__ import annotations

import json

import pytest

from controller.spec import load_job_file_text

DOCS_MINIMAL = """{
  "id": "daily-book-scraper",
  "payload": [
    {"api": "scrape-category", "parameters": {"category": "Poetry"}},
    {"api": "scrape-category", "parameters": {"category": "Travel"}}
  ],
  "configuration": {"retry": {"maximumAttempts": 3}, "maximumConcurrentRequests": 1}
}"""

DOCS_CODE_TAB = """{
  "configuration": {"maxConcurrentRequests": 2, "retry": {"maximumAttempts": 3}},
  "payload": [{"apiName": "list", "parameters": {}}],
  "schedule": {"calendars": [{"hour": 9, "minute": 0}]}
}"""

DOCS_EVERYTHING = """{
  payload: [{apiName: "login-and-extract", parameters: {username: "user@example.com"},
             retry: {maximumAttempts: 5}}],
  configuration: {retry: {maximumAttempts: 3}, maximumConcurrentRequests: 10, requestTimeout: 600},
  schedule: {
    intervals: [{every: "1h"}, {every: "86400000"}],
    calendars: [{dayOfWeek: {start: "MONDAY", end: "FRIDAY"}, hour: {start: 9, end: 17},
                 minute: "0", comment: "Run weekdays 9am-5pm at the start of every hour"}],
  },
  sink: {type: "s3", bucket: "job-results", region: "us-east-1", skipOnFail: false,
         accessKeyId: "XXXXXXXXXXXXXXXXXXXX", secretAccessKey: "YYYY"},
  notifications: [{type: "webhook", url: "https://example.com/job-run-events",
                   headers: {Authorization: "Bearer <token>"}}],
  auth_session: {id: "auth-session-123", checkAttempts: 3, createAttempts: 2},
}"""


@pytest.mark.parametrize(
    ("name", "text", "api_names"),
    [
        ("daily-book-scraper.job.json", DOCS_MINIMAL, ["scrape-category", "scrape-category"]),
        ("daily-sync.job.jsonc", DOCS_CODE_TAB, ["list"]),
        ("everything.job.jsonc", DOCS_EVERYTHING, ["login-and-extract"]),
        (
            "webhook.job.json",
            '{"payload": [{"apiName": "list"}], "sink": {"type": "webhook", "url": "https://webhook.site/demo"}}',
            ["list"],
        ),
    ],
)
def test_documents_from_the_reference_docs_load(name: str, text: str, api_names: list[str]) -> None:
    result = load_job_file_text(text, name)
    assert [str(p) for p in result.problems] == []
    assert [item.apiName for item in result.jobs[0].definition.payload] == api_names


def test_defaults_are_those_of_the_reference() -> None:
    job = load_job_file_text('{payload: [{api: "a"}]}', "a.job.jsonc").jobs[0].definition
    assert job.configuration.retry.maximumAttempts == 3
    assert job.configuration.requestTimeout == 600
    assert job.max_attempts(job.payload[0]) == 3


def test_item_retry_overrides_the_job_retry() -> None:
    text = '{payload: [{api: "a", retry: {maximumAttempts: 5}}, {api: "b"}], configuration: {retry: {maximumAttempts: 2}}}'
    job = load_job_file_text(text, "a.job.jsonc").jobs[0].definition
    assert [job.max_attempts(item) for item in job.payload] == [5, 2]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        # misspelt keys point at the key and suggest the right one
        (
            '{\n  "payload": [{"apiName": "a"}],\n  "configration": {}\n}',
            3,
            3,
            "did you mean 'configuration'",
        ),
        ('{payload: [{apiNme: "a"}]}', 1, 13, "did you mean 'apiName'"),
        (
            '{payload: [{api: "a"}],\n sink: {type: "webhook", url: "https://x.io", skipOnFial: true}}',
            2,
            47,
            "did you mean 'skipOnFail'",
        ),
        (
            '{payload: [{api: "a"}], auth_session: {id: "s", checkAttemps: 2}}',
            1,
            49,
            "did you mean 'checkAttempts'",
        ),
        (
            '{payload: [{api: "a"}], schedule: {calendars: [{hour: {start: 1, stpe: 2}}]}}',
            1,
            66,
            "did you mean 'step'",
        ),
        # values point at the value
        (
            '{payload: [{api: "a"}],\n configuration: {retry: {maximumAttempts: 0}}}',
            2,
            43,
            "must be >= 1",
        ),
        (
            '{payload: [{api: "a"}], configuration: {maxConcurrentRequests: 26}}',
            1,
            64,
            "must be <= 25",
        ),
        (
            '{payload: [{api: "a", requestTimeout: 100000000000000000000}]}',
            1,
            39,
            "must be <= 604800",
        ),
        ('{payload: [{api: "a", retry: {maximumAttempts: 101}}]}', 1, 48, "must be <= 100"),
        (
            '{payload: [{api: "a"}], configuration: {requestTimeout: "600"}}',
            1,
            57,
            "expected a whole number",
        ),
        ("{payload: [{api: 5}]}", 1, 18, "expected a string"),
        ("{payload: []}", 1, 11, "at least 1 item"),
        (
            '{payload: [{api: "a"}], sink: {type: "ftp", url: "x"}}',
            1,
            31,
            "type 'ftp' is not supported",
        ),
        (
            '{payload: [{api: "a"}], sink: {type: "webhook", url: "not a url"}}',
            1,
            54,
            "not a valid URL",
        ),
        (
            '{payload: [{api: "a"}], notifications: [{type: "webhook"}]}',
            1,
            41,
            "missing required key 'url'",
        ),
        # missing keys point at the object that lacks them
        (
            '{\n  "payload": [\n    {"parameters": {}}\n  ]\n}',
            3,
            5,
            "missing required key 'apiName'",
        ),
        ('{"configuration": {}}', 1, 1, "missing required key 'payload'"),
        # two spellings of one setting
        ('{payload: [{api: "a", apiName: "b"}]}', 1, 23, "two spellings"),
        (
            '{payload: [{api: "a"}], auth_session: {id: "a"}, authSession: {id: "b"}}',
            1,
            50,
            "two spellings",
        ),
        # syntax errors
        ('{payload: [{api: "a"}],,}', 1, 25, "invalid JSONC"),
        ('{payload: [{api: "a"}]', 1, 23, "invalid JSONC"),
        ('{\n  payload: [{api: "a"}],\n  payload: []\n}', 3, 3, "duplicate key 'payload'"),
        ("", 1, 1, "the file is empty"),
        ("[]", 1, 1, "one JSON object"),
        ('{payload: [{api: "a"}], id: "other"}', 1, 29, "does not match"),
    ],
)
def test_problems_are_located_at_the_offending_key_or_value(
    text: str, line: int, column: int, fragment: str
) -> None:
    problems = load_job_file_text(text, "jobs/sample.job.jsonc").problems
    assert problems, "expected a problem"
    rendered = [str(p) for p in problems]
    matching = [p for p in problems if fragment in p.message]
    assert matching, f"no problem mentions {fragment!r}: {rendered}"
    assert (matching[0].position.line, matching[0].position.column) == (line, column), rendered
    assert rendered[0].startswith("jobs/sample.job.jsonc:")


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    text = "{payload: [{api: 1}], configuration: {retry: {maximumAttempts: 0}}, sinkk: {}}"
    problems = load_job_file_text(text, "a.job.jsonc").problems
    assert len(problems) == 3


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("Daily_Sync.job.jsonc", "not a valid Kubernetes name"),
        ("notes.jsonc", "not a job file name"),
        (f"{'a' * 64}.job.json", "not a valid Kubernetes name"),
    ],
)
def test_the_file_name_must_make_a_valid_job_id(name: str, fragment: str) -> None:
    problems = load_job_file_text('{payload: [{api: "a"}]}', name).problems
    assert any(fragment in p.message for p in problems), [str(p) for p in problems]


def test_secret_values_never_appear_in_problems_or_reprs() -> None:
    canary = "CANARY-SECRET-9f2c"
    bad = f'{{payload: [{{api: "a"}}], sink: {{type: "s3", bucket: "b", region: 1, accessKeyId: "{canary}", secretAccessKey: 7}}}}'
    problems = load_job_file_text(bad, "a.job.jsonc").problems
    assert problems and all(canary not in str(p) for p in problems)
    good = bad.replace("region: 1", 'region: "r"').replace(
        "secretAccessKey: 7", f'secretAccessKey: "{canary}"'
    )
    job = load_job_file_text(good, "a.job.jsonc").jobs[0].definition
    assert canary not in repr(job) and canary not in str(job.canonical())


@pytest.mark.parametrize("job_id", ["ok-id\n", "ok-id\r\n", "\nok-id"])
def test_a_job_id_with_a_newline_is_not_a_valid_job_id(job_id: str) -> None:
    problems = load_job_file_text(
        json.dumps({"id": job_id, "payload": [{"apiName": "a"}]}), "ok-id.job.json"
    ).problems
    assert any("not a valid job ID" in p.message for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize(("ending", "shown"), [("\n", "\\n"), ("\r\n", "\\r")])
def test_an_unexpected_line_break_is_located_where_it_is(ending: str, shown: str) -> None:
    text = f'{{"payload": [{{"apiName": "a"}}], "x": tru{ending}}}'
    (problem,) = load_job_file_text(text, "a.job.jsonc").problems
    assert (problem.position.line, problem.position.column) == (1, 41)
    assert problem.message.startswith(f'invalid JSONC: unexpected "{shown}"')
