"""The context pool's bookkeeping under concurrent attempts (Playwright's objects faked: only
the pool's own state is under test)."""

from __future__ import annotations

import asyncio
from typing import Any

from controller.worker.contexts import IDLE_S, ContextPool


class FakePage:
    async def close(self) -> None:
        await asyncio.sleep(0)


class FakeContext:
    def __init__(self) -> None:
        self.pages: list[FakePage] = []
        self.closed = False

    async def new_page(self) -> FakePage:
        await asyncio.sleep(0)
        page = FakePage()
        self.pages.append(page)
        return page

    async def close(self) -> None:
        await asyncio.sleep(0.01)  # closing takes a while: other attempts run meanwhile
        self.closed = True


class FakeBrowser:
    def is_connected(self) -> bool:
        return True


def request(job_run: str, attempt: str) -> dict[str, Any]:
    return {
        "job_run_id": job_run,
        "attempt_id": attempt,
        "attempt_number": 1,
        "isolation": "page",
        "trace": "off",
        "pages_per_context": 100,
    }


def test_attempts_starting_together_after_an_idle_spell_all_get_a_context() -> None:
    """Several attempts that find the same stale contexts close each once (the race made all
    but one fail with ``list.remove(x)``, and their Runs time out)."""
    now = [0.0]
    pool = ContextPool(FakeBrowser(), max_idle=4, clock=lambda: now[0])

    async def scenario() -> list[Any]:
        first = [request(f"jr_{n}", f"a{n}.1") for n in range(4)]
        leases = [await pool.acquire(r, _new_context) for r in first]
        for lease, r in zip(leases, first, strict=True):
            await pool.release(lease, r, trace=None, failed=False)  # type: ignore[arg-type]
        now[0] += IDLE_S + 5
        again = [request(f"jr_{n}", f"b{n}.1") for n in range(4, 8)]
        return await asyncio.gather(*(pool.acquire(r, _new_context) for r in again))

    leases = asyncio.run(scenario())
    assert len(leases) == 4 and all(lease.page is not None for lease in leases)


async def _new_context() -> FakeContext:
    await asyncio.sleep(0)
    return FakeContext()
