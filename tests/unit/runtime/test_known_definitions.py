"""The definitions a process knows: one-off Jobs' go once their JobRun ended and delivered."""

from __future__ import annotations

from controller.runtime.known_definitions import KnownDefinitions
from controller.spec import Redactor, load_job_file_text

DEFINITION = load_job_file_text('{payload: [{api: "a"}]}', "job.job.jsonc").jobs[0].definition


def test_a_one_off_jobs_definition_waits_for_its_deliveries_then_goes() -> None:
    known = KnownDefinitions(Redactor())
    known.put_job("run.jr_1", DEFINITION)
    known.put_job("books", DEFINITION)
    known.job_run_ended("run.jr_1", "jr_1")
    known.job_run_ended("books", "jr_2")  # a Job of its own: kept
    outstanding = {"jr_1": 1}
    known.release_delivered(lambda ids: sum(outstanding.get(i, 0) for i in ids))
    assert known.job("run.jr_1") is DEFINITION
    outstanding.clear()
    known.release_delivered(lambda ids: 0)
    assert known.job("run.jr_1") is None and known.job("books") is DEFINITION


def test_an_ended_one_off_job_this_process_never_defined_is_no_error() -> None:
    known = KnownDefinitions(Redactor())
    known.job_run_ended("run.jr_9", "jr_9")  # ended before a restart: not defined again
    known.release_delivered(lambda ids: 0)
    assert known.job("run.jr_9") is None
