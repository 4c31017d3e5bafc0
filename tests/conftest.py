"""Shared fixtures: async tests run on asyncio (aiortc and the transports need it)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
