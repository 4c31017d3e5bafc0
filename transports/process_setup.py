"""What every server process sets up once before it serves: :func:`prepare_process`.

``launch()``, ``serve()`` and each worker of ``streamcore serve`` call it before binding
their socket, so a bad setting stops the server at start with an error naming the
environment variable, not at the first frame.
"""

from __future__ import annotations

from streamcore.media.encoding import webp_method

from .media_threads import batch_media_threads_from_env, mark_media_threads_from_now
from .memory import apply_policy as apply_malloc_policy
from .switch_interval import apply_switch_interval

__all__ = ["prepare_process"]


def prepare_process() -> None:
    """Check the process-wide settings read later (``STREAMCORE_WEBP_METHOD``), then apply
    glibc's malloc policy (frame buffers go back to the OS: :mod:`transports.memory`), the
    switch interval (the loop gets the GIL back within 1 ms:
    :mod:`transports.switch_interval`) and start marking WebRTC's codec threads
    ``SCHED_BATCH`` (a woken one does not preempt the loop:
    :mod:`transports.media_threads`); each once per process. Raises ``ValueError`` naming
    the variable for a bad ``STREAMCORE_WEBP_METHOD``, ``STREAMCORE_MEDIA_THREADS``,
    ``STREAMCORE_MALLOC`` or ``STREAMCORE_SWITCH_INTERVAL``, before changing anything."""
    webp_method()
    batch_media_threads_from_env()
    apply_malloc_policy()
    apply_switch_interval()
    mark_media_threads_from_now()
