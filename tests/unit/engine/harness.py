"""Drive the engine by hand: a fake clock and helpers that read like the scenario."""

from __future__ import annotations

import json
from itertools import chain
from typing import Any

from controller.engine import (
    AttemptExited,
    AttemptExtendedPayload,
    AttemptFailed,
    AttemptHeartbeat,
    AttemptRequest,
    AttemptResult,
    Engine,
    Output,
    Run,
    loading_limit,
)
from controller.spec import load_job_file_text


def definition(text: str):
    result = load_job_file_text(text, "job.job.jsonc")
    assert not result.problems, [str(p) for p in result.problems]
    return result.jobs[0].definition


class Scenario:
    def __init__(
        self, job: str = '{payload: [{api: "a"}]}', *, max_workers: int = 8, **engine: Any
    ) -> None:
        counter = iter(range(1, 10_000))
        self.engine = Engine(
            max_workers=max_workers, new_job_run_id=lambda: f"jr_manual{next(counter)}", **engine
        )
        self.now = 1_700_000_000_000
        self.outputs: list[Output] = []
        self.starts: list[AttemptRequest] = []
        self.cancels: list[str] = []
        self.results: list[dict[str, Any]] = []
        self.stored: dict[str, Run] = {}
        """Every Run as the store would hold it."""
        self.loads: list[str] = []
        self.engine.put_job("job", definition(job), self.now)
        self.step()

    def step(self, ms: int = 0) -> Output:
        """One pass as the driver makes it: first the spilled Runs the last pass asked for, from
        what the passes so far saved (``stored``)."""
        self.now += ms
        for job_run_id in self.loads:
            job_run = self.engine.job_runs[job_run_id]
            waiting = sorted(
                (r for r in self.stored.values() if r.job_run_id == job_run_id),
                key=lambda r: r.seq,
            )
            after = [r for r in waiting if r.status == "PENDING" and r.seq > job_run.held_through]
            self.engine.hold_loaded(job_run_id, after[: loading_limit(job_run)], self.now)
        self.engine.advance(self.now)
        output = self.engine.take_output()
        self.loads = output.effects.loads
        changes = output.changes
        saved = chain(changes.new_runs, *changes.spilled_runs, changes.runs)
        self.stored.update({r.id: r for r in saved})
        self.outputs.append(output)
        self.starts += output.effects.starts
        self.cancels += output.effects.cancels
        self.results += [json.loads(r.line) for r in output.changes.results]
        return output

    def running(self) -> list[AttemptRequest]:
        live = {r.attempt_id for r in self.starts} - set(self.cancels)
        done = set()
        for output in self.outputs:
            done |= {r.run_id for r in output.changes.results}
        return [
            r
            for r in self.starts
            if r.attempt_id in live and r.run_id not in done and self._current(r)
        ]

    def _current(self, request: AttemptRequest) -> bool:
        job_run = self.engine.job_runs.get(request.job_run_id)
        run = job_run.runs.get(request.run_id) if job_run else None
        return run is not None and run.attempt_id == request.attempt_id and run.status == "RUNNING"

    def succeed(self, request: AttemptRequest, result: Any = None) -> None:
        self.engine.handle(
            AttemptResult(
                request.attempt_id, result if result is not None else {"ok": request.run_id}
            ),
            self.now,
        )

    def fail(
        self, request: AttemptRequest, category: str = "execution", code: str = "boom"
    ) -> None:
        self.engine.handle(
            AttemptFailed(
                request.attempt_id, {"code": code, "category": category, "message": code}
            ),
            self.now,
        )

    def exit(self, request: AttemptRequest, code: int | None = 1) -> None:
        self.engine.handle(AttemptExited(request.attempt_id, code), self.now)

    def heartbeat(self, request: AttemptRequest) -> None:
        self.engine.handle(AttemptHeartbeat(request.attempt_id), self.now)

    def extend(self, request: AttemptRequest, *items: dict[str, Any]) -> None:
        self.engine.handle(AttemptExtendedPayload(request.attempt_id, tuple(items)), self.now)

    def persisted_runs(self, job_run_id: str) -> dict[str, Any]:
        """Latest persisted state of each Run, by API name (what the store would hold)."""
        runs: dict[str, Any] = {}
        for output in self.outputs:
            for run in [*output.changes.new_runs, *output.changes.runs]:
                if run.job_run_id == job_run_id:
                    runs[run.api_name] = run
        return runs

    def job_run(self, job_run_id: str | None = None):
        if job_run_id is None:
            job_run_id = next(iter(self.engine.job_runs))
        return self.engine.job_runs[job_run_id]
