from __future__ import annotations

import anyio
import pytest

from streamcore.client import InFlightWindow

pytestmark = pytest.mark.anyio


async def test_a_result_answers_its_frame_and_every_older_one() -> None:
    window = InFlightWindow(3)
    for seq in range(3):
        await window.reserve()
        window.sent(seq)
    with anyio.move_on_after(0.05) as blocked:
        await window.reserve()
    assert blocked.cancelled_caught, "three frames in flight fill a window of three"
    window.answered(1)  # frame 0 was replaced on the server: answered with 1
    await window.reserve()
    await window.reserve()
    window.answered(2)
    with anyio.fail_after(1):
        await window.drained()


async def test_without_a_number_a_result_answers_the_oldest_frame() -> None:
    window = InFlightWindow(2)
    for seq in range(2):
        await window.reserve()
        window.sent(seq)
    window.answered()
    await window.reserve()
    window.unreserve()
    with anyio.move_on_after(0.05) as waiting:
        await window.drained()
    assert waiting.cancelled_caught, "frame 1 is still in flight"


async def test_a_frame_unanswered_too_long_is_counted_lost() -> None:
    window = InFlightWindow(1)
    await window.reserve()
    window.sent(0)
    await window.reserve(lose_after=0.01)
    assert window.lost == 1
    window.sent(1)
    window.answered(1)
    with anyio.fail_after(1):
        await window.drained()


def test_the_window_needs_room_for_one_frame() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InFlightWindow(0)
