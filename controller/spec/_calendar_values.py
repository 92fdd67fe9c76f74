"""The value grammar of calendar fields, following Temporal's ScheduleCalendarSpec.

A field value is a number, a string (``*``, ``x``, ``x-z``, ``x-z/y``, ``x/y`` meaning x to the
field's maximum in steps of y, and comma lists of those; month names by prefix of at least three
letters, weekday names by prefix of at least two, case-insensitive), a range object
``{start, end, step}`` (end inclusive, missing end = start), or a list of numbers, strings and range
objects. Everything normalises to a tuple of ``CalendarRange``: the canonical form that scheduling
compiles and that job snapshots store.

Where Temporal silently clamps (an object whose end is below its start), we report an error
instead: such a value is always a typo, and the string form of it is an error in Temporal too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from ._problems import DataPath


@dataclass(frozen=True)
class CalendarRange:
    start: int
    end: int
    step: int = 1

    def values(self) -> range:
        return range(self.start, self.end + 1, self.step)


@dataclass(frozen=True)
class FieldRule:
    name: str
    low: int
    high: int
    default: str
    names: tuple[str, ...] = ()
    name_base: int = 0
    min_prefix: int = 0

    @property
    def span(self) -> str:
        return f"{self.low}-{self.high}"


MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
WEEKDAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

FIELD_RULES: dict[str, FieldRule] = {
    rule.name: rule
    for rule in (
        FieldRule("second", 0, 59, "0"),
        FieldRule("minute", 0, 59, "0"),
        FieldRule("hour", 0, 23, "0"),
        FieldRule("dayOfMonth", 1, 31, "*"),
        FieldRule("month", 1, 12, "*", MONTH_NAMES, name_base=1, min_prefix=3),
        FieldRule("year", 2000, 2100, "*"),
        FieldRule("dayOfWeek", 0, 7, "*", WEEKDAY_NAMES, name_base=0, min_prefix=2),
    )
}


class CalendarValueError(ValueError):
    """A calendar value is wrong; ``at`` is where inside the field's value (list index, key)."""

    def __init__(self, message: str, at: DataPath = (), *, at_key: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.at = at
        self.at_key = at_key


_INTEGER = re.compile(r"^\d+$")
_RANGE_KEYS = ("start", "end", "step")


def parse_calendar_value(rule: FieldRule, value: object) -> tuple[CalendarRange, ...]:
    if isinstance(value, list):
        if not value:
            raise CalendarValueError(
                f"{rule.name} must not be an empty list; omit it for the default"
            )
        ranges: list[CalendarRange] = []
        for index, item in enumerate(value):
            if isinstance(item, list):
                raise CalendarValueError("lists cannot be nested", (index,))
            try:
                ranges.extend(parse_calendar_value(rule, item))
            except CalendarValueError as exc:
                raise CalendarValueError(exc.message, (index, *exc.at), at_key=exc.at_key) from None
        return tuple(ranges)
    if isinstance(value, dict):
        return (_parse_range_object(rule, value),)
    if isinstance(value, str):
        return _parse_expression(rule, value)
    return (_single(rule, value),)


def _single(rule: FieldRule, value: object) -> CalendarRange:
    number = _number(rule, value)
    return CalendarRange(number, number)


def _number(rule: FieldRule, value: object, *, low: int | None = None) -> int:
    low = rule.low if low is None else low
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise CalendarValueError(
            f"{rule.name} must be a number, a string or a {{start, end, step}} object, "
            f"got {type(value).__name__}"
        )
    number = _parse_token(rule, value.strip()) if isinstance(value, str) else value
    if not low <= number <= rule.high:
        shown = value if isinstance(value, int) else repr(value)
        raise CalendarValueError(f"{rule.name} {shown} is out of range; use {low}-{rule.high}")
    return number


def _parse_token(rule: FieldRule, token: str) -> int:
    if _INTEGER.match(token):
        return int(token)
    lowered = token.lower()
    if rule.names and len(lowered) >= rule.min_prefix:
        for index, name in enumerate(rule.names):
            if name.startswith(lowered):
                return index + rule.name_base
    if rule.names:
        hint = difflib.get_close_matches(lowered, rule.names, n=1)
        suggestion = f" (did you mean {hint[0].upper()!r}?)" if hint else ""
        kind = "month" if rule.name == "month" else "day of the week"
        raise CalendarValueError(
            f"{rule.name} {token!r} is not a {kind}{suggestion}; use {rule.span} or a name "
            f"such as {rule.names[1][:3].upper()} or {rule.names[1].upper()}"
        )
    raise CalendarValueError(f"{rule.name} {token!r} is not a number; use {rule.span}")


def _parse_expression(rule: FieldRule, text: str) -> tuple[CalendarRange, ...]:
    text = text.strip() or rule.default
    ranges = []
    for raw_part in text.split(","):
        expression = raw_part.strip()
        step = 1
        has_step = "/" in expression
        if has_step:
            expression, _, step_text = expression.partition("/")
            if not _INTEGER.match(step_text.strip()) or int(step_text) < 1:
                raise CalendarValueError(
                    f"{rule.name} step {step_text.strip()!r} must be a whole number >= 1"
                )
            step = int(step_text)
            expression = expression.strip()
        if expression == "*":
            start, end = rule.low, rule.high
        elif expression.count("-") == 1:
            first, _, last = expression.partition("-")
            start = _number(rule, first)
            end = _number(rule, last, low=start)
        elif "-" in expression or not expression:
            raise CalendarValueError(
                f"{text!r} is not a valid {rule.name} expression; use *, x, x-z, x-z/y, x/y "
                "or a comma-separated list of those"
            )
        else:
            start = _number(rule, expression)
            end = rule.high if has_step else start
        ranges.append(CalendarRange(start, end, step))
    return tuple(ranges)


def _parse_range_object(rule: FieldRule, value: dict[object, object]) -> CalendarRange:
    for key in value:
        if key not in _RANGE_KEYS:
            hint = difflib.get_close_matches(str(key), _RANGE_KEYS, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise CalendarValueError(
                f"unknown key {key!r} in a {rule.name} range{suggestion} "
                "(a range has start, end and step)",
                (str(key),),
                at_key=True,
            )
    if "start" not in value:
        raise CalendarValueError(f"a {rule.name} range needs a 'start'")
    start = _at("start", lambda: _number(rule, value["start"]))
    end = start if "end" not in value else _at("end", lambda: _number(rule, value["end"]))
    if end < start:
        raise CalendarValueError(
            f"{rule.name} range ends ({end}) before it starts ({start}); swap them or "
            "use a list of values",
            ("end",),
        )
    step = value.get("step", 1)
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise CalendarValueError(f"{rule.name} step must be a whole number >= 1", ("step",))
    return CalendarRange(start, end, step)


def _at(key: str, parse: Callable[[], int]) -> int:
    try:
        return parse()
    except CalendarValueError as exc:
        raise CalendarValueError(exc.message, (key, *exc.at), at_key=exc.at_key) from None
