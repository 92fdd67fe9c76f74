"""Settings and servers for the whole test session."""

from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.support.postgres import PostgresServer, start_postgres

# Property tests check behaviour, never speed: a per-example deadline only measures how busy the
# machine is (CI shares two cores with builds and browsers). Speed lives in `make bench`.
settings.register_profile("jobctl", deadline=None)
settings.load_profile("jobctl")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on 127.0.0.1 (Debian's package), one per session: the store's
    contract tests and the replicas' take over from each other on it (a database each)."""
    server = start_postgres()
    yield server
    server.stop()
