"""Where ``jobctl run`` and ``jobctl operator`` keep state: the flag, the environment, the file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from controller.cli.store_options import store_location, unshared_files
from controller.vocabulary import STORE_VARIABLE

URL = "postgresql://jobctl:secret@db:5432/state"


def options(store: str | None = None, bucket: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(store=store, state=Path("st"), results_bucket=bucket)


def test_the_flag_wins_then_the_environment_then_the_state_folders_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(STORE_VARIABLE, raising=False)
    assert store_location(options()) == Path("st") / "state.db"
    monkeypatch.setenv(STORE_VARIABLE, URL)
    assert store_location(options()) == URL
    assert store_location(options("postgres://other/db")) == "postgres://other/db"


def test_a_url_of_another_database_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(STORE_VARIABLE, raising=False)
    with pytest.raises(ValueError, match=r"--store mysql://\.\.\.: not a PostgreSQL URL") as err:
        store_location(options("mysql://root:hunter2@db/x"))
    assert "hunter2" not in str(err.value)


def test_a_shared_store_without_a_bucket_says_what_stays_on_this_machine() -> None:
    warning = unshared_files(URL, options(URL))
    assert warning is not None and "st/attempts" in warning and "--results-bucket" in warning
    assert unshared_files(URL, options(URL, bucket="results")) is None
    assert unshared_files(Path("st/state.db"), options()) is None
