"""What user code hands back (a result, extended parameters) as JSON, as Intuned's runtime makes
it: pydantic models by their aliases, dates and times in ISO 8601, tuples as lists. Anything
else that JSON cannot hold is the user's error, named with where it was found."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from ..vocabulary import MAX_RESULT_BYTES


class NotJsonError(TypeError):
    pass


class ResultTooLargeError(ValueError):
    pass


def json_value(value: Any, where: str = "result") -> Any:
    """``value`` with every model, date and tuple made plain JSON; ``NotJsonError`` names the
    first part that cannot be (``result.items[3]: a set is not JSON``)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotJsonError(f"{where}: {value} is not a JSON number")
        return value
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotJsonError(f"{where}: key {key!r} is not a string")
            plain[key] = json_value(item, f"{where}.{key}")
        return plain
    if isinstance(value, list | tuple):
        return [json_value(item, f"{where}[{n}]") for n, item in enumerate(value)]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    dump = getattr(value, "model_dump", None)
    if callable(dump):  # a pydantic model, from the project's own pydantic
        return json_value(dump(by_alias=True, mode="json"), where)
    raise NotJsonError(f"{where}: a {type(value).__name__} is not JSON")


def result_text(value: Any) -> str:
    """The result as compact JSON text, within ``MAX_RESULT_BYTES`` (as UTF-8)."""
    text = json.dumps(json_value(value), ensure_ascii=False, separators=(",", ":"))
    size = len(text.encode())
    if size > MAX_RESULT_BYTES:
        raise ResultTooLargeError(
            f"the result is {size:,} bytes as JSON, over the limit of {MAX_RESULT_BYTES:,}; "
            "return less (store large data in S3 and return its key)"
        )
    return text
