"""The runtime message by message: jobs, the queue, trigger modes, generators and streams.

Each test drives :class:`AppRuntime` sessions directly and reads the messages a client
would receive. Blocking fns wait on events the test sets, so nothing depends on timing;
stream time limits and idle timeouts run on :class:`FakeClock`.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import pytest

import streamcore as gr
from streamcore.app.runtime import AppRuntime, ClientSession
from streamcore.engine.clock import FakeClock
from streamcore.engine.frames import Frame
from streamcore.errors import TooManyJobsError, UnknownJobError
from streamcore.media.encoding import encode, to_data_url
from streamcore.media.files import FileAccess, use_file_access
from streamcore.messages import (
    Completed,
    Estimation,
    FrameError,
    Message,
    Output,
    Started,
)

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]

WAIT = 5.0
"""Generous bound for anything that should happen promptly (a failure, not a timing)."""
ROOMY = 64
"""A message buffer no burst of these tests fills: queue estimations are dropped, by design,
when a client is behind, and the tests that wait for them must not be behind."""


@pytest.fixture(autouse=True)
def policy(tmp_path: Path) -> Iterator[FileAccess]:
    access = FileAccess(cache_dir=tmp_path / "cache")
    with use_file_access(access):
        yield access


class Inbox:
    """A session's messages, routed by job as a client would."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.by_job: dict[str, list[Message]] = defaultdict(list)
        self._changed = anyio.Event()

    async def run(self) -> None:
        with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError):
            while True:
                message = await self.session.receive()
                self.by_job[message.job].append(message)
                self._changed.set()
                self._changed = anyio.Event()

    async def wait_for(self, job: str, kind: type[Message], count: int = 1) -> list[Message]:
        """The first ``count`` messages of ``kind`` for ``job``, once they came."""
        with anyio.fail_after(WAIT):
            while len(found := self.of(job, kind)) < count:
                await self._changed.wait()
        return found[:count]

    async def completed(self, job: str) -> Completed:
        [completed] = await self.wait_for(job, Completed)
        assert isinstance(completed, Completed)
        assert self.by_job[job][-1] is completed, "the completion must be the last message"
        return completed

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        with anyio.fail_after(WAIT):
            while not condition():
                await self._changed.wait()

    async def wait_counts(self, jobs: list[str], started: int, waiting: int) -> None:
        """Until ``started`` of ``jobs`` have started and ``waiting`` others wait in the
        queue (which ones depends on which preprocessing thread finishes first)."""

        def counts() -> tuple[int, int]:
            running = [j for j in jobs if self.has(j, Started)]
            queued = [j for j in jobs if self.has(j, Estimation) and j not in running]
            return len(running), len(queued)

        await self.wait_until(lambda: counts() == (started, waiting))

    def of(self, job: str, kind: type[Message]) -> list[Message]:
        return [m for m in self.by_job[job] if isinstance(m, kind)]

    def outputs(self, job: str) -> list[Any]:
        return [m.data for m in self.by_job[job] if isinstance(m, Output)]

    def has(self, job: str, kind: type[Message]) -> bool:
        return bool(self.of(job, kind))


@asynccontextmanager
async def connect(runtime: AppRuntime) -> AsyncIterator[tuple[ClientSession, Inbox]]:
    """A client session with its messages routed to an :class:`Inbox`."""
    async with runtime.session() as session, anyio.create_task_group() as tasks:
        inbox = Inbox(session)
        tasks.start_soon(inbox.run)
        yield session, inbox
        tasks.cancel_scope.cancel()


class Gate:
    """Released by the test: lets async fns block without any timing."""

    def __init__(self) -> None:
        self.entered: list[Any] = []
        self.running = 0
        self.peak = 0
        self._open = anyio.Event()

    async def wait(self, value: Any) -> Any:
        self.entered.append(value)
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await self._open.wait()
        finally:
            self.running -= 1
        return value

    def open(self) -> None:
        self._open.set()


def number_app(fn: Any, **options: Any) -> tuple[gr.Blocks, Any]:
    with gr.Blocks() as demo:
        number = gr.Number()
        dep = number.submit(fn, number, number, api_name="run", **options)
    return demo, dep


def stream_app(fn: Any, *, extra: bool = False, **options: Any) -> gr.Blocks:
    """A webcam stream into ``fn``; its output is a number (and the other input's value)."""
    with gr.Blocks() as demo:
        image = gr.Image(sources="webcam", streaming=True)
        inputs: list[Any] = [image]
        if extra:
            inputs.append(gr.Number())
        image.stream(fn, inputs, gr.Number(), api_name="live", **options)
    return demo


def pixels(level: int, size: int = 4) -> np.ndarray:
    return np.full((size, size, 3), level, np.uint8)


def mean_level(frame: np.ndarray) -> int:
    return int(frame.mean())


# -- calls -------------------------------------------------------------------------------------


async def test_a_call_is_started_then_completed_with_its_postprocessed_result() -> None:
    demo, _ = number_app(lambda x: x * 2)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.submit("run", [21])
        completed = await inbox.completed(job)
    assert [type(m) for m in inbox.by_job[job]] == [Started, Completed]
    assert (completed.reason, completed.success, completed.data) == ("done", True, [42])


async def test_requests_naming_nothing_callable_raise() -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(abs, number, number, api_name="hidden", api_visibility="private")
        number.change(abs, number, number, api_name="quiet", api_visibility="undocumented")
    async with connect(AppRuntime(demo)) as (session, inbox):
        with pytest.raises(KeyError, match="no api_name 'nope'"):
            await session.submit("nope", [1])
        with pytest.raises(KeyError, match="'hidden' is private: clients cannot call it"):
            await session.submit("hidden", [1])
        with pytest.raises(ValueError, match=r"'quiet' takes 1 input value\(s\) as a list, got 2"):
            await session.submit("quiet", [1, 2])
        with pytest.raises(UnknownJobError, match="no running job 'x'"):
            session.cancel("x")
        job = await session.submit("quiet", [-3])  # undocumented, still callable
        assert (await inbox.completed(job)).data == [3]


async def test_a_fn_error_completes_the_job_with_the_error_and_the_session_goes_on() -> None:
    def fail(x: int) -> int:
        if x == 1:
            raise ValueError("one is bad")
        if x == 2:
            raise gr.Error("two is worse", title="Careful", duration=3)
        return x

    demo, _ = number_app(fail)
    async with connect(AppRuntime(demo)) as (session, inbox):
        plain = await inbox.completed(await session.submit("run", [1]))
        shown = await inbox.completed(await session.submit("run", [2]))
        bad_input = await inbox.completed(await session.submit("run", ["abc"]))
        fine = await inbox.completed(await session.submit("run", [3]))
    assert (plain.reason, plain.success) == ("error", False)
    assert plain.error == {
        "type": "ValueError",
        "message": "ValueError: one is bad",
        "title": "Error",
    }
    assert shown.error is not None
    assert (shown.error["message"], shown.error["title"], shown.error["duration"]) == (
        "two is worse",
        "Careful",
        3,
    )
    assert bad_input.error is not None
    assert bad_input.error["title"] == "Bad input"
    assert fine.data == [3]


async def test_a_wrong_number_of_returned_values_is_an_error() -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(lambda x: (x, x, x), number, [number, number], api_name="run")
    async with connect(AppRuntime(demo)) as (session, inbox):
        completed = await inbox.completed(await session.submit("run", [1]))
    assert completed.error is not None
    assert "has 2 outputs but its fn returned 3 values" in completed.error["message"]


# -- concurrency -------------------------------------------------------------------------------


async def test_with_the_default_limit_a_second_call_waits_until_the_first_ends() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait)
    runtime = AppRuntime(demo)
    async with connect(runtime) as (first, first_inbox), connect(runtime) as (second, inbox):
        running = await first.submit("run", [1])
        await first_inbox.wait_for(running, Started)
        waiting = await second.submit("run", [2])
        [estimation] = await inbox.wait_for(waiting, Estimation)
        assert estimation == Estimation(waiting, rank=0, queue_size=1)
        await anyio.wait_all_tasks_blocked()
        assert not inbox.has(waiting, Started)
        assert gate.entered == [1]
        gate.open()
        assert (await inbox.completed(waiting)).data == [2]
        assert (await first_inbox.completed(running)).data == [1]
    assert gate.peak == 1


async def test_default_concurrency_limit_from_queue_lets_more_run_at_once() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="multiple")
    demo.queue(default_concurrency_limit=2)
    async with connect(AppRuntime(demo, message_buffer=ROOMY)) as (session, inbox):
        jobs = [await session.submit("run", [i]) for i in range(3)]
        await inbox.wait_counts(jobs, started=2, waiting=1)
        await anyio.wait_all_tasks_blocked()
        assert len(gate.entered) == 2
        gate.open()
        for job in jobs:
            await inbox.completed(job)
    assert gate.peak == 2


@pytest.mark.parametrize(("limit", "peak"), [(None, 4), (3, 3)])
async def test_an_events_own_concurrency_limit_overrides_the_default(
    limit: int | None, peak: int
) -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="multiple", concurrency_limit=limit)
    async with connect(AppRuntime(demo, message_buffer=ROOMY)) as (session, inbox):
        jobs = [await session.submit("run", [i]) for i in range(4)]
        await inbox.wait_counts(jobs, started=peak, waiting=4 - peak)
        await anyio.wait_all_tasks_blocked()
        assert len(gate.entered) == peak
        gate.open()
        for job in jobs:
            await inbox.completed(job)
    assert gate.peak == peak


async def test_events_of_one_fn_share_its_group_and_concurrency_id_joins_fns() -> None:
    gate = Gate()

    async def other(x: Any) -> Any:
        return await gate.wait(x)

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(
            gate.wait, number, number, api_name="a", concurrency_limit=None, trigger_mode="multiple"
        )
        number.change(gate.wait, number, number, api_name="b", concurrency_limit=2)
        number.input(other, number, number, api_name="c", concurrency_id=None)
        number.blur(other, number, number, api_name="d", concurrency_id="gpu")
        number.focus(abs, number, number, api_name="e", concurrency_id="gpu")
    async with connect(AppRuntime(demo, message_buffer=ROOMY)) as (session, inbox):
        same_fn = [await session.submit(name, [i]) for i, name in enumerate("aab")]
        await inbox.wait_counts(same_fn, started=2, waiting=1)  # the group's lowest limit: 2
        await anyio.wait_all_tasks_blocked()
        assert len(gate.entered) == 2
        grouped = await session.submit("d", [10])
        await inbox.wait_for(grouped, Started)  # its own group, limit 1
        blocked = await session.submit("e", [-11])  # abs shares "gpu": waits for d
        await inbox.wait_for(blocked, Estimation)
        await anyio.wait_all_tasks_blocked()
        assert not inbox.has(blocked, Started)
        gate.open()
        assert (await inbox.completed(blocked)).data == [11]
        for job in [*same_fn, grouped]:
            await inbox.completed(job)


async def test_queue_false_runs_at_once_outside_the_concurrency_limit() -> None:
    gate = Gate()
    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(gate.wait, number, number, api_name="queued")
        number.change(gate.wait, number, number, api_name="direct", queue=False)
    async with connect(AppRuntime(demo)) as (session, inbox):
        queued = await session.submit("queued", [1])
        await inbox.wait_for(queued, Started)
        direct = await session.submit("direct", [2])
        await inbox.wait_for(direct, Started)
        assert not inbox.has(direct, Estimation)
        assert gate.running == 2
        gate.open()
        await inbox.completed(queued)
        await inbox.completed(direct)


async def test_a_full_queue_completes_the_call_with_a_queue_full_error() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="multiple")
    demo.queue(max_size=1)
    async with connect(AppRuntime(demo)) as (session, inbox):
        running = await session.submit("run", [1])
        await inbox.wait_for(running, Started)
        waiting = await session.submit("run", [2])
        await inbox.wait_for(waiting, Estimation)
        refused = await inbox.completed(await session.submit("run", [3]))
        assert (refused.reason, refused.success) == ("error", False)
        assert refused.error is not None
        assert refused.error["type"] == "QueueFullError"
        assert "Queue is full. Max size is 1 and size is 1" in refused.error["message"]
        gate.open()
        await inbox.completed(waiting)
    assert sorted(gate.entered) == [1, 2]


async def test_a_session_past_its_open_jobs_is_refused_naming_the_cap() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="multiple")
    async with connect(AppRuntime(demo, message_buffer=ROOMY, max_jobs_per_session=3)) as (
        session,
        inbox,
    ):
        jobs = [await session.submit("run", [n]) for n in range(3)]
        await inbox.wait_counts(jobs, started=1, waiting=2)
        with pytest.raises(TooManyJobsError, match=r"3 calls and streams.*max_jobs_per_session"):
            await session.submit("run", [9])
        assert session.open_jobs == 3
        async with connect(AppRuntime(demo, max_jobs_per_session=3)) as (other, _):
            assert other.open_jobs == 0  # the cap is per session
        session.cancel(jobs[2])  # a cancelled job frees its place at once
        await inbox.completed(jobs[2])
        again = await session.submit("run", [3])
        gate.open()
        for job in [*jobs[:2], again]:
            await inbox.completed(job)
        assert session.open_jobs == 0


async def test_a_client_behind_still_hears_each_waiting_jobs_position_never_after_its_start() -> (
    None
):
    gate = Gate()
    demo, dep = number_app(gate.wait, trigger_mode="multiple")
    runtime = AppRuntime(demo, message_buffer=1)  # the client reads nothing for a while
    group = runtime.scheduler.group(dep.group_id)
    async with runtime.session() as session:
        jobs = [await session.submit("run", [n]) for n in range(6)]
        with anyio.fail_after(WAIT):
            while len(group.waiting) < 5:  # noqa: ASYNC110 (polled: the client reads nothing)
                await anyio.sleep(0.01)
        waiting = [ticket.payload.id for ticket in group.waiting]
        heard: dict[str, list[Message]] = defaultdict(list)
        with anyio.fail_after(WAIT):  # now it reads: every waiting job's position comes
            while not all(any(isinstance(m, Estimation) for m in heard[j]) for j in waiting):
                message = await session.receive()
                heard[message.job].append(message)
        gate.open()
        with anyio.fail_after(WAIT):
            while sum(isinstance(m, Completed) for ms in heard.values() for m in ms) < 6:
                message = await session.receive()
                heard[message.job].append(message)
    for job in jobs:
        kinds = [type(m).__name__ for m in heard[job]]
        assert kinds[-2:] == ["Started", "Completed"], kinds
        assert set(kinds[:-2]) <= {"Estimation"}, kinds


async def test_opened_and_closed_streams_and_calls_are_forgotten() -> None:
    async def echo(image: Any) -> int:
        return 1

    demo = stream_app(echo, concurrency_limit=None)
    frame = {"url": to_data_url(encode(pixels(7), "png"), "image/png")}
    async with connect(AppRuntime(demo, message_buffer=ROOMY, max_jobs_per_session=2)) as (
        session,
        inbox,
    ):
        for _ in range(40):  # twenty times the cap: each ended job left its place
            stream = await session.open_stream("live")
            await inbox.wait_for(stream, Started)
            session.close_stream(stream)
            await inbox.completed(stream)
            call = await session.submit("live", [frame])
            assert (await inbox.completed(call)).data == [1]
        assert session.open_jobs == 0
        assert session._jobs == {}


async def test_cancelling_a_queued_call_removes_it_from_the_queue() -> None:
    gate = Gate()
    demo, dep = number_app(gate.wait, trigger_mode="multiple")
    runtime = AppRuntime(demo)
    async with connect(runtime) as (session, inbox):
        running = await session.submit("run", [1])
        await inbox.wait_for(running, Started)
        queued = await session.submit("run", [2])
        await inbox.wait_for(queued, Estimation)
        session.cancel(queued)
        completed = await inbox.completed(queued)
        assert (completed.reason, completed.data) == ("cancelled", None)
        group = runtime.scheduler.group(dep.group_id)
        assert (group.running, len(group.waiting)) == (1, 0)
        gate.open()
        await inbox.completed(running)
    assert gate.entered == [1]
    assert runtime.scheduler.group(dep.group_id).running == 0


async def test_a_disconnect_frees_the_slot_of_a_running_call_at_once() -> None:
    started = anyio.Event()

    async def forever(x: int) -> int:
        started.set()
        await anyio.sleep_forever()
        return x

    demo, dep = number_app(forever)
    runtime = AppRuntime(demo)
    async with connect(runtime) as (other, inbox):
        async with connect(runtime) as (session, _):
            await session.submit("run", [1])
            await started.wait()
            waiting = await other.submit("run", [2])
            await inbox.wait_for(waiting, Estimation)
        # leaving the first session is the disconnect: the second call starts
        await inbox.wait_for(waiting, Started)
        assert runtime.scheduler.group(dep.group_id).running == 1
        other.cancel(waiting)
        await inbox.completed(waiting)
    assert runtime.scheduler.group(dep.group_id).running == 0


# -- batches ----------------------------------------------------------------------------------


async def test_waiting_calls_are_batched_greedily_up_to_max_batch_size() -> None:
    first_call = anyio.Event()
    release = anyio.Event()
    batches: list[list[int]] = []

    async def doubled(xs: list[int]) -> tuple[list[int]]:
        batches.append(list(xs))
        first_call.set()
        await release.wait()
        return ([x * 2 for x in xs],)

    demo, _ = number_app(doubled, batch=True, max_batch_size=4, trigger_mode="multiple")
    async with connect(AppRuntime(demo, message_buffer=ROOMY)) as (session, inbox):
        jobs = [await session.submit("run", [0])]
        await first_call.wait()
        jobs += [await session.submit("run", [i]) for i in range(1, 6)]
        for job in jobs[1:]:
            await inbox.wait_for(job, Estimation)
        release.set()
        results = [(await inbox.completed(job)).data for job in jobs]
    assert batches == [[0], [1, 2, 3, 4], [5]]
    assert results == [[2 * i] for i in range(6)]


async def test_a_batch_fn_must_return_one_list_per_output() -> None:
    demo, _ = number_app(lambda xs: xs[0], batch=True)
    async with connect(AppRuntime(demo)) as (session, inbox):
        completed = await inbox.completed(await session.submit("run", [1]))
    assert completed.error is not None
    assert "must return a tuple with one list per output (1), got int" in completed.error["message"]


# -- trigger modes ------------------------------------------------------------------------------


async def test_trigger_mode_once_skips_triggers_while_running() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="once", concurrency_limit=None)
    async with connect(AppRuntime(demo)) as (session, inbox):
        first = await session.submit("run", [1])
        await inbox.wait_for(first, Started)
        skipped = await inbox.completed(await session.submit("run", [2]))
        assert (skipped.reason, skipped.success, skipped.data) == ("skipped", True, None)
        gate.open()
        await inbox.completed(first)
        again = await inbox.completed(await session.submit("run", [3]))  # not running now
    assert again.data == [3]
    assert gate.entered == [1, 3]


async def test_trigger_mode_multiple_runs_triggers_concurrently() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="multiple", concurrency_limit=None)
    async with connect(AppRuntime(demo)) as (session, inbox):
        jobs = [await session.submit("run", [i]) for i in range(3)]
        for job in jobs:
            await inbox.wait_for(job, Started)
        gate.open()
        assert [(await inbox.completed(job)).data for job in jobs] == [[0], [1], [2]]
    assert gate.peak == 3


async def test_trigger_mode_always_last_reruns_once_with_the_latest_inputs() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="always_last", concurrency_limit=None)
    async with connect(AppRuntime(demo)) as (session, inbox):
        first = await session.submit("run", [1])
        await inbox.wait_for(first, Started)
        middle = await session.submit("run", [2])
        latest = await session.submit("run", [3])
        superseded = await inbox.completed(middle)
        assert (superseded.reason, superseded.success) == ("superseded", True)
        assert not inbox.has(latest, Started)
        gate.open()
        assert (await inbox.completed(first)).data == [1]
        assert (await inbox.completed(latest)).data == [3]
    assert gate.entered == [1, 3]


async def test_trigger_modes_are_per_session() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="once", concurrency_limit=None)
    runtime = AppRuntime(demo)
    async with connect(runtime) as (one, one_inbox), connect(runtime) as (two, two_inbox):
        first = await one.submit("run", [1])
        second = await two.submit("run", [2])
        await one_inbox.wait_for(first, Started)
        await two_inbox.wait_for(second, Started)
        gate.open()
        await one_inbox.completed(first)
        await two_inbox.completed(second)


async def test_cancelling_a_pending_rerun_drops_it() -> None:
    gate = Gate()
    demo, _ = number_app(gate.wait, trigger_mode="always_last", concurrency_limit=None)
    async with connect(AppRuntime(demo)) as (session, inbox):
        first = await session.submit("run", [1])
        await inbox.wait_for(first, Started)
        pending = await session.submit("run", [2])
        session.cancel(pending)
        assert (await inbox.completed(pending)).reason == "cancelled"
        gate.open()
        await inbox.completed(first)
        await anyio.wait_all_tasks_blocked()
    assert gate.entered == [1]
    assert not inbox.has(pending, Started)


# -- cancels -----------------------------------------------------------------------------------


async def test_cancels_ends_the_running_and_the_queued_jobs_of_the_cancelled_events() -> None:
    gate = Gate()
    with gr.Blocks() as demo:
        number = gr.Number()
        button = gr.Button()
        run = number.submit(gate.wait, number, number, api_name="run", trigger_mode="multiple")
        button.click(lambda: "stopped", None, gr.Textbox(), api_name="stop", cancels=[run])
    async with connect(AppRuntime(demo)) as (session, inbox):
        running = await session.submit("run", [1])
        await inbox.wait_for(running, Started)
        queued = await session.submit("run", [2])
        await inbox.wait_for(queued, Estimation)
        stop = await session.submit("stop", [])
        assert (await inbox.completed(running)).reason == "cancelled"
        assert (await inbox.completed(queued)).reason == "cancelled"
        assert (await inbox.completed(stop)).data == ["stopped"]
    assert gate.entered == [1]
    assert inbox.outputs(running) == []


async def test_cancels_also_drops_a_pending_always_last_rerun() -> None:
    gate = Gate()
    with gr.Blocks() as demo:
        number = gr.Number()
        run = number.change(gate.wait, number, number, api_name="run")
        number.submit(abs, number, number, api_name="stop", cancels=run)
    async with connect(AppRuntime(demo)) as (session, inbox):
        running = await session.submit("run", [1])
        await inbox.wait_for(running, Started)
        pending = await session.submit("run", [2])
        await inbox.completed(await session.submit("stop", [0]))
        assert (await inbox.completed(running)).reason == "cancelled"
        assert (await inbox.completed(pending)).reason == "cancelled"
        await anyio.wait_all_tasks_blocked()
    assert gate.entered == [1]


async def test_cancels_only_touches_the_sessions_own_jobs() -> None:
    gate = Gate()
    with gr.Blocks() as demo:
        number = gr.Number()
        run = number.submit(gate.wait, number, number, api_name="run", concurrency_limit=None)
        number.change(abs, number, number, api_name="stop", cancels=[run])
    runtime = AppRuntime(demo)
    async with connect(runtime) as (one, one_inbox), connect(runtime) as (two, two_inbox):
        mine = await one.submit("run", [1])
        theirs = await two.submit("run", [2])
        await two_inbox.wait_for(theirs, Started)
        await one_inbox.completed(await one.submit("stop", [0]))
        assert (await one_inbox.completed(mine)).reason == "cancelled"
        gate.open()
        assert (await two_inbox.completed(theirs)).data == [2]


# -- validator ---------------------------------------------------------------------------------


def positive_and_short(x: Any, text: Any) -> list[dict[str, Any]]:
    return [gr.validate(x > 0, "x must be positive"), gr.validate(len(text) < 5, "too long")]


def validated_app(fn: Any, validator: Any) -> gr.Blocks:
    with gr.Blocks() as demo:
        number, text = gr.Number(), gr.Textbox()
        number.submit(fn, [number, text], text, api_name="run", validator=validator)
    return demo


async def test_a_validator_refusal_names_each_input_and_the_fn_never_runs() -> None:
    calls: list[Any] = []
    demo = validated_app(lambda x, text: calls.append(x) or text, positive_and_short)
    async with connect(AppRuntime(demo)) as (session, inbox):
        refused = await inbox.completed(await session.submit("run", [-1, "hello!"]))
        partly = await inbox.completed(await session.submit("run", [1, "hello!"]))
        accepted = await inbox.completed(await session.submit("run", [1, "hi"]))
    assert (refused.reason, refused.success) == ("validation", False)
    assert refused.validation == [
        {"parameter_name": "x", "is_valid": False, "message": "x must be positive"},
        {"parameter_name": "text", "is_valid": False, "message": "too long"},
    ]
    assert partly.validation is not None
    assert [r["is_valid"] for r in partly.validation] == [True, False]
    assert accepted.data == ["hi"]
    assert calls == [1]


async def test_a_validator_may_return_a_single_verdict_and_skip_inputs() -> None:
    def only_first(x: Any, text: Any) -> dict[str, Any]:
        return gr.validate(x != 0, "not zero")

    def mixed(x: Any, text: Any) -> list[Any]:
        return [None, gr.validate(bool(text), "say something")]

    async with connect(AppRuntime(validated_app(lambda x, text: text, only_first))) as (s, inbox):
        refused = await inbox.completed(await s.submit("run", [0, "a"]))
    assert refused.validation == [{"parameter_name": "x", "is_valid": False, "message": "not zero"}]
    async with connect(AppRuntime(validated_app(lambda x, text: text, mixed))) as (s, inbox):
        refused = await inbox.completed(await s.submit("run", [0, ""]))
    assert refused.validation == [
        {"parameter_name": "text", "is_valid": False, "message": "say something"}
    ]


async def test_a_validator_runs_before_the_queue() -> None:
    gate = Gate()
    demo = validated_app(gate.wait, positive_and_short)
    demo.dependencies[0].trigger_mode = "multiple"
    async with connect(AppRuntime(demo)) as (session, inbox):
        running = await session.submit("run", [1, "ok"])
        await inbox.wait_for(running, Started)
        refused = await inbox.completed(await session.submit("run", [-1, "ok"]))
        assert refused.reason == "validation"  # while the only slot is taken
        assert not inbox.has(refused.job, Estimation)
        gate.open()
        await inbox.completed(running)


async def test_a_validator_that_raises_is_an_error() -> None:
    def broken(x: Any, text: Any) -> Any:
        raise RuntimeError("validator bug")

    async with connect(AppRuntime(validated_app(lambda x, text: text, broken))) as (s, inbox):
        completed = await inbox.completed(await s.submit("run", [1, "a"]))
    assert completed.reason == "error"
    assert completed.error is not None
    assert "validator bug" in completed.error["message"]


# -- preprocess / postprocess / event data / state -----------------------------------------------


async def test_preprocess_false_hands_the_fn_the_payload_as_sent() -> None:
    seen: list[Any] = []

    def describe(image: Any) -> str:
        seen.append(image)
        return type(image).__name__

    with gr.Blocks() as demo:
        image = gr.Image()
        text = gr.Textbox()
        image.upload(describe, image, text, api_name="raw", preprocess=False)
        image.change(describe, image, text, api_name="processed")
    payload = {"url": to_data_url(encode(pixels(9), "png"), "image/png")}
    async with connect(AppRuntime(demo)) as (session, inbox):
        raw = await inbox.completed(await session.submit("raw", [payload]))
        processed = await inbox.completed(await session.submit("processed", [payload]))
    assert (raw.data, processed.data) == (["dict"], ["ndarray"])
    assert seen[0] == payload


async def test_postprocess_false_sends_the_return_value_as_is() -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        text = gr.Textbox()
        number.submit(lambda x: x, number, text, api_name="as_is", postprocess=False)
        number.change(lambda x: x, number, text, api_name="processed")
    async with connect(AppRuntime(demo)) as (session, inbox):
        as_is = await inbox.completed(await session.submit("as_is", [5]))
        processed = await inbox.completed(await session.submit("processed", [5]))
    assert (as_is.data, processed.data) == ([5], ["5"])


async def test_a_select_data_parameter_receives_the_event_data() -> None:
    def clicked(image: Any, event: gr.SelectData) -> str:
        return f"{event.index} {event.value}"

    with gr.Blocks() as demo:
        image = gr.Image()
        image.select(clicked, image, gr.Textbox(), api_name="pick")
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.submit("pick", [None], {"index": [3, 4], "value": "pixel"})
        completed = await inbox.completed(job)
    assert completed.data == ["[3, 4] pixel"]


async def test_state_is_kept_per_session() -> None:
    def count(total: int, step: int) -> tuple[int, int]:
        return total + step, total + step

    with gr.Blocks() as demo:
        state = gr.State(0)
        number = gr.Number()
        number.submit(count, [state, number], [state, number], api_name="add")
    runtime = AppRuntime(demo)
    async with connect(runtime) as (one, one_inbox), connect(runtime) as (two, two_inbox):
        for step in (1, 2, 3):
            await one_inbox.completed(await one.submit("add", [None, step]))
        last = await two_inbox.completed(await two.submit("add", [None, 10]))
        assert last.data == [None, 10]  # state is never sent; the other session starts at 0
        mine = await one_inbox.completed(await one.submit("add", [None, 0]))
        assert mine.data == [None, 6]


# -- generators ---------------------------------------------------------------------------------


async def test_a_generator_sends_each_yield_in_order_then_the_last_as_the_result() -> None:
    def count(n: int) -> Iterator[int]:
        yield from range(n)

    async def acount(n: int) -> AsyncIterator[int]:
        for i in range(n):
            yield i * 10

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(count, number, number, api_name="sync")
        number.change(acount, number, number, api_name="async")
    async with connect(AppRuntime(demo)) as (session, inbox):
        sync_job = await session.submit("sync", [5])
        async_job = await session.submit("async", [3])
        sync_done = await inbox.completed(sync_job)
        async_done = await inbox.completed(async_job)
    assert inbox.outputs(sync_job) == [[0], [1], [2], [3], [4]]
    assert (sync_done.reason, sync_done.data) == ("done", [4])
    assert inbox.outputs(async_job) == [[0], [10], [20]]
    assert async_done.data == [20]
    kinds = [type(m).__name__ for m in inbox.by_job[sync_job]]
    assert kinds == ["Started"] + ["Output"] * 5 + ["Completed"]


async def test_time_limit_stops_a_generator_and_runs_its_finally_first() -> None:
    clock = FakeClock()
    finally_at: list[float] = []

    async def ticking(start: int) -> AsyncIterator[int]:
        try:
            step = start
            while True:
                yield step
                step += 1
                await clock.sleep_until(clock.now() + 1)
        finally:
            finally_at.append(clock.now())

    demo, _ = number_app(ticking, time_limit=2.5)
    async with connect(AppRuntime(demo, clock=clock)) as (session, inbox):
        job = await session.submit("run", [0])
        [started] = await inbox.wait_for(job, Started)
        assert isinstance(started, Started)
        assert started.time_limit == 2.5
        for count in (1, 2, 3):
            await inbox.wait_for(job, Output, count)
            await clock.advance(1)
        completed = await inbox.completed(job)
        assert finally_at == [3.0]  # closed before the completion was sent
    # the step in flight at the deadline (t=2.5) is delivered as the final output
    assert inbox.outputs(job) == [[0], [1], [2], [3]]
    assert (completed.reason, completed.success, completed.data) == ("time_limit", True, [3])


async def test_time_limit_closes_a_sync_generator_before_the_completion() -> None:
    closed: list[bool] = []

    def endless(x: int) -> Iterator[int]:
        try:
            while True:
                yield x
        finally:
            threading.Event().wait(0.05)  # a slow clean-up is still waited for
            closed.append(True)

    demo, _ = number_app(endless, time_limit=0.05)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.submit("run", [7])
        completed = await inbox.completed(job)
        assert closed == [True]
    assert completed.reason == "time_limit"
    assert completed.data == [7]


async def test_time_limit_does_not_bound_a_plain_call() -> None:
    clock = FakeClock()

    async def slow(x: int) -> int:
        await clock.sleep_until(clock.now() + 10)
        return x

    demo, _ = number_app(slow, time_limit=1)
    async with connect(AppRuntime(demo, clock=clock)) as (session, inbox):
        job = await session.submit("run", [4])
        await inbox.wait_for(job, Started)
        await clock.advance(10)
        completed = await inbox.completed(job)
    assert (completed.reason, completed.data) == ("done", [4])


async def test_cancel_closes_a_generator_at_its_next_yield() -> None:
    proceed = threading.Event()
    steps: list[int] = []
    closed = threading.Event()

    def stepping(x: int) -> Iterator[int]:
        try:
            for step in range(100):
                steps.append(step)
                yield step
                proceed.wait(WAIT)
        finally:
            closed.set()

    demo, _ = number_app(stepping)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.submit("run", [0])
        await inbox.wait_for(job, Output)
        session.cancel(job)
        proceed.set()  # the step in flight ends; the generator is not advanced again
        completed = await inbox.completed(job)
        assert closed.is_set()
    assert (completed.reason, completed.data) == ("cancelled", None)
    assert inbox.outputs(job) == [[0]]
    assert steps == [0, 1]


async def test_cancel_discards_the_result_of_a_running_sync_call() -> None:
    entered = threading.Event()
    release = threading.Event()
    finished: list[int] = []

    def slow(x: int) -> int:
        entered.set()
        release.wait(WAIT)
        finished.append(x)
        return x

    demo, dep = number_app(slow)
    runtime = AppRuntime(demo)
    async with connect(runtime) as (session, inbox):
        job = await session.submit("run", [9])
        await anyio.to_thread.run_sync(entered.wait, WAIT)
        session.cancel(job)
        release.set()  # the thread cannot be interrupted: it finishes
        completed = await inbox.completed(job)
    assert finished == [9]
    assert (completed.reason, completed.data) == ("cancelled", None)
    assert inbox.outputs(job) == []
    assert runtime.scheduler.group(dep.group_id).running == 0


async def test_a_disconnect_closes_a_running_generator() -> None:
    closed = anyio.Event()
    first = anyio.Event()

    async def forever(x: int) -> AsyncIterator[int]:
        try:
            while True:
                yield x
                first.set()
                await anyio.sleep_forever()
        finally:
            closed.set()

    demo, _ = number_app(forever)
    with anyio.fail_after(WAIT):
        async with AppRuntime(demo).session() as session:
            await session.submit("run", [1])
            await first.wait()  # its output is never read
        await closed.wait()


async def test_a_disconnect_with_unread_messages_does_not_hang() -> None:
    async def chatty(x: int) -> AsyncIterator[int]:
        while True:
            yield x
            await anyio.lowlevel.checkpoint()

    demo, _ = number_app(chatty)
    with anyio.fail_after(WAIT):
        async with AppRuntime(demo, message_buffer=2).session() as session:
            await session.submit("run", [1])
            await anyio.sleep(0.05)  # the buffer fills up; nobody reads


# -- streams -------------------------------------------------------------------------------------


async def test_a_stream_answers_each_frame_and_ends_as_closed_with_the_last_output() -> None:
    demo = stream_app(mean_level, stream_every=0)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.open_stream("live")
        [_started] = await inbox.wait_for(job, Started)
        for level in (10, 20, 30):
            session.send_frame(job, Frame(pixels(level), seq=level))
            await inbox.wait_for(job, Output, level // 10)
        session.close_stream(job)
        completed = await inbox.completed(job)
    outputs = [m for m in inbox.by_job[job] if isinstance(m, Output)]
    assert [(o.data, o.seq) for o in outputs] == [([10], 10), ([20], 20), ([30], 30)]
    assert all(o.latency_ms is not None and o.latency_ms >= 0 for o in outputs)
    assert (completed.reason, completed.success, completed.data) == ("closed", True, [30])
    assert completed.stats is not None
    assert completed.stats["processed"] == 3


async def test_an_undecodable_frame_is_refused_and_the_stream_goes_on() -> None:
    demo = stream_app(mean_level, stream_every=0)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.open_stream("live")
        session.send_frame(job, Frame(b"junk", seq=1))
        [error] = await inbox.wait_for(job, FrameError)
        session.send_frame(job, Frame(pixels(50), seq=2))
        [output] = await inbox.wait_for(job, Output)
        session.close_stream(job)
        completed = await inbox.completed(job)
    assert isinstance(error, FrameError)
    assert error.seq == 1
    assert error.error["title"] == "Bad frame"
    assert error.error["frame"] is True
    assert error.error["message"]
    assert isinstance(output, Output)
    assert output.data == [50]
    assert completed.reason == "closed"


async def test_raw_bytes_are_a_frame_too_and_junk_is_refused() -> None:
    demo = stream_app(mean_level, stream_every=0)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.open_stream("live")
        session.send_frame(job, b"\x89PNG but not really")
        [error] = await inbox.wait_for(job, FrameError)
        session.send_frame(job, encode(pixels(80), "png"))
        [output] = await inbox.wait_for(job, Output)
        session.close_stream(job)
        await inbox.completed(job)
    assert isinstance(error, FrameError)
    assert error.error["type"] == "ImageDecodeError"
    assert isinstance(output, Output)
    assert output.data == [80]


async def test_a_stream_validator_runs_once_at_open_before_any_frame() -> None:
    seen: list[Any] = []

    def check(frame: Any, level: Any) -> list[dict[str, Any]]:
        seen.append((frame, level))
        return [gr.validate(True, ""), gr.validate(level > 0, "level must be positive")]

    def level_of(frame: np.ndarray, level: int) -> int:
        return level

    demo = stream_app(level_of, extra=True, stream_every=0, validator=check)
    async with connect(AppRuntime(demo)) as (session, inbox):
        refused = await inbox.completed(await session.open_stream("live", [None, -1]))
        job = await session.open_stream("live", [None, 5])
        for count in (1, 2):
            session.send_frame(job, pixels(count))
            await inbox.wait_for(job, Output, count)
        session.close_stream(job)
        await inbox.completed(job)
    assert refused.validation == [
        {"parameter_name": "frame", "is_valid": True, "message": ""},
        {"parameter_name": "level", "is_valid": False, "message": "level must be positive"},
    ]
    assert seen == [(None, -1), (None, 5)]  # no frame yet; not run again per frame
    assert inbox.outputs(job) == [[5], [5]]


async def test_an_error_in_the_stream_fn_ends_the_stream_with_it() -> None:
    def fragile(frame: np.ndarray) -> int:
        raise gr.Error("no faces found")

    demo = stream_app(fragile, stream_every=0)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.open_stream("live")
        session.send_frame(job, pixels(1))
        completed = await inbox.completed(job)
    assert (completed.reason, completed.success) == ("error", False)
    assert completed.error is not None
    assert completed.error["message"] == "no faces found"


async def test_a_stream_ends_at_its_time_limit() -> None:
    clock = FakeClock()
    demo = stream_app(mean_level, stream_every=0, time_limit=3)
    async with connect(AppRuntime(demo, clock=clock, idle_timeout=None)) as (session, inbox):
        job = await session.open_stream("live")
        [started] = await inbox.wait_for(job, Started)
        assert isinstance(started, Started)
        assert started.time_limit == 3
        session.send_frame(job, pixels(7))
        await inbox.wait_for(job, Output)
        await clock.advance(2.9)
        assert not inbox.has(job, Completed)
        await clock.advance(0.1)
        completed = await inbox.completed(job)
    assert (completed.reason, completed.success, completed.data) == ("time_limit", True, [7])


async def test_a_stream_with_no_frames_ends_as_idle() -> None:
    clock = FakeClock()
    demo = stream_app(mean_level, stream_every=0)
    async with connect(AppRuntime(demo, clock=clock, idle_timeout=5)) as (session, inbox):
        job = await session.open_stream("live")
        await inbox.wait_for(job, Started)
        await clock.advance(4)
        session.send_frame(job, pixels(3))  # activity restarts the idle count
        await inbox.wait_for(job, Output)
        await clock.advance(4)
        assert not inbox.has(job, Completed)
        await clock.advance(1)
        completed = await inbox.completed(job)
    assert (completed.reason, completed.data) == ("idle", [3])


async def test_stream_every_lets_the_fn_see_at_most_one_frame_per_period() -> None:
    clock = FakeClock()
    demo = stream_app(mean_level, stream_every=1.0)
    async with connect(AppRuntime(demo, clock=clock, idle_timeout=None)) as (session, inbox):
        job = await session.open_stream("live")
        await inbox.wait_for(job, Started)
        session.send_frame(job, Frame(pixels(1), seq=1))
        await inbox.wait_for(job, Output)
        session.send_frame(job, Frame(pixels(2), seq=2))
        session.send_frame(job, Frame(pixels(3), seq=3))
        with anyio.move_on_after(0.2):  # real time: the fn would answer in well under that
            await inbox.wait_for(job, Output, 2)
        assert len(inbox.of(job, Output)) == 1
        await clock.advance(1.0)
        await inbox.wait_for(job, Output, 2)
        session.close_stream(job)
        completed = await inbox.completed(job)
    assert [m.seq for m in inbox.of(job, Output)] == [1, 3]  # type: ignore[attr-defined]
    assert completed.stats is not None
    assert completed.stats["dropped"] == 1


async def test_a_queued_stream_keeps_only_the_latest_frame_until_it_starts() -> None:
    clock = FakeClock()
    demo = stream_app(mean_level, stream_every=0)
    runtime = AppRuntime(demo, clock=clock, idle_timeout=None)
    async with connect(runtime) as (first, first_inbox), connect(runtime) as (second, inbox):
        running = await first.open_stream("live")
        await first_inbox.wait_for(running, Started)
        queued = await second.open_stream("live")
        await inbox.wait_for(queued, Estimation)
        for level in (1, 2, 3):
            second.send_frame(queued, pixels(level))
        await anyio.wait_all_tasks_blocked()
        assert not inbox.has(queued, Started)  # a running stream holds its slot
        first.close_stream(running)
        await first_inbox.completed(running)
        await inbox.wait_for(queued, Output)
        second.close_stream(queued)
        completed = await inbox.completed(queued)
    assert inbox.outputs(queued) == [[3]]
    assert completed.stats is not None
    assert completed.stats["dropped"] == 2


async def test_a_disconnect_frees_a_streams_slot_at_once() -> None:
    demo = stream_app(mean_level, stream_every=0)
    runtime = AppRuntime(demo, idle_timeout=None)
    async with connect(runtime) as (other, inbox):
        async with connect(runtime) as (session, own_inbox):
            running = await session.open_stream("live")
            await own_inbox.wait_for(running, Started)
            queued = await other.open_stream("live")
            await inbox.wait_for(queued, Estimation)
        await inbox.wait_for(queued, Started)
        other.close_stream(queued)
        await inbox.completed(queued)


async def test_update_inputs_changes_the_other_inputs_for_the_next_frames() -> None:
    demo = stream_app(lambda frame, offset: mean_level(frame) + offset, extra=True, stream_every=0)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.open_stream("live", [None, 100])
        session.send_frame(job, pixels(1))
        await inbox.wait_for(job, Output)
        await session.update_inputs(job, [None, 200])
        session.send_frame(job, pixels(1))
        await inbox.wait_for(job, Output, 2)
        session.close_stream(job)
        await inbox.completed(job)
    assert inbox.outputs(job) == [[101], [201]]


async def test_a_stream_event_submitted_as_a_call_runs_once_on_its_frame() -> None:
    demo = stream_app(mean_level)
    frame = {"url": to_data_url(encode(pixels(7), "png"), "image/png")}
    async with connect(AppRuntime(demo)) as (session, inbox):
        completed = await inbox.completed(await session.submit("live", [frame]))
    assert (completed.reason, completed.data) == ("done", [7])


async def test_stream_requests_are_refused_for_calls() -> None:
    demo = stream_app(mean_level)
    with demo:
        gr.Number().submit(abs, demo.components[1], demo.components[1], api_name="call")
    async with connect(AppRuntime(demo)) as (session, inbox):
        with pytest.raises(ValueError, match="'call' is not a stream event: use submit"):
            await session.open_stream("call", [1])
        job = await inbox.completed(await session.submit("call", [-1]))
        with pytest.raises(UnknownJobError):
            session.send_frame(job.job, pixels(1))


async def test_cancelling_a_stream_drops_the_result_in_flight() -> None:
    entered = threading.Event()
    release = threading.Event()

    def slow(frame: np.ndarray) -> int:
        entered.set()
        release.wait(WAIT)
        return 1

    demo = stream_app(slow, stream_every=0)
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.open_stream("live")
        session.send_frame(job, pixels(1))
        await anyio.to_thread.run_sync(entered.wait, WAIT)
        session.cancel(job)
        release.set()
        completed = await inbox.completed(job)
    assert (completed.reason, completed.data) == ("cancelled", None)
    assert inbox.outputs(job) == []


async def test_refusals_judge_inputs_before_any_job() -> None:
    calls: list[Any] = []
    runtime = AppRuntime(validated_app(lambda x, text: calls.append(x) or text, positive_and_short))
    dependency = runtime.blocks.dependency("run")
    assert await runtime.refusals(dependency, [-1, "hi"]) == [
        {"parameter_name": "x", "is_valid": False, "message": "x must be positive"},
        {"parameter_name": "text", "is_valid": True, "message": "too long"},
    ]
    assert await runtime.refusals(dependency, [1, "hi"]) is None
    assert calls == []  # the fn never ran


# -- preprocessing and the slot (hardening: decoding belongs to the job's slot) -----------------


class CountingNumber(gr.Number):
    """A Number that records each value it preprocesses; ``block`` holds the one given."""

    def __init__(self, seen: list[Any], block: Any = None, gate: Any = None) -> None:
        super().__init__()
        self.seen, self.block, self.gate = seen, block, gate

    def preprocess(self, payload: Any) -> Any:
        self.seen.append(payload)
        if payload == self.block and self.gate is not None:
            self.gate.entered.set()
            self.gate.release.wait(10)
        return super().preprocess(payload)


async def test_a_queued_call_is_preprocessed_only_once_it_holds_its_slot() -> None:
    seen: list[Any] = []
    gate = Gate()
    with gr.Blocks() as demo:
        number = CountingNumber(seen)
        number.submit(gate.wait, number, number, api_name="run", trigger_mode="multiple")
    async with connect(AppRuntime(demo)) as (session, inbox):
        first = await session.submit("run", [1])
        await inbox.wait_for(first, Started)
        waiting = await session.submit("run", [2])
        await inbox.wait_for(waiting, Estimation)
        assert seen == [1]  # the waiting call holds its value as sent
        session.cancel(waiting)
        assert (await inbox.completed(waiting)).reason == "cancelled"
        gate.open()
        assert (await inbox.completed(first)).data == [1]
    assert seen == [1]  # the cancelled call was never preprocessed


async def test_a_cancel_stops_preprocessing_before_the_next_input() -> None:
    seen: list[Any] = []
    held = threading.Event(), threading.Event()

    class Held:
        entered, release = held

    with gr.Blocks() as demo:
        inputs = [CountingNumber(seen, block=1, gate=Held), CountingNumber(seen)]
        inputs[0].submit(lambda a, b: a, inputs, inputs[0], api_name="run")
    async with connect(AppRuntime(demo)) as (session, inbox):
        job = await session.submit("run", [1, 2])
        assert await anyio.to_thread.run_sync(Held.entered.wait, 10)
        session.cancel(job)
        Held.release.set()
        assert (await inbox.completed(job)).reason == "cancelled"
    assert seen == [1]  # the second input was not preprocessed


async def test_validators_preprocess_in_the_prequeue_pool_and_the_job_again() -> None:
    seen: list[Any] = []
    with gr.Blocks() as demo:
        number = CountingNumber(seen)
        number.submit(
            lambda x: x, number, number, api_name="run", validator=lambda x: gr.validate(x > 0, "")
        )
    runtime = AppRuntime(demo, prequeue_threads=1)
    assert runtime.preprocessor.prequeue.total_tokens == 1
    async with connect(runtime) as (session, inbox):
        job = await session.submit("run", [3])
        assert (await inbox.completed(job)).data == [3]
    assert seen == [3, 3]  # for the validator (dropped), then in the slot
    with pytest.raises(ValueError, match="prequeue_threads must be at least 1"):
        AppRuntime(demo, prequeue_threads=0)
