"""kopf's diff base, kept small: what kopf remembers of each resource to tell what changed.

kopf's annotation storage copies the whole spec into an annotation; annotations are limited to
256 KiB together (``kubectl apply`` adds a copy of its own), so a Job with a large payload could
be neither updated nor deleted (every patch a 422, the finalizer never removed). Here a large
part of the spec is remembered by its digest: a change to it still changes the essence (so
``on.update(field="spec")`` fires), while small fields stay as they are, for the handlers that
watch them (``spec.terminate``) and for the old and new values kopf hands over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, cast

import kopf

KEPT_BYTES = 1024
"""A top-level spec field up to this size (as JSON) is remembered as it is."""


class CompactDiffBaseStorage(kopf.AnnotationsDiffBaseStorage):
    def build(
        self, *, body: kopf.Body, extra_fields: Iterable[Any] | None = None
    ) -> kopf.BodyEssence:
        essence = cast(dict[str, Any], super().build(body=body, extra_fields=extra_fields))
        spec = essence.get("spec")
        if isinstance(spec, dict):
            essence["spec"] = {key: _compact(value) for key, value in spec.items()}
        return cast(kopf.BodyEssence, essence)


def _compact(value: Any) -> Any:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    if len(text) <= KEPT_BYTES:
        return value
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "bytes": len(text)}
