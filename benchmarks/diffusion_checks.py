"""What the generator scenarios check of the images a client received: each one decodes to
the same pixels as the same image encoded locally, and the last is the orange 1000x1000.

Shared by :mod:`benchmarks.generator` (streamcore's own client) and
:mod:`benchmarks.generator_http` (``gradio_client``).
"""

from __future__ import annotations

import io
from typing import Final

import numpy as np
import PIL.Image

from streamcore.media.encoding import decode

from .harness import BenchmarkError
from .marks import mean_abs_diff
from .workloads import DIFFUSION_FINAL_COLOUR

__all__ = ["MAX_DIFF", "check_diffusion_images", "decode_image"]

MAX_DIFF: Final = 0.5
"""Largest mean difference (0-255) between a received image and the local encoding."""


def check_diffusion_images(label: str, images: list[bytes], expected: list[bytes]) -> list[float]:
    """Each image's mean difference from its local encoding; raises
    :class:`~benchmarks.harness.BenchmarkError` naming ``label`` and the image when one
    differs, has another shape, or the last is not the orange 1000x1000 one."""
    diffs = []
    for index, (data, local) in enumerate(zip(images, expected, strict=True)):
        got, want = decode_image(data), decode_image(local)
        if got.shape != want.shape:
            raise BenchmarkError(f"{label} image {index}: {got.shape}, expected {want.shape}")
        diff = mean_abs_diff(got, want)
        if not diff < MAX_DIFF:
            raise BenchmarkError(
                f"{label} image {index} differs from the same image encoded locally by "
                f"{diff:.2f} on average (limit {MAX_DIFF:g})"
            )
        diffs.append(diff)
    final = decode_image(images[-1])
    if (
        final.shape[:2] != (1000, 1000)
        or mean_abs_diff(final, np.full_like(final, DIFFUSION_FINAL_COLOUR)) > 3
    ):
        raise BenchmarkError(f"{label}: the final image is not the orange 1000x1000 one")
    return diffs


def decode_image(data: bytes) -> np.ndarray:
    """The RGB pixels of a JPEG, WebP or PNG file's bytes."""
    if data[:3] == b"\xff\xd8\xff":
        return decode(data)
    with PIL.Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))
