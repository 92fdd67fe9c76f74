"""A replica's wait for the lead and its keeping of it (``store.leadership``), for ``jobctl run``
and ``jobctl operator`` on a shared store.

A standby tries every ``RENEW_MS`` and starts its runtime only once it holds the lead. The active
replica renews every ``RENEW_MS``; when another holds the lead, or no renewal has succeeded for
``LEASE_MS - RENEW_MS`` (the database unreachable: a standby may take over at ``LEASE_MS``), it
stops its runtime: the passes it may still be in the middle of are fenced by the database anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from ..store.leadership import LEASE_MS, RENEW_MS, Leadership, LeadershipLost, Lease


async def wait_for_lead(lead: Leadership, say: Callable[[str], None], stop: asyncio.Event) -> bool:
    """Hold the lead (True), or be told to stop first (False)."""
    told: str | None = None
    while True:
        try:
            holder = await asyncio.to_thread(lead.try_take)
        except Exception:  # the row locked by a holder that stalled, the store unreachable
            holder = Lease("(a replica that does not answer)", None, None, 0, 0)
        if holder is None:
            if told is not None:  # a replica that never waited has nothing to say
                say(f"this replica is active now ({lead.me.identity}, epoch {lead.epoch})")
            return True
        if told != holder.holder:
            say(f"standby: {holder.holder} is active; taking over when it stops renewing")
            told = holder.holder
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RENEW_MS / 1000)
        if stop.is_set():
            return False


async def keep_lead(
    lead: Leadership,
    lost: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Renew until cancelled; call ``lost`` with why (and return) when the lead is gone."""
    renewed = clock()
    while True:
        await asyncio.sleep(RENEW_MS / 1000)
        try:
            await asyncio.to_thread(lead.renew)
        except LeadershipLost as exc:
            lost(str(exc))
            return
        except Exception as exc:  # the database unreachable: keep trying, within the lease
            if (clock() - renewed) * 1000 + RENEW_MS < LEASE_MS:
                continue
            lost(f"the store has not answered for {clock() - renewed:.1f}s ({exc}); stepping down")
            return
        renewed = clock()
