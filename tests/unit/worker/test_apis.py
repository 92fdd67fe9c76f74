"""Loading a project's APIs and AuthSession hooks: a missing API is that Run's problem; a
project without its ``api/`` folder or the hooks its AuthSession needs is the JobRun's."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.worker.apis import ApiLoader, ApiNotFoundError, ProjectIncompleteError


def test_a_missing_api_is_not_found_but_the_project_is_whole(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    with pytest.raises(ApiNotFoundError) as raised:
        ApiLoader(tmp_path).load("books/details")
    assert not isinstance(raised.value, ProjectIncompleteError)
    assert "api/books/details.py" in str(raised.value)


def test_a_project_without_an_api_folder_is_incomplete(tmp_path: Path) -> None:
    with pytest.raises(ProjectIncompleteError) as raised:
        ApiLoader(tmp_path).load("books/details")
    assert raised.value.code == "api-folder-missing"
    assert "has no api/ folder" in str(raised.value)


@pytest.mark.parametrize("hook", ["check", "create"])
def test_a_project_without_an_auth_hook_is_incomplete(tmp_path: Path, hook: str) -> None:
    with pytest.raises(ProjectIncompleteError) as raised:
        ApiLoader(tmp_path).load_auth_hook(hook)
    assert raised.value.code == "auth-hook-missing"
    assert f"auth-sessions/{hook}.py" in str(raised.value)
