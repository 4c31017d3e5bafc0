"""WAV audio to and from ``(sample_rate, samples)``, with the standard library's ``wave``.

The samples are a numpy array of shape ``(n,)`` (mono) or ``(n, channels)``, as Gradio's
``Audio(type="numpy")`` gives and takes. Only PCM WAV is read (what ``wave`` reads);
other formats need ``Audio(type="filepath")``.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["is_wav", "read_wav", "to_int16", "write_wav"]


def is_wav(head: bytes) -> bool:
    """Whether ``head`` (a file's first 12 bytes or more) starts a RIFF WAVE file."""
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def read_wav(path: Path) -> tuple[int, npt.NDArray[Any]]:
    """The sample rate and samples of the PCM WAV file at ``path``: int16 for 16-bit
    files, int32 for 24- and 32-bit ones (24-bit scaled to 32), int16 for 8-bit ones
    (scaled from unsigned). Raises ``wave.Error`` / ``EOFError`` for a file ``wave``
    cannot read."""
    with wave.open(str(path), "rb") as reader:
        rate, channels, width = reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
        raw = reader.readframes(reader.getnframes())
    samples: npt.NDArray[Any]
    if width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype(np.int16) - 128) * 256
    elif width == 2:
        samples = np.frombuffer(raw, "<i2").astype(np.int16)
    elif width == 3:
        triples = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        samples = (triples[:, 0] << 8 | triples[:, 1] << 16 | triples[:, 2] << 24).astype(np.int32)
    elif width == 4:
        samples = np.frombuffer(raw, "<i4").astype(np.int32)
    else:
        raise wave.Error(f"unsupported sample width of {width} bytes")
    if channels > 1:
        samples = samples.reshape(-1, channels)
    return rate, samples


def to_int16(data: npt.NDArray[Any]) -> npt.NDArray[np.int16]:
    """``data`` as 16-bit samples, by Gradio's rule: floats scaled so their peak is full
    scale (silence stays silence), int32 divided by 65,536, uint16 and uint8 shifted to
    signed, int8 multiplied by 256. Raises ``ValueError`` for any other dtype."""
    kind = data.dtype
    if kind == np.int16:
        return data
    if kind in (np.float16, np.float32, np.float64):
        peak = float(np.abs(data).max()) if data.size else 0.0
        if peak == 0 or not np.isfinite(peak):
            return np.zeros(data.shape, np.int16)
        return (data / peak * 32767).astype(np.int16)
    if kind == np.int32:
        return (data / 65536).astype(np.int16)
    if kind == np.uint16:
        return (data.astype(np.int32) - 32768).astype(np.int16)
    if kind == np.uint8:
        return (data.astype(np.int32) * 257 - 32768).astype(np.int16)
    if kind == np.int8:
        return (data.astype(np.int16) * 256).astype(np.int16)
    raise ValueError(f"Audio data cannot be converted automatically from {kind} to 16-bit int")


def write_wav(sample_rate: int, data: npt.NDArray[Any]) -> bytes:
    """A 16-bit PCM WAV file of ``data`` (``(n,)`` or ``(n, channels)``, converted by
    :func:`to_int16`) at ``sample_rate``. Raises ``ValueError`` for another shape."""
    if data.ndim not in (1, 2) or (data.ndim == 2 and data.shape[1] < 1):
        raise ValueError(
            f"Audio data must have the shape (samples,) or (samples, channels), not {data.shape}"
        )
    samples = to_int16(data)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(np.ascontiguousarray(samples, "<i2").tobytes())
    return buffer.getvalue()
