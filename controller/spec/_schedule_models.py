"""The ``schedule`` block: intervals, Temporal-style calendars, time zone, jitter, catch-up.

Values are normalised here (durations to milliseconds, calendar fields to ranges), so the
scheduling package compiles already-valid data and never has to report user errors itself.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_serializer, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ._base import AT, AT_KEY, StrictModel
from ._calendar_values import (
    FIELD_RULES,
    CalendarRange,
    CalendarValueError,
    parse_calendar_value,
)
from ._types import NonNegativeDurationMs, PositiveDurationMs, TimeZoneName

DEFAULT_CATCHUP_WINDOW_MS = 3_600_000


def _ranges_json(ranges: tuple[CalendarRange, ...]) -> list[dict[str, int]]:
    return [{"start": r.start, "end": r.end, "step": r.step} for r in ranges]


def _calendar_schema(field: str) -> dict[str, Any]:
    rule = FIELD_RULES[field]
    number: dict[str, Any] = {"type": "integer", "minimum": rule.low, "maximum": rule.high}
    bound: dict[str, Any] = {"anyOf": [number, {"type": "string"}]}
    range_object = {
        "type": "object",
        "properties": {"start": bound, "end": bound, "step": {"type": "integer", "minimum": 1}},
        "required": ["start"],
        "additionalProperties": False,
    }
    single = [number, {"type": "string"}, range_object]
    return {
        "anyOf": [*single, {"type": "array", "items": {"anyOf": single}, "minItems": 1}],
        "description": (
            f"A number ({rule.span}), a string (*, x, x-z, x-z/y, x/y, comma lists"
            + (", names" if rule.names else "")
            + f"), a {{start, end, step}} range or a list of those. Default {rule.default!r}."
        ),
    }


def _calendar_field(name: str) -> Any:
    rule = FIELD_RULES[name]

    def replace_schema(schema: dict[str, Any]) -> None:
        schema.clear()
        schema.update(_calendar_schema(name))

    return Field(default=parse_calendar_value(rule, rule.default), json_schema_extra=replace_schema)


Ranges = tuple[CalendarRange, ...]


class CalendarSpec(StrictModel):
    """Fires at every local wall-clock second where all fields match (Temporal semantics)."""

    second: Ranges = _calendar_field("second")
    minute: Ranges = _calendar_field("minute")
    hour: Ranges = _calendar_field("hour")
    dayOfMonth: Ranges = _calendar_field("dayOfMonth")
    month: Ranges = _calendar_field("month")
    year: Ranges = _calendar_field("year")
    dayOfWeek: Ranges = _calendar_field("dayOfWeek")
    comment: str | None = None

    @field_validator(*FIELD_RULES, mode="plain")
    @classmethod
    def _parse_value(cls, value: object, info: ValidationInfo) -> Ranges:
        try:
            return parse_calendar_value(FIELD_RULES[str(info.field_name)], value)
        except CalendarValueError as exc:
            raise PydanticCustomError(
                "calendar_value",
                "{message}",
                {"message": exc.message, AT: exc.at, AT_KEY: exc.at_key},
            ) from None

    @field_serializer(*FIELD_RULES)
    def _serialize_ranges(self, ranges: Ranges) -> list[dict[str, int]]:
        return _ranges_json(ranges)


class IntervalSpec(StrictModel):
    """Fires at ``epoch + n * every + offset`` for every whole n."""

    every: PositiveDurationMs
    offset: NonNegativeDurationMs = 0
    comment: str | None = None

    @model_validator(mode="after")
    def _offset_within_period(self) -> IntervalSpec:
        if self.offset >= self.every:
            raise PydanticCustomError(
                "interval_offset",
                "offset ({offset} ms) must be smaller than every ({every} ms)",
                {"offset": self.offset, "every": self.every, AT: ("offset",)},
            )
        return self


class ScheduleSpec(StrictModel):
    intervals: list[IntervalSpec] = []
    calendars: list[CalendarSpec] = []
    timeZone: TimeZoneName = "UTC"
    jitter: NonNegativeDurationMs = 0
    catchupWindow: NonNegativeDurationMs = DEFAULT_CATCHUP_WINDOW_MS

    @model_validator(mode="after")
    def _fires_at_all(self) -> ScheduleSpec:
        if not self.intervals and not self.calendars:
            raise PydanticCustomError(
                "empty_schedule",
                "schedule has no intervals and no calendars, so it would never fire; "
                "add one or remove the schedule",
            )
        return self
