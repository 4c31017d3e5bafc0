"""Gradio's HTTP API routes under ``/gradio_api``, on the app's one runtime and queue.

- ``GET /gradio_api/info``: the public events, their parameters (each with an
  ``example_input``) and returns (:func:`streamcore.client.endpoints.api_info`, with what
  ``gradio_client`` reads besides);
- ``POST /gradio_api/queue/join``: a call, checked at once (its event, the number of its
  values) and answered with its ``event_id``; it waits for its session's stream;
- ``GET /gradio_api/queue/data?session_hash=...``: the session's server-sent events
  (:mod:`transports.gradio_messages`): its calls run on one runtime
  :class:`~streamcore.app.runtime.ClientSession` for as long as the stream is open, and
  are cancelled if the client goes away; ``close_stream`` ends it once every call completed;
- ``POST /gradio_api/cancel``: cancel a call (``event_id``, ``session_hash``), waiting or
  running (a running generator is closed);
- ``GET /gradio_api/heartbeat/{session_hash}``: a server-sent stream the clients hold open
  for as long as they live; it keeps their session (``State`` values, uploads) alive;
- ``POST /gradio_api/call/{api_name}`` with ``{"data": [...]}`` and ``GET
  /gradio_api/call/{api_name}/{event_id}``: the same calls for curl, each with its own
  event stream in the simple form (:func:`~transports.gradio_messages.call_event`);
- ``POST /gradio_api/reset``: ``{"success": true}`` and nothing else, as Gradio 6 answers
  it (``/cancel`` did the work; ``@gradio/client``'s ``cancel()`` posts it after ``/cancel``);
- ``GET /gradio_api/file=<path>``: what ``/file=<path>`` serves.

A session (a ``session_hash``, or the ``session_hash`` a ``/call`` names) lives while it
has a heartbeat or an event stream open or calls waiting, and ``grace`` seconds more; then
its ``State`` values are dropped and the uploads only it used are deleted
(:class:`~streamcore.media.upload_ledger.UploadLedger`). Sessions past their grace are
ended by the next call, stream or heartbeat tick of any client (no timer task per session),
and all at once when the server stops. Refusals are JSON
``{"detail": "..."}`` with a 4xx status naming the problem.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from streamcore.app.observer import SessionObserver
from streamcore.app.runtime import AppRuntime, ClientSession
from streamcore.client.endpoints import api_info
from streamcore.components.state import State
from streamcore.errors import StreamcoreError
from streamcore.events import Dependency
from streamcore.media.files import FileAccess

from .client_request import client_request
from .gradio_messages import API_PREFIX, EventTranslator, call_event, sse_event
from .http import file_response
from .sse_sessions import HttpSession, HttpSessions, Join, TooManyCallsError
from .stopping import StopSignal

__all__ = [
    "DEFAULT_SESSION_GRACE",
    "EXAMPLE_IMAGE",
    "HEARTBEAT_SECONDS",
    "example_input",
    "gradio_info",
    "gradio_routes",
]

HEARTBEAT_SECONDS = 15.0
"""An idle event stream, and a heartbeat stream, get a message this often."""

DEFAULT_SESSION_GRACE = 60.0
"""Seconds a session lives on after its last stream closed (a client may reconnect)."""

_EVENT_STREAM_HEADERS = (
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
)

_Framing = Callable[[dict[str, Any]], "bytes | None"]
"""How an event stream writes one Gradio message (``None``: left out)."""

_MAX_JOIN_BYTES = 64 * 1024 * 1024
"""The largest ``queue/join`` body read (values are small; files come by upload)."""


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


EXAMPLE_IMAGE = "static/api-example.png"
"""The sample picture (48×64, served with the page) that image parameters' examples name,
relative to the app's root."""

_EXAMPLE_TEXT = "Hello!!"


def gradio_info(config: dict[str, Any], root: str = "") -> dict[str, Any]:
    """``/gradio_api/info``: :func:`~streamcore.client.endpoints.api_info` with each
    endpoint's ``api_visibility``, each parameter's ``parameter_default`` and
    ``example_input`` (see :func:`example_input`; ``root`` is the app's root URL, ending
    in ``/``), and without ``State`` parameters and returns (Gradio's clients fill those in
    and drop them)."""
    info = api_info(config)
    components = {c["id"]: c for c in config.get("components", [])}
    inputs = {
        "/" + d["api_name"]: [components[i] for i in d["inputs"] if i in components]
        for d in config.get("dependencies", [])
    }
    for name, endpoint in info["named_endpoints"].items():
        endpoint["api_visibility"] = "public"
        described = [c for c in inputs.get(name, []) if c["type"] != "state"]
        for key in ("parameters", "returns"):  # a State is the server's, never the client's
            endpoint[key] = [p for p in endpoint[key] if p["component"] != "State"]
        for parameter, component in zip(endpoint["parameters"], described, strict=True):
            parameter.setdefault("parameter_default", None)
            parameter["example_input"] = example_input(component, root)
    return info


def example_input(component: dict[str, Any], root: str) -> Any:
    """A value that ``component`` (a ``/config`` component) accepts as a call's input, for
    the snippets of the page's API view: an image is a FileData dict naming the sample
    picture :data:`EXAMPLE_IMAGE` under ``root``; a number or slider its own value, else one
    within its bounds; a text ``"Hello!!"``; anything else its own value."""
    kind = component["type"]
    props: dict[str, Any] = component.get("props", {})
    value = props.get("value")
    if kind == "image":
        url = root + EXAMPLE_IMAGE
        return {
            "path": url,
            "url": url,
            "orig_name": EXAMPLE_IMAGE.rsplit("/", 1)[-1],
            "meta": {"_type": "gradio.FileData"},
        }
    if kind in ("number", "slider"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        low, high = props.get("minimum"), props.get("maximum")
        number = 3 if low is None else low
        return number if high is None else min(number, high)
    if kind in ("textbox", "markdown"):
        return value or _EXAMPLE_TEXT
    return value


def gradio_routes(
    runtime: AppRuntime,
    describe: Callable[[], dict[str, Any]],
    files: FileAccess,
    *,
    stopping: StopSignal,
    heartbeat: float = HEARTBEAT_SECONDS,
    grace: float = DEFAULT_SESSION_GRACE,
    observe: Callable[[], SessionObserver] | None = None,
) -> list[BaseRoute]:
    """The routes of the module docstring; ``describe()`` gives ``/config``'s dict. Heartbeat
    streams end when ``stopping`` is set; a session lives ``grace`` seconds past its last
    stream. With ``observe``, each event stream's runtime session is watched by the
    observer it returns (the server's metrics)."""
    sessions = HttpSessions(grace=grace, max_open=runtime.max_jobs_per_session)

    async def sweep() -> None:
        """End the sessions idle past their grace; delete the uploads only they used."""
        for owner in sessions.sweep():
            await runtime.forget_uploads(owner)

    async def closed(owner: str) -> None:
        sessions.let_go(owner)
        await sweep()

    def stream(request: Request, session: HttpSession, framing: _Framing, diffs: bool) -> Response:
        file_root = f"{str(request.base_url).rstrip('/')}{API_PREFIX}/file="
        translator = EventTranslator(file_root, diffs=diffs)
        sessions.hold(session.owner)
        observer = observe() if observe is not None else None
        return EventStream(
            runtime, sessions, session, translator, framing, heartbeat, closed, observer=observer
        )

    async def info(request: Request) -> Response:
        return JSONResponse(gradio_info(describe(), str(request.base_url)))

    async def accept(session_hash: str, call: Join, owner: str | None = None) -> Response | None:
        """Queue ``call`` for ``session_hash``'s stream; a refusal's response, or ``None``."""
        try:
            refused = await _validator_refusals(runtime, call)
            if refused is not None:  # Gradio's answer, which gradio_client raises
                return JSONResponse({"detail": refused}, 422)
            sessions.join(session_hash, call, owner)
        except TooManyCallsError as exc:
            return JSONResponse({"detail": str(exc)}, 429)
        runtime.uploads.claim(owner or session_hash, _file_paths(call.data))
        return None

    async def join(request: Request) -> Response:
        await sweep()
        try:
            session_hash, call = _parse_join(runtime, await _json_object(request))
        except _Refused as refused:
            return JSONResponse({"detail": refused.detail}, refused.status)
        call = dataclasses.replace(call, request=client_request(request, session_hash))
        refusal = await accept(session_hash, call)
        return refusal or JSONResponse({"event_id": call.event_id})

    async def data(request: Request) -> Response:
        session_hash = request.query_params.get("session_hash", "")
        session = sessions.claim(session_hash)
        if session is None:
            detail = (
                f"session_hash {session_hash!r:.80} has no call waiting for its stream: "
                "POST /gradio_api/queue/join first (or its stream is already open)"
            )
            return JSONResponse({"detail": detail}, 404)
        return stream(request, session, sse_event, diffs=True)

    async def call(request: Request) -> Response:
        await sweep()
        api_name = request.path_params["api_name"]
        try:
            body = await _json_object(request)
            owner = body.get("session_hash")
            if owner is not None and not _is_session_hash(owner):
                raise _Refused(400, "'session_hash' must be a string of 1 to 200 characters")
            dependency = runtime.blocks.dependencies[_index_of_api_name(runtime, api_name)]
            data = _with_state_slots(dependency, body.get("data"))
            _, join_call = _parse_join(
                runtime,
                {**body, "data": data, "fn_index": dependency.id, "session_hash": "call"},
            )
        except _Refused as refused:
            return JSONResponse({"detail": refused.detail}, refused.status)
        session_hash = owner or join_call.event_id
        join_call = dataclasses.replace(join_call, request=client_request(request, session_hash))
        refusal = await accept(join_call.event_id, join_call, session_hash)
        return refusal or JSONResponse({"event_id": join_call.event_id})

    async def call_result(request: Request) -> Response:
        event_id = request.path_params["event_id"]
        session = sessions.claim(event_id)
        if session is None:
            detail = (
                f"no call {event_id!r:.80} is waiting for its stream: POST "
                f"{API_PREFIX}/call/<api_name> first (each result can be read once)"
            )
            return JSONResponse({"detail": detail}, 404)
        return stream(request, session, call_event, diffs=False)

    async def alive(request: Request) -> Response:
        session_hash = request.path_params["session_hash"]
        if not _is_session_hash(session_hash):
            detail = "the session_hash must be a string of 1 to 200 characters"
            return JSONResponse({"detail": detail}, 400)
        sessions.hold(session_hash)
        await sweep()
        return HeartbeatStream(session_hash, heartbeat, stopping, closed, sweep)

    async def cancel(request: Request) -> Response:
        try:
            body = await _json_object(request)
        except _Refused as refused:
            return JSONResponse({"detail": refused.detail}, refused.status)
        event_id, session_hash = body.get("event_id"), body.get("session_hash")
        session = sessions.get(session_hash) if isinstance(session_hash, str) else None
        if session is None or not isinstance(event_id, str) or not session.cancel(event_id):
            detail = f"no call {event_id!r:.80} of session {session_hash!r:.80} is open"
            return JSONResponse({"detail": detail}, 404)
        return JSONResponse({"success": True})

    async def reset(request: Request) -> Response:
        return JSONResponse({"success": True})

    async def file(request: Request) -> Response:
        return await file_response(request.path_params["path"], files)

    return [
        Route(f"{API_PREFIX}/info", info),
        Route(f"{API_PREFIX}/queue/join", join, methods=["POST"]),
        Route(f"{API_PREFIX}/queue/data", data),
        Route(f"{API_PREFIX}/cancel", cancel, methods=["POST"]),
        Route(API_PREFIX + "/heartbeat/{session_hash}", alive),
        Route(API_PREFIX + "/call/{api_name}", call, methods=["POST"]),
        Route(API_PREFIX + "/call/{api_name}/{event_id}", call_result),
        Route(f"{API_PREFIX}/reset", reset, methods=["POST"]),
        Route(API_PREFIX + "/file={path:path}", file),
    ]


def _is_session_hash(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 200


def _file_paths(value: Any) -> Iterator[str]:
    """The ``path`` of every FileData-like dict in a call's values (uploads it may use)."""
    if isinstance(value, list):
        for item in value:
            yield from _file_paths(item)
    elif isinstance(value, dict):
        path = value.get("path")
        if isinstance(path, str):
            yield path
        for item in value.values():
            if isinstance(item, (list, dict)):
                yield from _file_paths(item)


def _with_state_slots(dependency: Dependency, data: Any) -> Any:
    """``data`` as ``/gradio_api/info`` lists the inputs (no ``State``: it is the server's),
    with a ``None`` put in for each ``State`` input, as Gradio's clients do; other ``data``
    unchanged (checked later)."""
    states = [isinstance(component, State) for component in dependency.inputs]
    if not isinstance(data, list) or not any(states) or len(data) != states.count(False):
        return data
    given = iter(data)
    return [None if state else next(given) for state in states]


def _index_of_api_name(runtime: AppRuntime, api_name: str) -> int:
    """The place of the public event called ``api_name`` (with or without its ``/``)."""
    name = api_name.lstrip("/")
    for index, dependency in enumerate(runtime.blocks.dependencies):
        if dependency.api_name == name and dependency.fn is not None:
            if dependency.api_visibility == "private":
                raise _Refused(404, f"the event {name!r:.80} is private")
            return index
    raise _Refused(404, f"there is no event with api_name {name!r:.80}")


async def _json_object(request: Request) -> dict[str, Any]:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_JOIN_BYTES:
            raise _Refused(413, f"the request body is over {_MAX_JOIN_BYTES} bytes")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Refused(400, f"the request body is not JSON: {exc}") from None
    except RecursionError:
        raise _Refused(400, "the request body nests arrays or objects too deeply") from None
    if not isinstance(value, dict):
        raise _Refused(400, f"the request body must be a JSON object, not {type(value).__name__}")
    return value


def _parse_join(runtime: AppRuntime, body: dict[str, Any]) -> tuple[str, Join]:
    """The session hash and the call ``body`` asks for; :class:`_Refused` names a fault."""
    data, fn_index, session_hash = body.get("data"), body.get("fn_index"), body.get("session_hash")
    if not _is_session_hash(session_hash):
        raise _Refused(400, "'session_hash' must be a string of 1 to 200 characters")
    if not isinstance(fn_index, int) or isinstance(fn_index, bool):
        raise _Refused(400, f"'fn_index' must be an integer, not {fn_index!r:.40}")
    if not isinstance(data, list):
        raise _Refused(400, "'data' must be a list with one value per input")
    index, dependency = _callable_dependency(runtime, fn_index)
    scheduler = runtime.scheduler
    if scheduler.max_size is not None and scheduler.queue_size >= scheduler.max_size:
        raise _Refused(503, f"the queue is full ({scheduler.max_size} calls wait): try later")
    if len(data) != len(dependency.inputs):
        raise _Refused(
            400,
            f"{dependency.api_name!r} takes {len(dependency.inputs)} input value(s), "
            f"got {len(data)}",
        )
    event = Join(uuid.uuid4().hex, index, data, body.get("event_data"))
    assert isinstance(session_hash, str)
    return session_hash, event


async def _validator_refusals(runtime: AppRuntime, call: Join) -> list[dict[str, Any]] | None:
    """The validator's refusals in Gradio's ``422`` shape, or ``None``. Inputs the
    components refuse are not judged here: the call reports them when it runs."""
    try:
        refused = await runtime.refusals(runtime.blocks.dependencies[call.index], call.data)
    except Exception:
        return None
    if refused is None:
        return None
    return [{"__type__": "validate", **verdict} for verdict in refused]


def _callable_dependency(runtime: AppRuntime, fn_index: int) -> tuple[int, Dependency]:
    """The event whose ``id`` (``/config``'s) is ``fn_index``, and its place in the app."""
    for index, dependency in enumerate(runtime.blocks.dependencies):
        if dependency.id == fn_index:
            if dependency.api_visibility == "private" and dependency.fn is not None:
                raise _Refused(404, f"the event {dependency.api_name!r} is private")
            return index, dependency
    raise _Refused(404, f"there is no event with fn_index {fn_index}")


class EventStream(Response):
    """The ``queue/data`` response: runs ``session``'s calls and streams their events.

    The calls run on a runtime session opened for the response; when the client goes
    away, it ends and its jobs are cancelled. When every call has completed it sends
    ``close_stream`` and ends; idle, it sends a ``heartbeat`` every ``heartbeat`` seconds.
    """

    def __init__(
        self,
        runtime: AppRuntime,
        sessions: HttpSessions,
        session: HttpSession,
        translator: EventTranslator,
        framing: _Framing,
        heartbeat: float,
        on_close: Callable[[str], Awaitable[None]],
        *,
        observer: SessionObserver | None = None,
    ) -> None:
        # no super().__init__(): it would announce an empty body (content-length: 0)
        self.status_code = 200
        self.background = None
        self.raw_headers = list(_EVENT_STREAM_HEADERS)
        self._runtime = runtime
        self._sessions = sessions
        self._session = session
        self._translator = translator
        self._framing = framing
        self._heartbeat = heartbeat
        self._on_close = on_close
        self._observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        try:
            values = self._sessions.values_of(self._session.owner)
            async with (
                self._runtime.session(
                    values=values, owner=self._session.owner, observer=self._observer
                ) as client,
                anyio.create_task_group() as tasks,
            ):
                self._session.cancel_running = partial(self._cancel, client)
                tasks.start_soon(self._submit_joins, client)
                tasks.start_soon(_cancel_on_disconnect, receive, tasks.cancel_scope)
                async for chunk in self._events(client):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                tasks.cancel_scope.cancel()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:  # the client went away while we wrote
            pass
        finally:
            self._sessions.end(self._session)
            await self._on_close(self._session.owner)

    def _cancel(self, client: ClientSession, event_id: str) -> None:
        job = self._translator.job_of(event_id)
        if job is not None and client.has_job(job):
            client.cancel(job)

    async def _submit_joins(self, client: ClientSession) -> None:
        while (call := await self._session.next_join()) is not None:
            if call.event_id in self._session.cancelled:
                await client.post(_stopped(call.event_id, "the call was cancelled", "Cancelled"))
                continue
            try:
                await client.submit(
                    call.index,
                    call.data,
                    call.event_data,
                    ref=call.event_id,
                    trigger_mode="multiple",
                    request=call.request,
                )
            except StreamcoreError as exc:  # e.g. a value refused before the job started
                await client.post(_stopped(call.event_id, str(exc), "Bad input"))

    async def _events(self, client: ClientSession) -> AsyncIterator[bytes]:
        while True:
            message = None
            with anyio.move_on_after(self._heartbeat):
                message = await client.receive()
            payload: dict[str, Any] | None = (
                {"msg": "heartbeat"}
                if message is None
                else message.payload
                if isinstance(message, _Refusal)
                else self._translator.translate(message)
            )
            chunk = None if payload is None else self._framing(payload)
            if chunk is not None:
                yield chunk
            if payload is not None and payload["msg"] == "process_completed":
                self._session.open_events.discard(payload["event_id"])
                if self._sessions.end_if_idle(self._session):
                    closing = self._framing({"msg": "close_stream", "event_id": None})
                    if closing is not None:
                        yield closing
                    return


class HeartbeatStream(Response):
    """``/heartbeat/{session_hash}``: keeps a session alive while the client holds it open.

    Sends ``data: ALIVE`` at once and every ``interval`` seconds (so that proxies and the
    client see it live; each time it calls ``on_tick``, which ends the sessions idle past
    their grace) until the client goes away or ``stopping`` is set; then hands the session
    to ``on_close`` (the caller has already counted it as held).
    """

    def __init__(
        self,
        session_hash: str,
        interval: float,
        stopping: StopSignal,
        on_close: Callable[[str], Awaitable[None]],
        on_tick: Callable[[], Awaitable[None]],
    ) -> None:
        self.status_code = 200
        self.background = None
        self.raw_headers = list(_EVENT_STREAM_HEADERS)
        self._session_hash = session_hash
        self._interval = interval
        self._stopping = stopping
        self._on_close = on_close
        self._on_tick = on_tick

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_cancel_on_disconnect, receive, tasks.cancel_scope)
                while True:
                    await send({"type": "http.response.body", "body": _ALIVE, "more_body": True})
                    if await self._stopping.sleep(self._interval):
                        break
                    await self._on_tick()
                tasks.cancel_scope.cancel()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:  # the client went away while we wrote
            pass
        finally:
            await self._on_close(self._session_hash)


_ALIVE = b"data: ALIVE\n\n"


class _Refusal:
    """A call refused before it became a job, posted among the session's messages."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload


def _stopped(event_id: str, reason: str, title: str) -> _Refusal:
    output = {"error": reason, "title": title, "duration": 10, "visible": True}
    return _Refusal(
        {"msg": "process_completed", "event_id": event_id, "success": False, "output": output}
    )


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    """Cancel ``scope`` once the client has gone away."""
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()
