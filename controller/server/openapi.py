"""The OpenAPI document, with the Job definition's JSON Schema as the request body of create
and update (FastAPI only sees ``dict``), its ``$defs`` moved to ``components/schemas``."""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import FastAPI

from ..spec import job_file_schema


def _job_body_schema(components: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(job_file_schema())
    for name, definition in schema.pop("$defs", {}).items():
        components[f"Job{name}"] = definition
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    components["JobDefinition"] = schema
    text = json.dumps(components).replace('"#/$defs/', '"#/components/schemas/Job')
    components.update(json.loads(text))
    return {"$ref": "#/components/schemas/JobDefinition"}


def add_job_schema(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        reference = _job_body_schema(components)
        for path in document["paths"].values():
            for operation in path.values():
                kind = operation.pop("x-job-body", None)
                if kind is None:
                    continue
                schema = reference
                if kind == "create":
                    schema = {"allOf": [reference, {"required": ["id"]}]}
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": schema}},
                }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
