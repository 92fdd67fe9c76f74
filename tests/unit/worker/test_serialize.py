"""Results as Intuned's runtime makes them JSON."""

from __future__ import annotations

import datetime

import pytest
from pydantic import BaseModel, Field

from controller.worker import serialize
from controller.worker.serialize import NotJsonError, ResultTooLargeError, json_value, result_text


class Book(BaseModel):
    title: str
    unit_price: float = Field(alias="unitPrice")
    published: datetime.datetime


def test_models_dates_and_tuples_become_plain_json() -> None:
    when = datetime.datetime(2026, 12, 6, 16, 0, tzinfo=datetime.UTC)
    value = {"books": (Book(title="t", unitPrice=1.5, published=when),), "on": when.date()}
    assert json_value(value) == {
        "books": [{"title": "t", "unitPrice": 1.5, "published": "2026-12-06T16:00:00Z"}],
        "on": "2026-12-06",
    }


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": [1, {2, 3}]}, "result.a[1]: a set is not JSON"),
        ({1: "x"}, "result: key 1 is not a string"),
        ({"x": float("nan")}, "result.x: nan is not a JSON number"),
    ],
)
def test_what_json_cannot_hold_is_named_where_it_is(value, where) -> None:
    with pytest.raises(NotJsonError, match=where.replace("[", r"\[").replace("]", r"\]")):
        json_value(value)


def test_a_result_over_the_limit_is_refused_with_its_size(monkeypatch) -> None:
    monkeypatch.setattr(serialize, "MAX_RESULT_BYTES", 100)
    assert result_text({"a": "x" * 50}) == '{"a":"' + "x" * 50 + '"}'
    with pytest.raises(
        ResultTooLargeError, match="the result is 203 bytes as JSON, over the limit"
    ):
        result_text("x" * 201)
