"""Shared fixtures: async tests run on asyncio (aiortc and the transports need it), and
the pure core's tests, marked ``any_backend``, run on asyncio and on trio.

The pure engine (``streamcore``'s session, slots, operators, clock, scheduler, runtime)
uses anyio only, so it must work on every anyio backend; a module opts in with
``pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]`` and each of its async tests
runs once per backend (ids ``[asyncio]`` and ``[trio]``), as anyio's own tests do.
"""

from __future__ import annotations

import pytest

BACKENDS = ("asyncio", "trio")
"""The anyio backends the pure core is tested on."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        "anyio_backend" in metafunc.fixturenames
        and metafunc.definition.get_closest_marker("any_backend") is not None
    ):
        metafunc.parametrize("anyio_backend", BACKENDS)
