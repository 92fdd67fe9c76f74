"""The chart's values.schema.json is generated from values.yaml, documents every value and
rejects unknown keys."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "charts" / "jobctl"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "values_schema", ROOT / "hack" / "chart" / "values_schema.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schema() -> dict[str, Any]:
    return dict(json.loads((CHART / "values.schema.json").read_text()))


def test_the_checked_in_schema_is_generated_from_values_yaml() -> None:
    module = generator()
    assert (CHART / "values.schema.json").read_text() == module.render(module.generate()), (
        "run `make chart-schema` and commit"
    )


def test_an_undocumented_value_is_an_error() -> None:
    module = generator()
    text = "# The image.\nimage:\n  # Its repository.\n  repository: x\n  tag: y\n"
    with pytest.raises(module.UndocumentedError, match=r"image\.tag has no comment"):
        module.schema_for(yaml.safe_load(text), (), module.descriptions(text))


@pytest.mark.parametrize(
    "values",
    [
        yaml.safe_load((CHART / "values.yaml").read_text()),
        yaml.safe_load((CHART / "ci" / "all-options-values.yaml").read_text()),
        yaml.safe_load((CHART / "ci" / "shared-store-values.yaml").read_text()),
    ],
    ids=["defaults", "all-options", "shared-store"],
)
def test_the_defaults_and_every_option_are_valid(values: dict[str, Any]) -> None:
    jsonschema.validate(values, schema())


@pytest.mark.parametrize(
    "values",
    [
        {"unknown": 1},
        {"operator": {"maxWorker": 3}},
        {"gitSync": {"enabled": "yes"}},
        {"worker": {"image": {"repo": "x"}}},
    ],
)
def test_unknown_keys_and_wrong_types_are_rejected(values: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(values, schema())


def test_kubernetes_structures_stay_free_form() -> None:
    jsonschema.validate(
        {
            "operator": {
                "resources": {"limits": {"nvidia.com/gpu": 1}},
                "nodeSelector": {"pool": "browsers"},
            }
        },
        schema(),
    )
