"""Drive an app in process, without sockets: the model for tests (Starlette's TestClient).

:class:`AsyncTestClient` opens one client session on the app's runtime and offers the
network client's calls (``predict``, ``submit``, ``stream``) with client-side values;
:class:`TestClient` is the same for synchronous code (the app's event loop runs in a
background thread). Both share their logic with the network client
(:mod:`streamcore.client`); only the channel differs: here it calls the
:class:`~streamcore.app.runtime.ClientSession` directly.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from ..client import AsyncJob, BaseAsyncClient, FrameStream, Job, SyncClient, ValidationError
from ..engine.frames import Frame
from ..errors import StreamClosedError, UnknownJobError
from ..media.files import save_bytes_to_cache
from ..messages import Message
from .runtime import App, AppRuntime, ClientSession

__all__ = [
    "IN_PROCESS_OWNER",
    "AsyncJob",
    "AsyncTestClient",
    "FrameStream",
    "Job",
    "TestClient",
    "ValidationError",
]

_JOB_GONE = (UnknownJobError, StreamClosedError)
"""A request for a job that ended meanwhile: over the network the server answers it with
an error message the client ignores; in process it is ignored the same way."""


class _SessionChannel:
    """The :class:`~streamcore.client.Channel` that calls a session in process."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def submit(self, api_name: str | int, data: list[Any], event_data: Any) -> str:
        return await self.session.submit(api_name, data, event_data)

    async def open_stream(self, api_name: str | int, data: list[Any] | None) -> str:
        return await self.session.open_stream(api_name, data)

    async def send_frame(self, job: str, frame: Frame) -> None:
        with contextlib.suppress(*_JOB_GONE):
            self.session.send_frame(job, frame)

    async def update_inputs(self, job: str, data: list[Any]) -> None:
        with contextlib.suppress(*_JOB_GONE):
            await self.session.update_inputs(job, data)

    async def close_stream(self, job: str) -> None:
        with contextlib.suppress(*_JOB_GONE):
            self.session.close_stream(job)

    async def cancel(self, job: str) -> None:
        with contextlib.suppress(*_JOB_GONE):
            self.session.cancel(job)

    async def receive(self) -> Message:
        message: Message = await self.session.receive()
        return message

    async def upload(self, data: bytes, name: str) -> str:
        policy = self.session.runtime.file_access
        path = await anyio.to_thread.run_sync(save_bytes_to_cache, data, name, policy)
        return str(path)

    async def resolve_path(self, path: str) -> str:
        return path  # the server's files are local


IN_PROCESS_OWNER = "in-process"
"""Who owns the files the in-process clients' calls store: no one that ends."""


class AsyncTestClient(BaseAsyncClient):
    """An in-process client of ``blocks``, for ``async with``.

    ``runtime_options`` go to :class:`~streamcore.app.runtime.AppRuntime` (``clock``,
    ``idle_timeout``, ``max_threads``, ``file_access``, ``message_buffer``...).
    """

    def __init__(
        self,
        blocks: App,
        *,
        binary_frames: bool = False,
        download_dir: str | Path | None = None,
        **runtime_options: Any,
    ) -> None:
        super().__init__(download_dir=download_dir)
        self.blocks = blocks
        self.runtime = AppRuntime(blocks, **runtime_options)
        self.binary_frames = binary_frames
        self._session: ClientSession | None = None

    @property
    def session(self) -> ClientSession:
        """The client session under the client (for tests that speak to it directly)."""
        if self._session is None:
            raise RuntimeError("use the client inside `async with`")
        return self._session

    async def _connect(self, stack: contextlib.AsyncExitStack) -> None:
        self.config = {
            **self.blocks.get_config_file(),
            "limits": {"max_pixels": self.runtime.file_access.max_pixels},
        }
        self._session = await stack.enter_async_context(
            # an owner that never ends: the paths this client returns are the cache's own
            # files (nothing is downloaded), so they stay after it closes
            self.runtime.session(binary_frames=self.binary_frames, owner=IN_PROCESS_OWNER)
        )
        self.channel = _SessionChannel(self._session)


class TestClient(SyncClient):
    """An in-process client for synchronous code: ``with TestClient(demo) as client:``."""

    __test__ = False  # not a pytest test class

    def __init__(self, blocks: App, **options: Any) -> None:
        super().__init__(lambda: AsyncTestClient(blocks, **options), connect=False)
