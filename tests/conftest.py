"""Shared fixtures: async tests run on asyncio (aiortc and the transports need it), and
the pure core's tests, marked ``any_backend``, run on asyncio and on trio; the browser
tests get one headless Chromium per module (``browser``).

The pure engine (``streamcore``'s session, slots, operators, clock, scheduler, runtime)
uses anyio only, so it must work on every anyio backend; a module opts in with
``pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]`` and each of its async tests
runs once per backend (ids ``[asyncio]`` and ``[trio]``), as anyio's own tests do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium with the fake camera (``browser_support.launch_chromium``),
    shared by the tests of one module. Imported here on first use, so that the tests that
    need no browser collect without Playwright."""
    from browser_support import launch_chromium, sync_api

    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
