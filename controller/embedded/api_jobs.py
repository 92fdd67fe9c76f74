"""Jobs managed through the REST API, beside the Jobs defined by files.

File-defined ("code") Jobs follow the repository, so the API may read them but not change them:
that is a conflict (409), not a permission problem. A file that appears for the ID of an API Job
takes it over (the repository wins).
"""

from __future__ import annotations

import json
from typing import Any

from ..engine import InvalidDefinitionError
from ..spec import JobDefinition, load_job_file_text


def parse_api_job(job_id: str, document: Any) -> JobDefinition:
    if not isinstance(document, dict):
        raise InvalidDefinitionError(["the body must be a JSON object: a Job definition"])
    result = load_job_file_text(json.dumps(document), f"{job_id}.job.json")
    if result.problems:
        raise InvalidDefinitionError([p.message for p in result.problems])
    return result.jobs[0].definition
