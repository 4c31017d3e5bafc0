"""aiortc is imported off the event loop: the first WebRTC offer of a server's life must
not stall every session for the 0.1-0.4 s that importing it takes."""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Iterator, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import anyio
import pytest

import transports
import transports.webrtc
from transports import rtc_peers


class _ImportWatcher(importlib.abc.MetaPathFinder):
    """Records the thread that imports ``name`` (it finds nothing itself)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.threads: list[threading.Thread] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname == self.name:
            self.threads.append(threading.current_thread())
        return None


@pytest.fixture
def webrtc_not_imported() -> Iterator[_ImportWatcher]:
    """``transports.webrtc`` as if never imported, for the test; the original module (whose
    classes other tests hold) is put back after."""
    name = "transports.webrtc"
    original = sys.modules.pop(name)
    watcher = _ImportWatcher(name)
    sys.meta_path.insert(0, watcher)
    rtc_peers._webrtc_imported = False
    try:
        yield watcher
    finally:
        sys.meta_path.remove(watcher)
        sys.modules[name] = original
        transports.webrtc = original  # type: ignore[attr-defined]
        rtc_peers._webrtc_imported = True


def test_the_first_offer_imports_aiortc_in_a_worker_thread(
    webrtc_not_imported: _ImportWatcher,
) -> None:
    async def main() -> None:
        async with anyio.create_task_group() as tasks:  # two first offers at once
            tasks.start_soon(rtc_peers.import_webrtc)
            tasks.start_soon(rtc_peers.import_webrtc)
        assert "transports.webrtc" in sys.modules
        await rtc_peers.import_webrtc()  # later calls do nothing

    anyio.run(main)
    assert webrtc_not_imported.threads, "the module was not imported"
    assert threading.main_thread() not in webrtc_not_imported.threads
