"""Loading folders: a cache of what each file held, so that a reload parses only what changed."""

from __future__ import annotations

from pathlib import Path

from controller.spec import FileStamp, LoadResult, load_paths


def test_a_cached_load_reads_only_the_files_that_changed(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "a.job.jsonc").write_text('{payload: [{api: "a"}]}')
    (jobs / "b.job.jsonc").write_text('{payload: [{api: "b"}]}')
    cache: dict[str, tuple[FileStamp, LoadResult]] = {}
    first = load_paths([tmp_path], cache=cache)
    (jobs / "b.job.jsonc").write_text('{payload: [{api: "changed"}]}')
    second = load_paths([tmp_path], cache=cache)
    assert second.jobs[0] is first.jobs[0]  # a: the same object, not parsed again
    assert second.jobs[1].definition.payload[0].apiName == "changed"
    (jobs / "a.job.jsonc").unlink()
    assert [j.job_id for j in load_paths([tmp_path], cache=cache).jobs] == ["b"]
    assert list(cache) == [str(jobs / "b.job.jsonc")]
