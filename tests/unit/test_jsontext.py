"""JSON texts of stored and written values: ``json``'s compact text, made by orjson."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from controller import jsontext


def _stdlib(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


@pytest.mark.parametrize(
    "value",
    [
        {"n": 1, "text": "é ✓ \u2028", "nested": [1.5, None, True, {"k": []}]},
        {1: "integer keys become strings"},
        {"when": datetime.datetime(2024, 1, 1, 9, 0, 2)},
        {"wide": 2**70, "also": [-(2**64)]},
        {"max_u64": 2**64 - 1},
        "a bare string",
    ],
    ids=["nested", "int-keys", "datetime-by-str", "wide-integers", "u64", "string"],
)
def test_a_value_json_takes_gets_json_s_compact_text_and_reads_back(value: Any) -> None:
    text = jsontext.dumps(value)
    assert text == _stdlib(value)
    assert jsontext.loads(text) == json.loads(text)


def test_wide_integers_read_back_exactly_not_as_floats() -> None:
    text = '{"id": 123456789012345678901234567890, "n": -9223372036854775809}'
    assert jsontext.loads(text) == {"id": 123456789012345678901234567890, "n": -9223372036854775809}


def test_nan_written_by_an_earlier_version_still_reads() -> None:
    value = jsontext.loads('{"x": NaN}')
    assert value["x"] != value["x"]


def test_nan_is_written_as_null_which_every_json_reader_takes() -> None:
    assert jsontext.dumps({"x": float("nan")}) == '{"x":null}'
