"""Where attempts' artifacts are kept, how they are linked, and what a path may name."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from controller.delivery import ArtifactPathError, AttemptArtifacts
from controller.engine import AttemptRequest
from controller.launch.callback import LauncherArtifacts, attempt_event


def test_links_name_the_api_once_it_listens_and_this_machines_file_before() -> None:
    artifacts = AttemptArtifacts(Path("/state/attempts"))
    assert (
        artifacts.link("jr_1", "ru_2.1", "log.txt") == "file:///state/attempts/jr_1/ru_2.1/log.txt"
    )
    artifacts.public.base = "https://jobs.example.com"
    assert (
        artifacts.link("jr_1", "ru_2.1", "trace.zip")
        == "https://jobs.example.com/artifacts/jr_1/ru_2.1/trace.zip"
    )


def test_an_upload_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    artifacts = AttemptArtifacts(tmp_path)
    artifacts.write("jr_1", "ru_2.1", "log.txt", io.BytesIO(b"hello"), 5)
    assert artifacts.locate("jr_1", "ru_2.1", "log.txt") == tmp_path / "jr_1/ru_2.1/log.txt"
    with pytest.raises(EOFError):
        artifacts.write("jr_1", "ru_2.1", "trace.zip", io.BytesIO(b"short"), 10)
    assert artifacts.locate("jr_1", "ru_2.1", "trace.zip") is None
    assert sorted(p.name for p in (tmp_path / "jr_1/ru_2.1").iterdir()) == ["log.txt"]


@pytest.mark.parametrize(
    ("job_run_id", "attempt_id", "name"),
    [
        ("..", "ru_2.1", "log.txt"),
        ("jr_1", "../../etc", "log.txt"),
        ("jr_1", "ru_2.1", "passwd"),
        ("jr_1", ".hidden", "log.txt"),
    ],
)
def test_paths_no_artifact_can_have_are_refused(
    job_run_id: str, attempt_id: str, name: str
) -> None:
    with pytest.raises(ArtifactPathError):
        AttemptArtifacts(Path("/state")).locate(job_run_id, attempt_id, name)


def test_a_removed_jobrun_takes_its_artifacts_and_the_sweep_takes_strays(tmp_path: Path) -> None:
    artifacts = AttemptArtifacts(tmp_path)
    for job_run_id in ("jr_kept", "jr_pruned", "jr_stray"):
        artifacts.write(job_run_id, "ru_1.1", "log.txt", io.BytesIO(b"x"), 1)
    (tmp_path / "workers").mkdir()  # local workers' own logs live beside them
    artifacts.remove("jr_pruned")
    artifacts.sweep({"jr_kept"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jr_kept", "workers"]


def request(job_run_id: str = "jr_1", attempt_id: str = "ru_2.1") -> AttemptRequest:
    return AttemptRequest(attempt_id, "job", job_run_id, "ru_2", 1, "api", {}, 60)


def test_workers_are_told_to_upload_to_the_bucket_else_to_a_remote_callback_else_nowhere() -> None:
    artifacts = LauncherArtifacts()
    artifacts.store = AttemptArtifacts(Path("/state"))  # no bucket
    assert artifacts.command(request(), callback=None)["uploads"] == {}
    assert artifacts.command(request(), callback="http://op:8643")["uploads"] == {
        "trace.zip": "http://op:8643/artifacts/jr_1/ru_2.1/trace.zip",
        "log.txt": "http://op:8643/artifacts/jr_1/ru_2.1/log.txt",
    }


def test_an_outcome_links_only_what_the_worker_kept() -> None:
    def link(name: str) -> str:
        return f"https://c/artifacts/jr_1/ru_2.1/{name}"

    only_log = attempt_event(
        "ru_2.1", {"type": "result", "result": 1, "artifacts": ["log.txt"]}, link
    )
    assert (only_log.trace_url, only_log.log_url) == (None, link("log.txt"))  # type: ignore[union-attr]
    both = attempt_event(
        "ru_2.1", {"type": "failed", "error": {}, "artifacts": ["log.txt", "trace.zip"]}, link
    )
    assert (both.trace_url, both.log_url) == (link("trace.zip"), link("log.txt"))  # type: ignore[union-attr]
