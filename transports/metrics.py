"""``GET /metrics``: a server's figures in Prometheus's text format (``docs/metrics.md``).

:class:`ServerMetrics` holds one server's metrics in a registry of its own (never
``prometheus_client``'s global one), so several servers in one process keep apart. Its
figures come from the message flow at the session boundary: each transport opens its runtime
sessions with an observer from :meth:`ServerMetrics.observer`, which counts what the session
is offered (frames) and what it posts (starts, outputs, frame errors, completions and a
stream's final statistics). The runtime holds no metrics code.

Read at scrape time: the queue of each concurrency group (a collector over the runtime's
scheduler). Sampled: the event loop's lag, by a task that sleeps :data:`LAG_INTERVAL`
seconds and records how much later than asked it woke up; and, by the same task and at
scrape time, the kernel's receive queues and drops of the process's UDP (media) sockets
(:mod:`transports.udp_health`); and the process's malloc trims (:mod:`transports.memory`).

With ``PROMETHEUS_MULTIPROC_DIR`` set (``streamcore serve --workers N`` sets it), values go
to files in that directory and ``/metrics`` sums them over the worker processes, whichever
worker answers; the queue gauges are then written by each worker's sampler (a collector
cannot be summed over processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from streamcore.app.runtime import AppRuntime
from streamcore.messages import Completed, FrameError, Message, Output, Started

from .memory import trim_statistics
from .udp_health import DropCounter, read_udp_sockets

__all__ = [
    "FORWARD_BUCKETS",
    "LAG_INTERVAL",
    "LATENCY_BUCKETS",
    "METRICS_PATH",
    "MULTIPROC_ENV",
    "TRANSPORTS",
    "UDP_QUEUE_BUCKETS",
    "ServerMetrics",
]

METRICS_PATH = "/metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""Where worker processes write their values (prometheus_client's multiprocess mode)."""
TRANSPORTS = ("websocket", "webrtc", "gradio_api")
"""The values of the ``transport`` label."""
LAG_INTERVAL = 0.5
"""Seconds between two samples of the event loop's lag."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds (seconds) of the frame-latency histogram's buckets."""
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
"""Upper bounds (seconds) of the loop-lag histogram's buckets."""
UDP_QUEUE_BUCKETS = (0.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0)
"""Upper bounds (bytes) of the UDP receive-queue histogram's buckets."""
FORWARD_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
"""Upper bounds (seconds) of the forward-delay histogram's buckets."""

_EVENT = ("api_name", "transport")


class ServerMetrics:
    """One server's metrics (see ``docs/metrics.md`` for each of them).

    ``runtime`` is the server's; its scheduler's queues are read at scrape time. The
    multiprocess mode is on when ``PROMETHEUS_MULTIPROC_DIR`` is set as this is made.
    """

    def __init__(self, runtime: AppRuntime) -> None:
        self.runtime = runtime
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV) or None
        """The multiprocess mode's directory, or ``None`` for one process."""
        registry = self.registry = CollectorRegistry()
        """This server's registry (what ``/metrics`` shows in one process)."""
        self.frames_received = Counter(
            "streamcore_frames_received",
            "Frames clients offered to streams.",
            _EVENT,
            registry=registry,
        )
        self.frames_processed = Counter(
            "streamcore_frames_processed",
            "Stream frames the fn processed.",
            _EVENT,
            registry=registry,
        )
        self.frames_dropped = Counter(
            "streamcore_frames_dropped",
            "Stream frames not processed or whose result was not sent, by reason.",
            (*_EVENT, "reason"),
            registry=registry,
        )
        self.errors = Counter(
            "streamcore_errors",
            "Refused stream frames (kind=frame) and calls or streams that ended in error "
            "(kind=call).",
            (*_EVENT, "kind"),
            registry=registry,
        )
        self.outputs = Counter(
            "streamcore_outputs",
            "Outputs posted to clients (stream results and generator yields).",
            _EVENT,
            registry=registry,
        )
        self.latency = Histogram(
            "streamcore_frame_latency_seconds",
            "From a stream frame's arrival to its output being ready.",
            _EVENT,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.forward_delay = Histogram(
            "streamcore_forward_delay_seconds",
            "From a stream frame's arrival to the fn starting on it (slot and fn-turn wait).",
            _EVENT,
            buckets=FORWARD_BUCKETS,
            registry=registry,
        )
        self.calls_started = Counter(
            "streamcore_calls_started",
            "Calls and streams that left the queue and ran.",
            _EVENT,
            registry=registry,
        )
        self.calls_completed = Counter(
            "streamcore_calls_completed",
            "Calls and streams that ended, by completion reason.",
            (*_EVENT, "reason"),
            registry=registry,
        )
        self.active_sessions = Gauge(
            "streamcore_active_sessions",
            "Client sessions open now (WebSocket connections, Gradio API event streams).",
            ("transport",),
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.active_streams = Gauge(
            "streamcore_active_streams",
            "Streams running now (started, not completed).",
            _EVENT,
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.loop_lag = Gauge(
            "streamcore_event_loop_lag_seconds",
            f"How late the event loop ran a timer, last sample (every {LAG_INTERVAL} s).",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.loop_lag_samples = Histogram(
            "streamcore_event_loop_lag_samples_seconds",
            "Every sample of the event loop's lag.",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.udp_sockets = Gauge(
            "streamcore_udp_sockets",
            "UDP sockets (WebRTC media) the process has open.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.udp_receive_queue = Gauge(
            "streamcore_udp_receive_queue_bytes",
            "Bytes waiting in the kernel's receive buffers of the process's UDP sockets.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.udp_receive_queue_max = Gauge(
            "streamcore_udp_receive_queue_max_bytes",
            "The fullest of those receive buffers.",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.udp_receive_queue_samples = Histogram(
            "streamcore_udp_receive_queue_samples_bytes",
            "Every sample of the bytes waiting in the UDP receive buffers.",
            buckets=UDP_QUEUE_BUCKETS,
            registry=registry,
        )
        self.udp_drops = Counter(
            "streamcore_udp_drops",
            "Datagrams the kernel dropped on the process's UDP sockets (receive buffer full).",
            registry=registry,
        )
        self._udp_drop_counter = DropCounter()
        self.malloc_trims = Counter(
            "streamcore_malloc_trims",
            "malloc_trim(0) calls of the process's malloc policy (transports.memory).",
            registry=registry,
        )
        self.malloc_trimmed = Counter(
            "streamcore_malloc_trimmed_bytes",
            "Resident bytes those trims gave back to the OS.",
            registry=registry,
        )
        self._trims_seen = trim_statistics()
        self._queue = _QueueCollector(runtime)
        self._queue_gauges: tuple[Gauge, Gauge] | None = None
        if self.multiprocess_dir is None:
            registry.register(self._queue)
            # the process's CPU, memory and descriptors (process_cpu_seconds_total...):
            # what `streamcore bench` reads of a running server
            ProcessCollector(registry=registry)
        else:
            self._queue_gauges = (
                Gauge(
                    "streamcore_queue_waiting",
                    _QueueCollector.WAITING,
                    ("group",),
                    multiprocess_mode="livesum",
                    registry=registry,
                ),
                Gauge(
                    "streamcore_queue_running",
                    _QueueCollector.RUNNING,
                    ("group",),
                    multiprocess_mode="livesum",
                    registry=registry,
                ),
            )
        self._events: dict[tuple[str, str], _EventMetrics] = {}
        self._sampler: asyncio.Task[None] | None = None

    # -- the session boundary --------------------------------------------------------------

    def observer(self, transport: str) -> _SessionMetrics:
        """An observer for one new runtime session of ``transport`` (one of
        :data:`TRANSPORTS`; a WebRTC stream of a WebSocket session counts as ``webrtc``).
        Counts the session as active until the runtime tells it the session closed. Starts
        the loop-lag sampler on the running loop if it is not running."""
        self.start_sampler()
        return _SessionMetrics(self, transport)

    def event(self, api_name: str, transport: str) -> _EventMetrics:
        """The metrics of one event on one transport (made once, then reused)."""
        key = (api_name, transport)
        found = self._events.get(key)
        if found is None:
            found = self._events[key] = _EventMetrics.of(self, api_name, transport)
        return found

    # -- scrape ---------------------------------------------------------------------------

    def exposition(self) -> bytes:
        """The text ``/metrics`` answers: this server's registry, or in the multiprocess mode
        every worker's values summed (after writing this process's queue gauges)."""
        self.refresh_udp()
        self.refresh_malloc()
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        self.refresh_queue_gauges()
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(merged)

    async def endpoint(self, request: Request) -> Response:
        """The ``GET /metrics`` route."""
        self.start_sampler()
        return Response(self.exposition(), media_type=CONTENT_TYPE_LATEST)

    def refresh_queue_gauges(self) -> None:
        """In the multiprocess mode, copy the scheduler's queues into the gauges."""
        if self._queue_gauges is None:
            return
        waiting, running = self._queue_gauges
        for group, (waits, runs) in self._queue.read().items():
            waiting.labels(group).set(waits)
            running.labels(group).set(runs)

    def refresh_malloc(self) -> None:
        """Add the trims made in this process since the last look to the counters."""
        trims, returned = trim_statistics()
        seen_trims, seen_returned = self._trims_seen
        self._trims_seen = (trims, returned)
        if trims > seen_trims:
            self.malloc_trims.inc(trims - seen_trims)
        if returned > seen_returned:
            self.malloc_trimmed.inc(returned - seen_returned)

    def refresh_udp(self, *, sample: bool = False) -> None:
        """Read the process's UDP sockets into the ``streamcore_udp_*`` metrics (``sample``:
        also into the samples histogram, as the sampler does every :data:`LAG_INTERVAL`)."""
        sockets = read_udp_sockets()
        queues = [sock.rx_queue for sock in sockets]
        self.udp_sockets.set(len(sockets))
        self.udp_receive_queue.set(sum(queues))
        if sample:
            self.udp_receive_queue_samples.observe(sum(queues))
        self.udp_receive_queue_max.set(max(queues, default=0))
        new_drops = self._udp_drop_counter.update(sockets)
        if new_drops:
            self.udp_drops.inc(new_drops)

    # -- the loop-lag sampler -------------------------------------------------------------

    def start_sampler(self) -> None:
        """Run the loop-lag sampler on the running asyncio loop, unless it already runs
        there. A no-op outside an asyncio loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        sampler = self._sampler
        if sampler is not None and not sampler.done() and sampler.get_loop() is loop:
            return
        self._sampler = loop.create_task(self._sample_lag(), name="streamcore metrics loop lag")

    async def stop_sampler(self) -> None:
        """Stop the sampler (the server stops); it starts again with the next session."""
        sampler, self._sampler = self._sampler, None
        if sampler is not None and sampler.get_loop() is asyncio.get_running_loop():
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler

    async def _sample_lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_INTERVAL)
            lag = max(0.0, loop.time() - before - LAG_INTERVAL)
            self.loop_lag.set(lag)
            self.loop_lag_samples.observe(lag)
            self.refresh_queue_gauges()
            self.refresh_udp(sample=True)
            self.refresh_malloc()


@dataclass(slots=True)
class _EventMetrics:
    """The label children of one ``(api_name, transport)``, looked up once: counting a
    frame is then one ``inc()``, with no label lookup or allocation."""

    received: Any
    processed: Any
    replaced: Any
    rejected: Any
    at_end: Any
    output_replaced: Any
    frame_errors: Any
    outputs: Any
    latency: Any
    forward: Any
    started: Any
    streams: Any
    completed: Any = field(repr=False)
    call_errors: Any = field(repr=False)

    @classmethod
    def of(cls, metrics: ServerMetrics, api_name: str, transport: str) -> _EventMetrics:
        labels = (api_name, transport)
        dropped = metrics.frames_dropped
        return cls(
            received=metrics.frames_received.labels(*labels),
            processed=metrics.frames_processed.labels(*labels),
            replaced=dropped.labels(*labels, "replaced"),
            rejected=dropped.labels(*labels, "rejected"),
            at_end=dropped.labels(*labels, "unprocessed_at_end"),
            output_replaced=dropped.labels(*labels, "output_replaced"),
            frame_errors=metrics.errors.labels(*labels, "frame"),
            outputs=metrics.outputs.labels(*labels),
            latency=metrics.latency.labels(*labels),
            forward=metrics.forward_delay.labels(*labels),
            started=metrics.calls_started.labels(*labels),
            streams=metrics.active_streams.labels(*labels),
            completed=lambda reason: metrics.calls_completed.labels(*labels, reason),
            call_errors=metrics.errors.labels(*labels, "call"),
        )


@dataclass(slots=True)
class _Job:
    """What a session observer keeps of one open job."""

    event: _EventMetrics
    stream: bool
    running_stream: bool = False
    processed: int = 0
    """Stream outputs counted as processed frames so far."""
    replaced: int = 0
    """Frames counted as replaced so far."""


class _SessionMetrics:
    """A :class:`~streamcore.app.observer.SessionObserver` that counts into a server's
    metrics; one per runtime session, on its event loop."""

    __slots__ = ("_closed", "_jobs", "_metrics", "_transport")

    def __init__(self, metrics: ServerMetrics, transport: str) -> None:
        self._metrics = metrics
        self._transport = transport
        self._jobs: dict[str, _Job] = {}
        self._closed = False
        metrics.active_sessions.labels(transport).inc()

    def job(self, job_id: str, api_name: str, *, stream: bool, video: bool) -> None:
        transport = "webrtc" if video else self._transport
        self._jobs[job_id] = _Job(self._metrics.event(api_name, transport), stream)

    def frame(self, job_id: str, replaced: bool) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            return
        job.event.received.inc()
        if replaced:
            job.replaced += 1
            job.event.replaced.inc()

    def message(self, message: Message) -> None:
        job = self._jobs.get(message.job)
        if job is None:
            return
        kind = type(message)
        if kind is Output:
            self._output(job, message)  # type: ignore[arg-type]
        elif kind is FrameError:
            job.event.rejected.inc()
            job.event.frame_errors.inc()
        elif kind is Started:
            job.event.started.inc()
            if job.stream:
                job.running_stream = True
                job.event.streams.inc()
        elif kind is Completed:
            self._completed(job, message)  # type: ignore[arg-type]
            del self._jobs[message.job]

    def _output(self, job: _Job, output: Output) -> None:
        event = job.event
        event.outputs.inc()
        if output.seq is not None:  # a stream's result for one frame
            job.processed += 1
            event.processed.inc()
        if output.replaced is not None:
            self._replaced_up_to(job, output.replaced)
        if output.latency_ms is not None:
            event.latency.observe(output.latency_ms / 1000)
        if output.waited_ms is not None:
            event.forward.observe(output.waited_ms / 1000)

    def _completed(self, job: _Job, completed: Completed) -> None:
        event = job.event
        event.completed(completed.reason).inc()
        if completed.reason == "error":
            event.call_errors.inc()
        if job.running_stream:
            job.running_stream = False
            event.streams.dec()
        stats = completed.stats
        if stats:  # a stream's final figures: what the messages did not show
            self._replaced_up_to(job, int(stats.get("replaced") or 0))
            unsent = int(stats.get("processed") or 0) - job.processed
            if unsent > 0:
                event.processed.inc(unsent)
            at_end = int(stats.get("dropped") or 0) - job.replaced
            if at_end > 0:
                event.at_end.inc(at_end)
            outputs_dropped = int(stats.get("outputs_dropped") or 0)
            if outputs_dropped > 0:
                event.output_replaced.inc(outputs_dropped)

    @staticmethod
    def _replaced_up_to(job: _Job, replaced: int) -> None:
        """The stream's own count of replaced frames (an output's, or its completion's)
        also counts those :meth:`frame` cannot see: a frame taken before the wait for the
        fn turn and replaced by a newer one when the turn came. Counts the difference."""
        if replaced > job.replaced:
            job.event.replaced.inc(replaced - job.replaced)
            job.replaced = replaced

    def closed(self) -> None:
        if self._closed:
            return
        self._closed = True
        for job in self._jobs.values():
            if job.running_stream:
                job.event.streams.dec()
        self._jobs.clear()
        self._metrics.active_sessions.labels(self._transport).dec()


class _QueueCollector(Collector):
    """The scheduler's queues, read at scrape time: per concurrency group, the calls and
    streams waiting and those holding a slot."""

    WAITING = "Calls and streams waiting for a slot of the concurrency group."
    RUNNING = "Calls and streams holding a slot of the concurrency group."

    def __init__(self, runtime: AppRuntime) -> None:
        self.runtime = runtime

    def read(self) -> dict[str, tuple[int, int]]:
        """``{group name: (waiting, running)}``; a group is named by its ``concurrency_id``,
        else its fn's qualified name."""
        names = _group_names(self.runtime)
        return {
            names.get(key, key): (int(group["waiting"] or 0), int(group["running"] or 0))
            for key, group in self.runtime.scheduler.statistics().items()
        }

    def collect(self) -> Iterable[Metric]:
        waiting = GaugeMetricFamily("streamcore_queue_waiting", self.WAITING, labels=["group"])
        running = GaugeMetricFamily("streamcore_queue_running", self.RUNNING, labels=["group"])
        for group, (waits, runs) in self.read().items():
            waiting.add_metric([group], waits)
            running.add_metric([group], runs)
        return [waiting, running]


def _group_names(runtime: AppRuntime) -> dict[str, str]:
    """The scheduler's group keys (``str`` of the group id) -> readable names."""
    names: dict[str, str] = {}
    for dependency in runtime.blocks.dependencies:
        group = dependency.group_id
        if not isinstance(group, str) and group is not None:
            names[str(group)] = getattr(group, "__qualname__", None) or str(group)
    return names
