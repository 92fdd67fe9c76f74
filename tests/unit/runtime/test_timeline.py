"""A JobRun's attempts on a time axis: lanes as the worker slots they held, and counts in
slices past what a page draws."""

from __future__ import annotations

from controller.runtime.timeline import in_lanes, sliced


def test_an_attempt_takes_the_first_lane_free_when_it_starts() -> None:
    bars = in_lanes(
        [
            ("ru_a", 1, 0, 10, "failed"),
            ("ru_b", 1, 0, 5, "succeeded"),
            ("ru_c", 1, 5, 8, "succeeded"),  # starts as ru_b ends: ru_b's lane
            ("ru_a", 2, 12, 20, "succeeded"),  # every lane free again: the first
        ],
        [("ru_d", 1, 9)],  # in flight: lane 1, free since ru_c ended at 8
    )
    assert [(b.run_id, b.attempt, b.lane, b.outcome) for b in bars] == [
        ("ru_a", 1, 0, "failed"),
        ("ru_b", 1, 1, "succeeded"),
        ("ru_c", 1, 1, "succeeded"),
        ("ru_d", 1, 1, "running"),
        ("ru_a", 2, 0, "succeeded"),
    ]
    assert bars[3].end is None


def test_lanes_never_outnumber_the_attempts_running_at_once() -> None:
    attempts = [(f"ru_{n}", 1, n * 3, n * 3 + 7, "succeeded") for n in range(50)]
    lanes = {b.lane for b in in_lanes(attempts, [])}
    assert lanes == {0, 1, 2}  # at most three overlap (starts 3 apart, each 7 long)


def test_slices_hold_the_stores_counts_and_attempts_in_flight_count_last() -> None:
    made = sliced([(0, "succeeded", 4), (0, "failed", 1), (2, "succeeded", 2)], 3, 1000, 50, 3)
    assert [(s.start, s.end, s.counts) for s in made] == [
        (1000, 1050, {"succeeded": 4, "failed": 1}),
        (1050, 1100, {}),
        (1100, 1150, {"succeeded": 2, "running": 3}),
    ]
