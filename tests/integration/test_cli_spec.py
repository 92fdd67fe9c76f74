"""`jobctl validate`, `schema` and `crds` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from controller.spec import job_file_schema

from .conftest import ROOT


def test_sample_resources_validate(jobctl) -> None:
    done = jobctl("validate", "intuned-resources")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stderr


def test_broken_files_get_one_located_line_each(jobctl, tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "misspelt.job.jsonc").write_text(
        '// a comment\n{\n  "payload": [{"apiName": "a"}],\n  "schedul": {}\n}\n'
    )
    (jobs / "broken.job.json").write_text('{"payload": [{"apiName": "a"}]\n')
    (jobs / "calendar.job.jsonc").write_text(
        '{payload: [{api: "a"}], schedule: {calendars: [{hour: 25}], timeZone: "Mars/Olympus"}}'
    )
    (jobs / "fine.job.json").write_text('{"payload": [{"apiName": "a"}]}')
    (jobs / "garbage.job.json").write_bytes(b"\xff\xfe\x00junk")
    done = jobctl("validate", str(tmp_path))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines == [
        f"{jobs}/broken.job.json:2:1: invalid JSONC: unexpected end of input; check for a missing "
        "comma, quote, colon or bracket here or just before",
        f"{jobs}/calendar.job.jsonc:1:55: schedule.calendars[0].hour: hour 25 is out of range; "
        "use 0-23",
        f"{jobs}/calendar.job.jsonc:1:71: schedule.timeZone: 'Mars/Olympus' is not a known IANA "
        "time zone; use a name like 'UTC', 'Europe/Berlin' or 'America/New_York'",
        f"{jobs}/garbage.job.json:1:1: file is not UTF-8 text (byte 0)",
        f"{jobs}/misspelt.job.jsonc:4:3: unknown key 'schedul'; did you mean 'schedule'? allowed "
        "keys here: $schema, id, payload, configuration, schedule, sink, notifications, "
        "auth_session, authSession, proxy",
    ]
    assert "Traceback" not in done.stderr


def test_validate_json_report(jobctl, tmp_path: Path) -> None:
    (tmp_path / "a.job.json").write_text(
        '{"payload": [{"api": "x", "retry": {"maximumAttempts": 0}}]}'
    )
    (tmp_path / "b.job.json").write_text('{"payload": [{"api": "x"}]}')
    done = jobctl("validate", "--json", str(tmp_path))
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["valid"] is False and report["files"] == 2 and report["jobs"] == ["b"]
    (problem,) = report["problems"]
    assert (problem["line"], problem["column"], problem["path"]) == (
        1,
        56,
        "payload[0].retry.maximumAttempts",
    )


def test_missing_path_is_a_problem_not_a_crash(jobctl) -> None:
    done = jobctl("validate", "no/such/dir")
    assert done.returncode == 1
    assert done.stdout.startswith("no/such/dir:1:1: no such file or directory")


def test_schema_command_prints_the_generated_schema(jobctl) -> None:
    done = jobctl("schema")
    assert done.returncode == 0
    assert json.loads(done.stdout) == job_file_schema()


def test_crds_regenerate_byte_for_byte(jobctl, tmp_path: Path) -> None:
    assert jobctl("crds", "--check").returncode == 0
    done = jobctl("crds", "--output-dir", str(tmp_path))
    assert done.returncode == 0
    for path in (ROOT / "crds").iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()
    (tmp_path / path.name).write_text("stale")
    assert jobctl("crds", "--check", "--output-dir", str(tmp_path)).returncode == 1
