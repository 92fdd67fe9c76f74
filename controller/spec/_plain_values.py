"""The rule for text and numbers we accept, wherever they come from (job files, manifests, API
request bodies): text is valid Unicode, numbers are finite.

JSON's ``\\ud800`` escape can produce a lone surrogate, which is not Unicode: Python holds it,
but it cannot be encoded, so it would fail later and far away (saving the store, printing a
message). ``NaN``, ``Infinity`` and out-of-range numbers (``1e999``) are not JSON: they would
be written back as ``null`` or as invalid JSON. Both are refused at the edge, located.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ._problems import DataPath

_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_message(text: str) -> str | None:
    if text.isascii():
        return None
    found = _SURROGATE.search(text)
    if found is None:
        return None
    escaped = found.group().encode("unicode_escape", "backslashreplace").decode()
    return (
        f"text contains a lone surrogate ({escaped}), which is not valid Unicode; "
        "write the character itself, or both halves of its \\u escape pair"
    )


def first_unusable_value(data: Any) -> tuple[DataPath, bool, str] | None:
    """The first key or value, in document order, that breaks the rule: (its path, whether it
    is the key, why)."""
    stack: list[tuple[DataPath, Any, bool]] = [((), data, False)]
    while stack:
        path, value, is_key = stack.pop()
        message = None
        if isinstance(value, str):
            message = _surrogate_message(value)
        elif isinstance(value, float) and not math.isfinite(value):
            message = (
                "numbers must be finite: NaN, Infinity and out-of-range numbers such as 1e999 "
                "are not JSON"
            )
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack.append(((*path, key), item, False))
                stack.append(((*path, key), key, True))
        elif isinstance(value, list):
            stack += [((*path, i), item, False) for i, item in reversed(list(enumerate(value)))]
        if message is not None:
            return path, is_key, message
    return None
