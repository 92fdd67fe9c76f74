"""Loading a project's APIs and AuthSession hooks: a missing API is that Run's problem; a
project without its ``api/`` folder or the hooks its AuthSession needs is the JobRun's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from controller.worker import compat
from controller.worker.apis import (
    ApiLoader,
    ApiNotFoundError,
    ModuleLoadError,
    ProjectIncompleteError,
    takes_page_only,
)


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


def test_a_file_that_fails_to_import_is_a_load_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "auth-sessions").mkdir()
    (tmp_path / "auth-sessions" / "check.py").write_text("import no_such_module_anywhere\n")
    with pytest.raises(ModuleLoadError, match=r"auth-sessions/check.py: ModuleNotFoundError"):
        ApiLoader(tmp_path).load_auth_hook("check")


def test_the_setup_hook_is_optional(tmp_path: Path) -> None:
    assert ApiLoader(tmp_path).load_setup_hook() is None
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "setup_context.py").write_text(
        "async def setup_context(*, api_name, api_parameters, cdp_url):\n    return None\n"
    )
    assert ApiLoader(tmp_path).load_setup_hook() is not None


async def page_only(page): ...


async def page_and_params(page, params): ...


async def optional_params(page, params=None, context=None, **_kwargs): ...


@pytest.mark.parametrize(
    ("automation", "page_alone"),
    [(page_only, True), (page_and_params, False), (optional_params, True)],
)
def test_automation_page_is_how_a_run_without_parameters_is_called_when_it_binds(
    automation, page_alone
) -> None:
    assert takes_page_only(automation) is page_alone


def test_user_code_imports_jobctls_intuned_runtime_first(tmp_path: Path) -> None:
    ApiLoader(tmp_path)
    assert sys.path[:2] == [str(compat.FOLDER), str(tmp_path.resolve())]
