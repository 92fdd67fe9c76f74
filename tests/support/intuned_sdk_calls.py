"""Every call of Intuned's Python SDK's ``jobs`` and ``jobs.runs`` services against a jobctl REST
API, as a user migrating from Intuned writes them. Runs in the SDK's own virtualenv
(``.cache/intuned-sdk/venv``, see ``hack/sdk/install.sh``), not the project's.

Usage: python intuned_sdk_calls.py BASE_URL API_KEY WORKSPACE_ID PROJECT_NAME [resources]

With ``resources`` the Jobs ``sdk-job`` and ``sdk-slow`` are Kubernetes resources the caller
applied (the operator's API): creating, replacing and deleting Jobs must be refused with 409.

Prints one JSON object: each call's outcome (``ok``, or the SDK's exception) and the values the
test checks. A failed call does not stop the others, so one run shows every incompatibility.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from intuned_client import IntunedClient
from sdk_recorder import Recorder

FINAL = {"COMPLETED", "FAILURE", "TERMINATED", "CANCELED", "SUCCESS"}


def main() -> None:
    base_url, api_key, workspace_id, project = sys.argv[1:5]
    resources = sys.argv[5:] == ["resources"]
    recorder = Recorder()
    call, refused, seen = recorder.call, recorder.refused, recorder.seen

    with IntunedClient(
        api_key=api_key, workspace_id=workspace_id, base_url=f"{base_url}/api/v1/workspace"
    ) as client:
        jobs = client.projects.jobs
        body: dict[str, Any] = {
            "id": "sdk-job",
            "payload": [
                {"apiName": "echo", "parameters": {"n": n}, "requestTimeout": 120} for n in range(3)
            ],
            "configuration": {"maxConcurrentRequests": 2, "maxRuns": 10},
            "notifications": None,
        }
        if resources:
            refused("jobs.create", lambda: jobs.create(project_name=project, body=body))
        else:
            created = call("jobs.create", lambda: jobs.create(project_name=project, body=body))
            seen["created"] = created and created.model_dump(mode="json")
        got = call("jobs.get", lambda: jobs.get(project_name=project, job_id="sdk-job"))
        seen["got"] = got and {"state": got.state, "project_id": got.project_id}
        listed = call("jobs.list", lambda: jobs.list(project_name=project))
        seen["listed"] = listed and sorted(j.id for j in listed)
        update = {**body, "payload": body["payload"][:2], "proxy": None}
        if resources:
            refused(
                "jobs.update",
                lambda: jobs.update(project_name=project, job_id="sdk-job", body=update),
            )
        else:
            updated = call(
                "jobs.update",
                lambda: jobs.update(project_name=project, job_id="sdk-job", body=update),
            )
            seen["updated"] = updated and updated.message
        paused = call("jobs.pause", lambda: jobs.pause(project_name=project, job_id="sdk-job"))
        paused_job = call(
            "jobs.get#paused", lambda: jobs.get(project_name=project, job_id="sdk-job")
        )
        seen["paused_state"] = paused_job and paused_job.state
        resumed = call("jobs.resume", lambda: jobs.resume(project_name=project, job_id="sdk-job"))
        seen["pause_messages"] = [paused and paused.message, resumed and resumed.message]

        runs = jobs.runs
        job_run_ids = []
        for number in range(2):
            triggered = call(
                f"jobs.trigger#{number}",
                lambda: jobs.trigger(project_name=project, job_id="sdk-job"),
            )
            if triggered is None:
                break
            job_run_ids.append(triggered.job_run_id)
            deadline = time.monotonic() + 240
            while True:
                got_run = call(
                    "jobs.runs.get",
                    lambda: runs.get(
                        project_name=project, job_id="sdk-job", job_run_id=job_run_ids[-1]
                    ),
                )
                if got_run is None or got_run.job_run.status in FINAL:
                    break
                if time.monotonic() > deadline:
                    recorder.calls["jobs.runs.get"] = "the JobRun did not end in 240s"
                    break
                time.sleep(0.1)
            seen.setdefault("ended", []).append(
                got_run and [got_run.job_run.status, got_run.job_run.successful_runs]
            )
        first_page = call(
            "jobs.runs.list",
            lambda: runs.list(
                project_name=project,
                job_id="sdk-job",
                page_size="1",
                page_number="0",
                sort_by="created_at,asc",
            ),
        )
        second_page = call(
            "jobs.runs.list#page1",
            lambda: runs.list(
                project_name=project, job_id="sdk-job", page_size="1", page_number="1"
            ),
        )
        seen["job_run_ids"] = job_run_ids
        seen["pages"] = [
            page and [page.total_count, [r.id for r in page.job_runs]]
            for page in (first_page, second_page)
        ]

        slow = {
            "id": "sdk-slow",
            "configuration": {"maxConcurrentRequests": 1},
            "payload": [{"apiName": "echo", "parameters": {"n": n}} for n in range(200)],
        }
        if not resources:
            call("jobs.create#slow", lambda: jobs.create(project_name=project, body=slow))
        started = call(
            "jobs.trigger#slow", lambda: jobs.trigger(project_name=project, job_id="sdk-slow")
        )
        if started is not None:
            terminated = call(
                "jobs.runs.terminate",
                lambda: runs.terminate(
                    project_name=project, job_id="sdk-slow", job_run_id=started.job_run_id
                ),
            )
            seen["terminated"] = terminated and terminated.message
        if resources:
            refused("jobs.delete", lambda: jobs.delete(project_name=project, job_id="sdk-job"))
        else:
            call("jobs.delete", lambda: jobs.delete(project_name=project, job_id="sdk-job"))
            call("jobs.delete#slow", lambda: jobs.delete(project_name=project, job_id="sdk-slow"))
        remaining = call("jobs.list#after", lambda: jobs.list(project_name=project))
        seen["after_delete"] = remaining and sorted(j.id for j in remaining)
    recorder.report()


if __name__ == "__main__":
    main()
