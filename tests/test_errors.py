"""The exception tree: every class is drawn in the module docstring, and one table gives
each the error code a client gets."""

from __future__ import annotations

import concurrent.futures

import pytest

from streamcore import errors
from streamcore.errors import (
    WIRE_CODES,
    Error,
    EventKindError,
    ImageDecodeError,
    JobCancelledError,
    PathNotAllowedError,
    ProtocolError,
    QueueFullError,
    StreamClosedError,
    StreamcoreError,
    UnknownEventError,
    UnknownJobError,
    WouldBlockError,
    wire_error,
)

EXCEPTIONS = [
    getattr(errors, name)
    for name in errors.__all__
    if isinstance(getattr(errors, name), type) and issubclass(getattr(errors, name), Exception)
]


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_every_exception_is_in_the_tree_and_drawn(cls: type[Exception]) -> None:
    assert issubclass(cls, StreamcoreError)
    assert errors.__doc__ is not None
    assert f" {cls.__name__} " in errors.__doc__ or cls is StreamcoreError


@pytest.mark.parametrize(
    ("exc", "reply"),
    [
        (
            UnknownEventError("there is no api_name 'x'"),
            ("unknown_api", "there is no api_name 'x'"),
        ),
        (UnknownJobError("no job 'j'"), ("unknown_job", "no job 'j'")),
        (
            EventKindError("'f' is not a stream event"),
            ("not_a_stream", "'f' is not a stream event"),
        ),
        (StreamClosedError("internal"), ("stream_ended", "that stream has stopped taking frames")),
        (QueueFullError("full"), ("queue_full", "full")),
        (ImageDecodeError("not an image"), ("bad_input", "not an image")),
        (PathNotAllowedError("outside"), ("bad_input", "outside")),
        (Error("shown"), ("bad_input", "shown")),
        (WouldBlockError("busy"), ("bad_input", "busy")),
        (ProtocolError("bad_json", "not JSON"), ("bad_json", "not JSON")),
    ],
)
def test_the_table_gives_each_exception_its_reply(
    exc: StreamcoreError, reply: tuple[str, str]
) -> None:
    assert wire_error(exc) == reply


def test_the_table_has_a_default_for_every_exception() -> None:
    assert StreamcoreError in WIRE_CODES


def test_keyerror_subclasses_say_their_message_unquoted() -> None:
    assert str(UnknownEventError("no such event")) == "no such event"
    assert isinstance(UnknownEventError("x"), KeyError)


def test_a_cancelled_job_is_a_futures_cancellation() -> None:
    assert issubclass(JobCancelledError, concurrent.futures.CancelledError)
