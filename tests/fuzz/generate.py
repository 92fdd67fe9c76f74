"""Generated job files for the fuzz tier: valid seeds, mutated the ways attackers and accidents
mutate them. Deterministic (seeded), so a failure names a file that can be made again."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator

SEEDS: tuple[dict[str, object], ...] = (
    {"payload": [{"apiName": "a"}]},
    {
        "payload": [{"apiName": "books/list", "parameters": {"page": 1, "q": "dune"}}],
        "configuration": {"maxConcurrentRequests": 4, "retry": {"maximumAttempts": 3}},
        "schedule": {"intervals": [{"every": "1h"}], "jitter": "5m"},
    },
    {
        "payload": [{"apiName": "a"}],
        "schedule": {"calendars": [{"hour": [3, 15], "dayOfWeek": "MON-FRI"}]},
        "sink": {"type": "webhook", "url": "https://example.com/hook"},
    },
)

ODD_TEXT = (
    "\\ud800",
    "\\udfff",
    "\\ud83d",
    "\\u0000",
    "\u202e",
    "\ufeff",
    "💥",
    "\x7f",
    "\t",
    "ä\u0308",
    "../../etc/passwd",
    "${HOME}",
    "%s%n",
)


def _json(document: object) -> str:
    return json.dumps(document, ensure_ascii=False)


def _odd_value(rng: random.Random) -> str:
    return '"' + "".join(rng.choice(ODD_TEXT) for _ in range(rng.randint(1, 4))) + '"'


def _surrogate_in_value(rng: random.Random, text: str) -> str:
    return text.replace('"a"', _odd_value(rng), 1)


def _surrogate_in_key(rng: random.Random, text: str) -> str:
    return text.replace('"payload"', f'"pay{rng.choice(ODD_TEXT)}load"', 1)


def _deep(rng: random.Random, text: str) -> str:
    depth = rng.choice((50, 199, 201, 500, 5_000))
    nested = "[" * depth + "1" + "]" * depth
    return text.replace('{"apiName"', '{"parameters": {"x": ' + nested + '}, "apiName"', 1)


def _huge_token(rng: random.Random, text: str) -> str:
    size = rng.choice((100_000, 1_000_000))
    kind = rng.randrange(4)
    if kind == 0:
        return text.replace('"a"', '"' + "a" * size + '"', 1)
    if kind == 1:
        return text[:-1] + ', "' + "k" * size + '": 1}'
    if kind == 2:
        return "// " + "c" * size + "\n" + text
    return text.replace('"a"', "1" * size, 1)


def _special_numbers(rng: random.Random, text: str) -> str:
    return text.replace('"a"', rng.choice(("NaN", "Infinity", "-Infinity", "1e999", "-0")), 1)


def _duplicate_key(rng: random.Random, text: str) -> str:
    return text[:-1] + ', "payload": []}'


def _truncated(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text))] if text else text


def _flipped(rng: random.Random, text: str) -> str:
    chars = list(text) or [" "]
    for _ in range(rng.randint(1, 5)):
        chars[rng.randrange(len(chars))] = rng.choice('{}[]":,\n\r\\/*\x00 ')
    return "".join(chars)


def _jsonc(rng: random.Random, text: str) -> str:
    return text.replace(",", ", /* c */", 1).replace("}", ",\n// trailing\n}", 1)


def _line_breaks(rng: random.Random, text: str) -> str:
    return text.replace(" ", rng.choice(("\n", "\r\n", "\r", "\u2028")), rng.randint(1, 3))


MUTATIONS: tuple[Callable[[random.Random, str], str], ...] = (
    _surrogate_in_value,
    _surrogate_in_key,
    _deep,
    _huge_token,
    _special_numbers,
    _duplicate_key,
    _truncated,
    _flipped,
    _jsonc,
    _line_breaks,
)


def job_files(count: int, seed: int = 23) -> Iterator[tuple[str, str]]:
    """``count`` (name, text) pairs; one in ten is a valid seed, the others mutated 1-3 times."""
    rng = random.Random(seed)
    for index in range(count):
        text = _json(rng.choice(SEEDS))
        if index % 10:
            for _ in range(rng.randint(1, 3)):
                text = rng.choice(MUTATIONS)(rng, text)
        yield f"fuzz-{index:04d}.job.jsonc", text
