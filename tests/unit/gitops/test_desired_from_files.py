"""The resources ``jobctl apply`` and repo sync write are the documents that were validated."""

from __future__ import annotations

from pathlib import Path

from controller.gitops.apply import desired_from, repository_root
from controller.spec import load_paths


def test_a_file_changed_after_validation_is_not_read_again(tmp_path: Path) -> None:
    """Repo sync validates a checkout that git-sync may rewrite at any moment; reading the file a
    second time once wrote an invalid edit (``every: soon``) onto a Job as if validated."""
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    path = jobs / "a.job.jsonc"
    path.write_text('{"payload": [{"apiName": "a"}], "schedule": {"intervals": [{"every": "1h"}]}}')
    loaded = load_paths([tmp_path])
    assert not loaded.problems

    path.write_text(
        '{"payload": [{"apiName": "a"}], "schedule": {"intervals": [{"every": "soon"}]}}'
    )
    [desired] = desired_from(loaded, repository_root(tmp_path))

    assert desired.spec["schedule"] == {"intervals": [{"every": "1h"}]}
    assert desired.path.endswith("jobs/a.job.jsonc")
