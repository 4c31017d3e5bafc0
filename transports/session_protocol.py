"""The session protocol: a client's requests in, session calls and replies out.

:class:`SessionProtocol` is what a connection does with each message a client sends,
whatever carries it: :meth:`SessionProtocol.receive` parses one message with the codec of
:mod:`transports.protocol`, carries the request out on the
:class:`~streamcore.app.runtime.ClientSession`, and answers a refusal with an ``error`` reply
whose code comes from :func:`streamcore.errors.wire_error`. It does no I/O of its own:
replies go through the session's one ordered message channel (the transport's write loop
sends them), and a WebRTC offer goes to the ``open_rtc`` callback the transport gives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio.to_thread

from streamcore.app.runtime import ClientSession
from streamcore.engine.frames import Frame
from streamcore.errors import InvalidInputError, ProtocolError, StreamcoreError, wire_error
from streamcore.media.files import save_bytes_to_cache
from streamcore.media.sizes import file_too_large
from streamcore.media.upload_ledger import remove_uploads

from .protocol import (
    PROTOCOL_VERSION,
    Cancel,
    CloseStream,
    FrameData,
    Hello,
    OpenStream,
    Ping,
    Pong,
    Request,
    RtcOffer,
    ServerError,
    Submit,
    UpdateInputs,
    Upload,
    Uploaded,
    parse_request,
)

__all__ = ["OpenRtc", "SessionProtocol"]

OpenRtc = Callable[[RtcOffer], Awaitable[None]]
"""Opens the WebRTC stream an offer asks for (answering it); raises a
:class:`~streamcore.errors.StreamcoreError` to refuse it."""


class SessionProtocol:
    """Carries out one client's requests on its ``session`` (see the module docstring)."""

    def __init__(self, session: ClientSession, open_rtc: OpenRtc | None = None) -> None:
        self.session = session
        self._open_rtc = open_rtc

    async def receive(self, raw: str | bytes) -> None:
        """Handle one message as the client sent it; a malformed one gets an ``error``."""
        try:
            request = parse_request(raw)
        except ProtocolError as exc:
            await self._refuse(exc, exc.ref, exc.job)
            return
        await self.handle(request)

    async def handle(self, request: Request) -> None:
        """Carry out one request; a refusal becomes an ``error`` reply naming the problem."""
        try:
            await self._carry_out(request)
        except StreamcoreError as exc:
            await self._refuse(exc, getattr(request, "ref", None), getattr(request, "job", None))

    async def _refuse(self, exc: StreamcoreError, ref: str | None, job: str | None) -> None:
        if isinstance(exc, ProtocolError):  # it names its own ref and job
            ref, job = exc.ref or ref, exc.job or job
        code, message = wire_error(exc)
        await self.session.post(ServerError(code, message, ref, job))

    async def _carry_out(self, request: Request) -> None:
        session = self.session
        if isinstance(request, FrameData):
            session.send_frame(request.job, Frame(request.data, seq=request.seq or 0))
        elif isinstance(request, Submit):
            await session.submit(
                request.api_name, request.data, request.event_data, ref=request.ref
            )
        elif isinstance(request, OpenStream):
            await session.open_stream(request.api_name, request.data, ref=request.ref)
        elif isinstance(request, UpdateInputs):
            await session.update_inputs(request.job, request.data)
        elif isinstance(request, CloseStream):
            session.close_stream(request.job)
        elif isinstance(request, Cancel):
            session.cancel(request.job)
        elif isinstance(request, Upload):
            await self._store_upload(request)
        elif isinstance(request, RtcOffer):
            if self._open_rtc is None:
                raise InvalidInputError("this connection does not take WebRTC offers")
            await self._open_rtc(request)
        elif isinstance(request, Hello):
            if request.protocol != PROTOCOL_VERSION:
                raise ProtocolError(
                    "bad_message",
                    f"this server speaks protocol {PROTOCOL_VERSION}, not {request.protocol}",
                )
            session.binary_frames = request.binary_frames
        elif isinstance(request, Ping):
            await session.post(Pong(request.ref))

    async def _store_upload(self, upload: Upload) -> None:
        """Store an upload in the cache, owned by the session (deleted when it ends), and
        answer its path; one over the policy's ``max_file_size`` is refused with
        ``file_too_large``, one past a byte quota with ``upload_quota``, naming it and the
        limit."""
        runtime, owner = self.session.runtime, self.session.id
        policy = runtime.file_access
        limit = policy.max_file_size
        if limit is not None and len(upload.data) > limit:
            raise file_too_large(upload.name, limit, len(upload.data))
        runtime.uploads.admit(owner, len(upload.data), upload.name)
        try:
            path = await anyio.to_thread.run_sync(
                save_bytes_to_cache, upload.data, upload.name, policy
            )
        except OSError as exc:  # e.g. a name too long for the file system
            reason = exc.strerror or type(exc).__name__
            text = f"the upload {upload.name!r:.80} could not be stored: {reason}"
            raise InvalidInputError(text) from None
        expired = runtime.uploads.record(path, len(upload.data), owner, owned=True)
        if expired:
            await anyio.to_thread.run_sync(remove_uploads, expired)
        await self.session.post(Uploaded(upload.ref, str(path)))
