"""Arbitrary input yields located problems or jobs, never an exception."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.spec import load_job_file_text, load_manifest_text

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
KEYS = st.sampled_from(
    [
        "payload",
        "api",
        "apiName",
        "schedule",
        "calendars",
        "intervals",
        "every",
        "hour",
        "dayOfWeek",
        "sink",
        "type",
        "url",
        "configuration",
        "retry",
        "maximumAttempts",
        "auth_session",
        "authSession",
        "notifications",
        "start",
        "end",
        "step",
        "webhook",
        "s3",
    ]
)
JOB_LIKE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 100)
    | st.sampled_from(["*", "1-5/2", "MON", "1h", "x", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


def _assert_located(problems: list, text: str) -> None:
    line_count = len(text.splitlines()) + 1  # YAML also breaks lines at U+0085, U+2028, ...
    for problem in problems:
        assert 1 <= problem.position.line <= line_count
        assert problem.position.column >= 1
        assert str(problem).startswith("f.job.jsonc:") or str(problem).startswith("f.yaml:")


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    result = load_job_file_text(text, "f.job.jsonc")
    _assert_located(result.problems, text)
    result = load_manifest_text(text, "f.yaml")
    _assert_located(result.problems, text)


@settings(max_examples=400)
@given(JSON_VALUES)
def test_arbitrary_json_never_raises(value: object) -> None:
    text = json.dumps(value)
    result = load_job_file_text(text, "f.job.jsonc")
    assert result.jobs or result.problems
    _assert_located(result.problems, text)


@settings(max_examples=600)
@given(st.dictionaries(KEYS, JOB_LIKE, max_size=6))
def test_job_shaped_json_never_raises(value: dict) -> None:
    text = json.dumps(value, indent=1)
    result = load_job_file_text(text, "f.job.jsonc")
    assert bool(result.jobs) != bool(result.problems)
    _assert_located(result.problems, text)


def test_deeply_nested_input_is_a_located_problem() -> None:
    for text in ("[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000):
        problems = load_job_file_text(text, "f.job.jsonc").problems
        assert problems and "nested too deeply" in problems[0].message
