"""Results lines: an uploaded result (``RawJson``) is a piece of its line, never copied into it,
and the line reads back with that result unread."""

from __future__ import annotations

import json
from typing import Any

import pytest

from controller import jsontext
from controller.engine import Identity, LineOwner, Run, read_results_line, result_record
from controller.vocabulary import INLINE_RESULT_BYTES

OWNER = LineOwner("job", "jr_1", "session")


def ended(result: Any, **fields: Any) -> Run:
    return Run(
        "ru_1",
        "jr_1",
        0,
        "api",
        {"id": 2**70, "q": "é"},
        3,
        status="SUCCEEDED",
        result=result,
        started_at=1_700_000_000_000,
        ended_at=1_700_000_001_234,
        result_seq=1,
        **fields,
    )


@pytest.mark.parametrize("attributes", [None, {"shard": "a"}], ids=["plain", "with-attributes"])
def test_an_uploaded_result_makes_the_line_its_value_would_byte_for_byte(attributes: Any) -> None:
    value = {"rows": [{"n": 1}, {"n": 2}], "text": "é\u2028", "wide": 2**65}
    inline = result_record(Identity(), OWNER, ended(value, attributes=attributes))
    raw = jsontext.RawJson(jsontext.dumps_bytes(value))
    uploaded = result_record(Identity(), OWNER, ended(raw, attributes=attributes))
    assert uploaded.line == inline.line
    assert json.loads(uploaded.line)["apiInfo"]["result"] == value
    assert any(piece is raw.text for piece in uploaded.pieces)  # the same bytes, not a copy


def test_a_line_reads_back_with_a_large_result_unread_and_a_small_one_as_values() -> None:
    large = jsontext.RawJson(b'{"text":"' + b"x" * INLINE_RESULT_BYTES + b'"}')
    line = b"".join(result_record(Identity(), OWNER, ended(large)).pieces)
    info = read_results_line(line)["apiInfo"]
    assert info["result"] == large and info["parameters"] == {"id": 2**70, "q": "é"}
    assert info["started_at"] == "2023-11-14T22:13:20.000Z" and info["error"] is None
    small = b"".join(result_record(Identity(), OWNER, ended({"ok": True})).pieces)
    assert read_results_line(small + b"\n")["apiInfo"]["result"] == {"ok": True}
