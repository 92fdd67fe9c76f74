"""A JobRun's attempts on a time axis: each attempt a bar in a lane (lanes as the worker slots
the attempts held: an attempt takes the first lane free when it starts), or, past what a page
can draw, the attempts counted by when they ended in equal slices of the JobRun's time. Pure:
attempts in, a timeline out.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

EndedAttempt = tuple[str, int, int, int, str]
"""(Run ID, attempt number, started, ended, outcome), as the store reads them."""
RunningAttempt = tuple[str, int, int]
"""(Run ID, attempt number, started): an attempt in flight."""


@dataclass(frozen=True)
class Bar:
    run_id: str
    attempt: int
    lane: int
    start: int
    end: int | None
    """None: still running."""
    outcome: str


@dataclass
class Slice:
    start: int
    end: int
    counts: dict[str, int] = field(default_factory=dict)
    """Attempts that ended in it by outcome (``running``: in flight now, in the last slice)."""


@dataclass(frozen=True)
class Timeline:
    start: int
    end: int
    attempts: int
    bars: list[Bar] | None = None
    slices: list[Slice] | None = None


def in_lanes(ended: Sequence[EndedAttempt], running: Sequence[RunningAttempt]) -> list[Bar]:
    """Every attempt in the first lane free when it starts (an attempt ending at the instant
    another starts frees its lane for it), in order of start."""
    spans: list[tuple[int, int | None, str, int, str]]
    spans = [(s, e, run, n, outcome) for run, n, s, e, outcome in ended]
    spans += [(s, None, run, n, "running") for run, n, s in running]
    spans.sort(key=lambda span: (span[0], span[2], span[3]))
    busy: list[tuple[float, int]] = []  # (end, lane) of lanes in use
    free: list[int] = []
    bars = []
    for start, end, run, number, outcome in spans:
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        lane = heapq.heappop(free) if free else len(busy) + len(free)
        heapq.heappush(busy, (float("inf") if end is None else end, lane))
        bars.append(Bar(run, number, lane, start, end, outcome))
    return bars


def sliced(
    counted: Iterable[tuple[int, str, int]],
    running: int,
    start: int,
    width: int,
    slices: int,
) -> list[Slice]:
    """``slices`` slices of ``width`` ms from ``start`` with the store's counts (slice,
    outcome, count); attempts in flight count in the last one."""
    made = [Slice(start + n * width, start + (n + 1) * width) for n in range(slices)]
    for index, outcome, count in counted:
        made[index].counts[outcome] = made[index].counts.get(outcome, 0) + count
    if running:
        made[-1].counts["running"] = running
    return made
