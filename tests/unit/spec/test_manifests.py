"""Job and JobRun manifests in YAML: safe loading, located errors, alias bombs refused."""

from __future__ import annotations

import time

from controller.spec import load_manifest_text

JOB = """\
apiVersion: intuned.io/v1alpha1
kind: Job
metadata:
  name: nightly
  namespace: scraping
spec:
  suspend: true
  payload:
    - api: list
      parameters: {page: 1}
  schedule:
    calendars:
      - hour: 2
---
apiVersion: intuned.io/v1alpha1
kind: JobRun
metadata:
  name: nightly-manual-1
spec:
  jobRef: {name: nightly}
"""


def test_job_and_jobrun_manifests_load() -> None:
    result = load_manifest_text(JOB, "m.yaml")
    assert result.problems == []
    (job,) = result.jobs
    assert (job.job_id, job.namespace) == ("nightly", "scraping")
    assert job.definition.payload[0].apiName == "list"
    assert result.job_runs[0].spec.jobRef.name == "nightly"


def test_manifest_errors_are_located_in_the_yaml() -> None:
    text = JOB.replace("      - hour: 2", "      - hour: 24").replace(
        "suspend: true", "suspend: yes please"
    )
    problems = load_manifest_text(text, "m.yaml").problems
    rendered = sorted(str(p) for p in problems)
    assert rendered == [
        "m.yaml:13:15: spec.schedule.calendars[0].hour: hour 24 is out of range; use 0-23",
        "m.yaml:7:12: spec.suspend: expected true or false, got a string",
    ]


def test_wrong_kind_and_name_are_reported() -> None:
    text = "apiVersion: intuned.io/v1alpha1\nkind: Jobb\nmetadata: {name: Bad_Name}\nspec: {}\n"
    messages = [p.message for p in load_manifest_text(text, "m.yaml").problems]
    assert any("kind 'Jobb' is not supported" in m for m in messages)
    assert any("metadata.name" in m for m in messages)


def test_other_api_groups_are_skipped_when_scanning_folders() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    assert load_manifest_text(text, "m.yaml", only_ours=True).problems == []
    assert load_manifest_text(text, "m.yaml").problems != []


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 40):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    bomb = "\n".join(lines) + "\n"
    started = time.perf_counter()
    problems = load_manifest_text(bomb, "bomb.yaml").problems
    assert time.perf_counter() - started < 1.0
    assert [p.position.line for p in problems] == [2]
    assert "aliases" in problems[0].message


def test_yaml_tags_that_build_objects_are_refused() -> None:
    problems = load_manifest_text("!!python/object/apply:os.system ['true']\n", "m.yaml").problems
    assert problems and "invalid YAML" in problems[0].message
