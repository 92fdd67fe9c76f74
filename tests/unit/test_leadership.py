"""Who may hold the lead, from the lease as read (pure: the database's clock is an argument)."""

from __future__ import annotations

import pytest

from controller.store.leadership import LEASE_MS, Holder, Lease, takes_over

ME = Holder("me", "host-a", 10)


@pytest.mark.parametrize(
    ("lease", "alive", "expected"),
    [
        (None, False, True),
        (Lease(None, "host-b", 7, 3, 1_000), True, True),  # released
        (Lease("me", "host-a", 10, 3, 1_000), True, True),  # mine: renewed
        (Lease("other", "host-b", 7, 3, 1_000 - LEASE_MS), True, False),  # just in time
        (Lease("other", "host-b", 7, 3, 999 - LEASE_MS), True, True),  # lapsed
        (Lease("other", "host-a", 7, 3, 1_000), False, True),  # its process here is gone
        (Lease("other", "host-a", 7, 3, 1_000), True, False),  # its process here runs
        (Lease("other", "host-b", 7, 3, 1_000), False, False),  # another host: its lease
    ],
    ids=["none", "released", "mine", "fresh", "lapsed", "dead-here", "alive-here", "elsewhere"],
)
def test_the_lead_is_taken_only_from_nobody_a_lapsed_lease_or_a_dead_process_here(
    lease: Lease | None, alive: bool, expected: bool
) -> None:
    assert takes_over(lease, ME, 1_000, alive) is expected
