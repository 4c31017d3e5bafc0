"""Write the corpus's input files into ``assets/``: small images made with Pillow, a WAV tone
and a short MP4 clip (PyAV, from the ``fast`` extra). Rerun it to remake them:
``python tests/apps/make_assets.py``."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import PIL.Image

ASSETS = Path(__file__).parent / "assets"


def gradient() -> np.ndarray:
    """64 wide, 48 high: red rises left to right, green top to bottom, blue is flat 90."""
    y, x = np.mgrid[0:48, 0:64]
    return np.stack([40 + x * 2, 30 + y * 3, np.full_like(x, 90)], axis=-1).astype(np.uint8)


def halves() -> np.ndarray:
    """40 by 40: the left half black, the right half white."""
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, 20:] = 255
    return image


def tone(path: Path, rate: int = 8000, seconds: float = 0.25) -> None:
    """A 440 Hz mono int16 tone rising in loudness, so reversing it is visible."""
    t = np.arange(int(rate * seconds)) / rate
    samples = (np.sin(2 * np.pi * 440 * t) * 20000 * t / seconds).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())


def clip(path: Path) -> None:
    """Ten 64x48 H.264 frames at 10 fps, a square moving right."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for step in range(10):
            image = np.zeros((48, 64, 3), np.uint8)
            image[16:32, step * 4 : step * 4 + 16] = (250, 200, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def main() -> None:
    ASSETS.mkdir(exist_ok=True)
    PIL.Image.fromarray(gradient()).save(ASSETS / "gradient.png")
    PIL.Image.fromarray(halves()).save(ASSETS / "halves.png")
    PIL.Image.new("RGB", (32, 32), (200, 30, 30)).save(ASSETS / "red.png")
    PIL.Image.new("RGB", (24, 16), (20, 60, 220)).save(ASSETS / "blue.jpg", quality=95)
    tone(ASSETS / "tone.wav")
    clip(ASSETS / "clip.mp4")
    (ASSETS / "notes.txt").write_text("red green blue\n")


if __name__ == "__main__":
    main()
