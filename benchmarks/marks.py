"""The frame counter the benchmarks draw in their frames: :mod:`streamcore.media.marks`
(numpy only, so the peers' scripts, run in other virtualenvs, import it from here too)."""

from streamcore.media.marks import (
    BITS,
    MODULUS,
    Unwrapper,
    mean_abs_diff,
    read_index,
    stamp_index,
)

__all__ = ["BITS", "MODULUS", "Unwrapper", "mean_abs_diff", "read_index", "stamp_index"]
