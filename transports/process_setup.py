"""What every server process sets up once before it serves: :func:`prepare_process`.

``launch()``, ``serve()`` and each worker of ``streamcore serve`` call it before binding
their socket, so a bad setting stops the server at start with an error naming the
environment variable, not at the first frame.
"""

from __future__ import annotations

from streamcore.media.encoding import webp_method

from .memory import apply_policy as apply_malloc_policy
from .switch_interval import apply_switch_interval

__all__ = ["prepare_process"]


def prepare_process() -> None:
    """Check the process-wide settings read later (``STREAMCORE_WEBP_METHOD``), then apply
    glibc's malloc policy (frame buffers go back to the OS: :mod:`transports.memory`) and
    the switch interval (the loop gets the GIL back within 1 ms:
    :mod:`transports.switch_interval`); both once per process. Raises ``ValueError`` naming
    the variable for a bad ``STREAMCORE_WEBP_METHOD``, ``STREAMCORE_MALLOC`` or
    ``STREAMCORE_SWITCH_INTERVAL``, before changing anything."""
    webp_method()
    apply_malloc_policy()
    apply_switch_interval()
