"""JSON5 made JSON for the C parser reads exactly what json5 reads, or gives up."""

from __future__ import annotations

import json

import json5
import pytest

from controller.spec._json5_text import json5_as_json

DOCUMENTS = [
    '{payload: [{api: "a"}]}',
    "{payload: [{api: 'it\\'s \"quoted\"', n: .5, h: 0x1F, p: +3, e: 5., x: 1e3}],}",
    "// comment\n{/* block */ a: [1, 2,], 'b': {c: null, d: true, e: false,},}",
    '{a: -Infinity, b: Infinity, $c_d: "x", _e: [\'\\n\', "\\u00e9"]}',
    '{"a": "http://example.com/*not a comment*/ //nor this"}',
    "{a: 1,\r\n b: 2}\u2028",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_converted_json5_reads_as_json5_reads_it(text: str) -> None:
    converted = json5_as_json(text)
    assert converted is not None, text
    assert json.loads(converted[0]) == json5.loads(text)


@pytest.mark.parametrize("text", ["{a: \\x41}", "{ä: 1}", "{a: 'line\\\ncontinued'}"])
def test_what_it_cannot_convert_is_left_to_json5(text: str) -> None:
    converted = json5_as_json(text)
    assert converted is None or json.loads(converted[0]) == json5.loads(text)


def test_an_error_offset_maps_back_to_the_original_text() -> None:
    text = "{a: 1, b: [1 2]}"
    converted = json5_as_json(text)
    assert converted is not None
    with pytest.raises(json.JSONDecodeError) as failure:
        json.loads(converted[0])
    assert converted[1].original(failure.value.pos) == text.index("2")
