"""`jobctl schedule preview` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path


def test_preview_json_by_path(jobctl) -> None:
    done = jobctl(
        "schedule",
        "preview",
        "intuned-resources/jobs/weekday-reports.job.jsonc",
        "--from",
        "2026-03-27T12:00:00Z",
        "--count",
        "3",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    # --from is exclusive: the 12:00Z tick itself is not listed
    assert [(r["time"], r["local_time"], r["source"]) for r in rows] == [
        ("2026-03-27T13:00:00Z", "2026-03-27T14:00:00+01:00", "calendars[0]"),
        ("2026-03-27T14:00:00Z", "2026-03-27T15:00:00+01:00", "calendars[0]"),
        ("2026-03-27T15:00:00Z", "2026-03-27T16:00:00+01:00", "calendars[0]"),
    ]
    assert rows[0]["comment"] == "Run weekdays 9am-5pm at the start of every hour"


def test_preview_by_job_id_across_dst(jobctl, tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "ny.job.jsonc").write_text(
        '{payload: [{api: "a"}], schedule: {timeZone: "America/New_York", '
        'calendars: [{hour: 1, minute: 30, comment: "half past one"}]}}'
    )
    done = jobctl(
        "schedule",
        "preview",
        "ny",
        "--resources",
        str(tmp_path),
        "--from",
        "2026-10-31T12:00:00",
        "--count",
        "3",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert [r["time"] for r in json.loads(done.stdout)] == [
        "2026-11-01T05:30:00Z",
        "2026-11-01T06:30:00Z",
        "2026-11-02T06:30:00Z",
    ]
    table = jobctl("schedule", "preview", "ny", "--resources", str(tmp_path), "--count", "2")
    assert table.returncode == 0
    assert "half past one" in table.stdout and "America/New_York" in table.stdout


def test_preview_of_an_invalid_job_reports_its_problems(jobctl, tmp_path: Path) -> None:
    path = tmp_path / "bad.job.json"
    path.write_text('{"payload": [{"api": "a"}], "schedule": {"intervals": [{"every": "banana"}]}}')
    done = jobctl("schedule", "preview", str(path))
    assert done.returncode == 1
    assert f"{path}:1:" in done.stderr and "'banana' is not a duration" in done.stderr


def test_preview_of_an_unknown_job_id(jobctl) -> None:
    done = jobctl("schedule", "preview", "no-such-job")
    assert done.returncode == 1 and "no job 'no-such-job'" in done.stderr


def test_preview_rejects_a_bad_from(jobctl) -> None:
    done = jobctl("schedule", "preview", "daily-sync", "--from", "yesterday")
    assert done.returncode == 2 and "not an ISO 8601 instant" in done.stderr
