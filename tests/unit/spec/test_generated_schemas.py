"""The JSON Schema and the CRDs are generated from the models and never drift from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from controller.spec import (
    auth_session_file_schema,
    crd_documents,
    job_file_schema,
    load_paths,
    render_crd_yaml,
)

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = sorted((ROOT / "intuned-resources" / "jobs").glob("*.job.json*"))


@pytest.mark.parametrize("folder", ["crds", "charts/jobctl/files/crds"])
@pytest.mark.parametrize("name", sorted(crd_documents()))
def test_checked_in_crds_match_the_models(name: str, folder: str) -> None:
    checked_in = (ROOT / folder / name).read_text(encoding="utf-8")
    assert checked_in == render_crd_yaml(crd_documents()[name]), "run `make crds` and commit"


def test_checked_in_json_schema_matches_the_models() -> None:
    checked_in = json.loads((ROOT / "schemas" / "job.schema.json").read_text(encoding="utf-8"))
    assert checked_in == job_file_schema(), "run `jobctl schema > schemas/job.schema.json`"


def test_checked_in_auth_session_schema_matches_the_models() -> None:
    checked_in = json.loads((ROOT / "schemas" / "auth-session.schema.json").read_text("utf-8"))
    assert checked_in == auth_session_file_schema(), (
        "run `jobctl schema --kind auth-session > schemas/auth-session.schema.json`"
    )


@pytest.mark.parametrize("schema", [job_file_schema(), auth_session_file_schema()])
def test_json_schemas_are_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "intuned-resources" / "auth-sessions").glob("*.auth-session.json*")),
    ids=lambda p: p.name,
)
def test_sample_auth_sessions_are_valid_for_the_loader_and_the_json_schema(path: Path) -> None:
    import json5

    result = load_paths([path])
    assert [str(p) for p in result.problems] == [] and len(result.auth_sessions) == 1
    jsonschema.validate(json5.loads(path.read_text(encoding="utf-8")), auth_session_file_schema())


def test_samples_cover_every_documented_feature() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in SAMPLES)
    for feature in (
        '"intervals"',
        '"calendars"',
        '"type": "webhook"',
        '"type": "s3"',
        '"notifications"',
        '"auth_session"',
        '"authSession"',
        '"retry": { "maximumAttempts": 5 }',
        '"api"',
        '"apiName"',
        '"maxConcurrentRequests"',
        '"maximumConcurrentRequests"',
        '"timeZone"',
        '"jitter"',
        '"catchupWindow"',
        '"proxy"',
    ):
        assert feature in text, f"no sample job uses {feature}"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_jobs_are_valid_for_the_loader_and_the_json_schema(path: Path) -> None:
    result = load_paths([path])
    assert [str(p) for p in result.problems] == []
    import json5

    jsonschema.validate(json5.loads(path.read_text(encoding="utf-8")), job_file_schema())


@pytest.mark.parametrize(
    "document",
    [
        {"payload": [{"apiNam": "x"}]},
        {"payload": [{"api": "x", "apiName": "x"}]},
        {"payload": [{"api": "x"}], "configuration": {"maxConcurrentRequests": 30}},
        {"payload": [{"api": "x"}], "auth_session": {"id": "a"}, "authSession": {"id": "a"}},
        {"payload": [{"api": "x"}], "schedule": {"calendars": [{"hour": 24}]}},
        {"payload": []},
    ],
)
def test_editors_reject_what_the_loader_rejects(document: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, job_file_schema())
    from controller.spec import load_job_file_text

    assert load_job_file_text(json.dumps(document), "x.job.json").problems


def _walk(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        found.append((path, node))
        for key in ("properties", "additionalProperties", "items"):
            child = node.get(key)
            if key == "properties" and isinstance(child, dict):
                for name, sub in child.items():
                    found += _walk(sub, f"{path}.{name}")
            elif isinstance(child, dict):
                found += _walk(child, f"{path}[{key}]")
    return found


@pytest.mark.parametrize("name", sorted(crd_documents()))
def test_crds_are_structural(name: str) -> None:
    crd = yaml.safe_load(render_crd_yaml(crd_documents()[name]))
    version = crd["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    assert crd["spec"]["names"]["shortNames"]
    assert version["additionalPrinterColumns"]
    text = json.dumps(crd)
    assert "$ref" not in text and "$defs" not in text
    for path, node in _walk(version["schema"]["openAPIV3Schema"]):
        typed = (
            "type" in node
            or node.get("x-kubernetes-int-or-string")
            or node.get("x-kubernetes-preserve-unknown-fields")
        )
        assert typed, f"{name}{path} has no type"
        assert not isinstance(node.get("type"), list), f"{name}{path} has a list of types"
        assert not ("properties" in node and "additionalProperties" in node), path
        for junctor in ("anyOf", "oneOf", "allOf", "not"):
            assert "type" not in json.dumps(node.get(junctor, {})), (
                f"{name}{path} types in {junctor}"
            )
