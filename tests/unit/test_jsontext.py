"""JSON texts of stored and written values: ``json``'s compact text, made by orjson."""

from __future__ import annotations

import datetime
import json
import tracemalloc
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


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":[1,2.5e-3,true,null,"\\u00e9 \xc3\xa9"]}',
        b"[]",
        b' "x" ',
        b"0",
        b"[" * 200 + b"]" * 200,
    ],
    ids=["object", "empty-array", "spaced-string", "zero", "nested-200"],
)
def test_an_uploaded_text_that_is_one_json_value_is_taken(text: bytes) -> None:
    assert jsontext.is_json(text)


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"{not json",
        b'{"a":1} {"b":2}',
        b"[1,]",
        b"NaN",
        b'"\xff"',  # not UTF-8
        b'"\xed\xa0\x80"',  # a surrogate written as UTF-8
        b'"\x01"',  # a control character in a string
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=[
        "empty",
        "broken",
        "two-values",
        "trailing-comma",
        "nan",
        "bad-utf8",
        "surrogate",
        "control",
        "absurdly-deep",
    ],
)
def test_an_uploaded_text_that_is_not_one_json_value_is_refused(text: bytes) -> None:
    assert not jsontext.is_json(text)


def test_checking_a_text_of_millions_of_values_makes_no_objects_of_them() -> None:
    """64 MiB of ``[{},...]`` would be 22 million dicts (over a gigabyte) as objects."""
    text = b"[" + b",".join([b"{}"] * 2_000_000) + b"]"
    tracemalloc.start()
    try:
        assert jsontext.is_json(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"checking {len(text):,} bytes took {peak:,} bytes"


def test_an_uploaded_result_is_written_as_its_text() -> None:
    raw = jsontext.RawJson('{"k":"é"}'.encode())
    assert jsontext.dumps({"result": raw}) == '{"result":{"k":"é"}}'
    assert jsontext.dumps_bytes([raw]) == '[{"k":"é"}]'.encode()


def test_the_head_of_an_uploaded_result_cuts_no_character_in_two() -> None:
    raw = jsontext.RawJson(("é" * 10).encode())
    assert raw.head(3) == "ééé"
    assert jsontext.RawJson(b'"\xc3').head(5) == '"'
