"""``Video`` and ``Audio``: a video or a sound as a file, as ``gr.Video`` and ``gr.Audio``
in Gradio 6, without streaming.

Both send a ``FileData`` dict. ``Video`` gives the fn the file's path and takes a path or
URL back. ``Audio`` gives a path (``type="filepath"``) or ``(sample_rate, samples)``
(``type="numpy"``, read from a WAV file with the standard library's ``wave``), and takes a
path, a URL, WAV bytes or ``(sample_rate, samples)`` (written as a 16-bit WAV file).

Not done (see ``docs/semantics.md``): converting between containers or codecs
(``format``, Gradio's ffmpeg steps), watermarks and subtitles on a video, reading
anything but WAV as numpy, and streaming (``streaming=True`` raises at construction).
"""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

import numpy as np

from ..errors import InvalidInputError
from ..media.files import current_file_access, save_bytes_to_cache
from ..media.options import WebcamOptions
from ..media.wav import is_wav, read_wav, write_wav
from ._common import Key, buttons_prop, describe, is_real
from ._files import client_file, file_data, file_data_schema, fn_file
from .base import Component

__all__ = ["Audio", "Video"]

_VIDEO_SOURCES: Final = ["upload", "webcam"]
_AUDIO_SOURCES: Final = ["upload", "microphone"]
_AUDIO_TYPES: Final = ["numpy", "filepath"]
_AUDIO_FORMATS: Final = ["wav", "mp3"]
_SAMPLE_VIDEO: Final = (
    "https://github.com/gradio-app/gradio/raw/main/gradio/media_assets/videos/world.mp4"
)
_SAMPLE_AUDIO: Final = (
    "https://github.com/gradio-app/gradio/raw/main/test/test_files/audio_sample.wav"
)


def _sources(value: object, valid: list[str]) -> list[str]:
    if value is None:
        return list(valid)
    sources = [value] if isinstance(value, str) else value
    if not isinstance(sources, list) or any(source not in valid for source in sources):
        raise ValueError(f"`sources` must be a list consisting of elements in {valid}")
    return list(sources)


def _no_streaming(kind: str, streaming: bool) -> None:
    if streaming:
        raise ValueError(
            f"{kind}(streaming=True) is not supported by streamcore: a {kind.lower()} is a "
            f"file value here. Stream frames with Image(streaming=True), or return a "
            f"{kind.lower()} file."
        )


class Video(Component):
    """A video file to upload (input) or play (output), as ``gr.Video`` without streaming.

    Every parameter is Gradio 6's, with its default. ``format`` is kept in the props but
    no file is converted. Raises ``ValueError`` for bad ``sources``, for
    ``streaming=True``, and for a ``watermark`` or ``subtitles`` (not supported).
    """

    EVENTS: ClassVar[tuple[str, ...]] = (
        "change",
        "clear",
        "start_recording",
        "stop_recording",
        "stop",
        "play",
        "pause",
        "end",
        "upload",
        "input",
    )

    def __init__(
        self,
        value: str | Path | Callable[..., Any] | None = None,
        *,
        format: str | None = None,
        sources: list[Literal["upload", "webcam"]] | Literal["upload", "webcam"] | None = None,
        height: int | str | None = None,
        width: int | str | None = None,
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        interactive: bool | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        webcam_options: WebcamOptions | None = None,
        include_audio: bool | None = None,
        autoplay: bool = False,
        buttons: list[Any] | None = None,
        loop: bool = False,
        streaming: bool = False,
        watermark: Any = None,
        subtitles: Any = None,
        playback_position: float = 0,
    ) -> None:
        self.sources = _sources(sources, _VIDEO_SOURCES)
        _no_streaming("Video", streaming)
        for name, given in (("watermark", watermark), ("subtitles", subtitles)):
            if given is not None:
                raise ValueError(
                    f"Video {name}= is not supported by streamcore (it does not re-encode "
                    f"videos); burn the {name} into the file the fn returns instead."
                )
        self.format = format
        self.height = height
        self.width = width
        self.webcam_options = webcam_options if webcam_options is not None else WebcamOptions()
        self.include_audio = (
            include_audio if include_audio is not None else "upload" in self.sources
        )
        self.autoplay = autoplay
        self.buttons: list[Any] = ["download"] if buttons is None else list(buttons)
        self.loop = loop
        self.streaming = False
        self.playback_position = playback_position
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            interactive=interactive,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def preprocess(self, payload: Any) -> str | None:
        """The uploaded video's path (``None`` for ``None``). Raises what
        :func:`~streamcore.components._files.client_file` raises."""
        if payload is None:
            return None
        return str(client_file("Video", payload)[0])

    def postprocess(self, value: Any) -> dict[str, Any] | None:
        """A FileData dict for a path or URL (``None`` for ``None``); raises ``ValueError``
        naming Video for another type."""
        if value is None:
            return None
        if isinstance(value, str | Path):
            return fn_file("Video", value)
        raise ValueError(
            f"Video expects a file path or URL from the function, got {describe(value)}."
        )

    def api_info(self) -> dict[str, Any]:
        """Gradio 6's schema: one ``FileData``."""
        return file_data_schema()

    def example_value(self) -> str:
        """Gradio's sample video's URL."""
        return _SAMPLE_VIDEO

    def example_payload(self) -> dict[str, Any]:
        return {
            "path": _SAMPLE_VIDEO,
            "orig_name": "world.mp4",
            "meta": {"_type": "gradio.FileData"},
        }

    def props(self) -> dict[str, Any]:
        """The config props clients receive, JSON-serialisable."""
        return {
            **super().props(),
            "name": "video",
            "value": self.value,
            "format": self.format,
            "sources": self.sources,
            "height": self.height,
            "width": self.width,
            "webcam_options": self.webcam_options.to_dict(),
            "include_audio": self.include_audio,
            "autoplay": self.autoplay,
            "buttons": buttons_prop(self.buttons),
            "loop": self.loop,
            "streaming": False,
            "watermark": None,
            "subtitles": None,
            "playback_position": self.playback_position,
        }


class Audio(Component):
    """A sound file to upload (input) or play (output), as ``gr.Audio`` without streaming.

    Every parameter is Gradio 6's, with its default. Raises ``ValueError`` for bad
    ``sources``, ``type`` or ``format`` (Gradio's messages) and for ``streaming=True``.
    """

    EVENTS: ClassVar[tuple[str, ...]] = (
        "stream",
        "change",
        "clear",
        "play",
        "pause",
        "stop",
        "start_recording",
        "pause_recording",
        "stop_recording",
        "upload",
        "input",
    )

    def __init__(
        self,
        value: str | Path | tuple[int, Any] | Callable[..., Any] | None = None,
        *,
        sources: list[Literal["upload", "microphone"]]
        | Literal["upload", "microphone"]
        | None = None,
        type: Literal["numpy", "filepath"] = "numpy",
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        interactive: bool | None = None,
        visible: bool | Literal["hidden"] = True,
        streaming: bool = False,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        format: Literal["wav", "mp3"] | None = None,
        autoplay: bool = False,
        editable: bool = True,
        buttons: list[Any] | None = None,
        waveform_options: Any = None,
        loop: bool = False,
        recording: bool = False,
        subtitles: Any = None,
        playback_position: float = 0,
    ) -> None:
        _no_streaming("Audio", streaming)
        self.sources = _sources(sources, _AUDIO_SOURCES)
        if type not in _AUDIO_TYPES:
            raise ValueError(
                f"Invalid value for parameter `type`: {type}. Please choose from one of: "
                f"{' '.join(_AUDIO_TYPES)}"
            )
        if format is not None and format.lower() not in _AUDIO_FORMATS:
            raise ValueError(
                f"Invalid value for parameter `format`: {format}. Please choose from one of: "
                f"{' '.join(_AUDIO_FORMATS)}"
            )
        if subtitles is not None:
            raise ValueError("Audio subtitles= is not supported by streamcore.")
        self.type = type
        self.format = format and format.lower()
        self.autoplay = autoplay
        self.editable = editable
        self.buttons: list[Any] = ["download", "share"] if buttons is None else list(buttons)
        self.waveform_options = waveform_options
        self.loop = loop
        self.recording = recording
        self.playback_position = playback_position
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            interactive=interactive,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def preprocess(self, payload: Any) -> str | tuple[int, Any] | None:
        """The fn's argument: ``None`` for ``None``; the file's path (``type="filepath"``);
        ``(sample_rate, samples)`` read from a WAV file (``type="numpy"``). Raises
        :class:`InvalidInputError` for a file that is not a PCM WAV file when
        ``type="numpy"``, and what :func:`client_file` raises."""
        if payload is None:
            return None
        path, name = client_file("Audio", payload)
        if self.type == "filepath":
            return str(path)
        with path.open("rb") as file:
            head = file.read(12)
        if not is_wav(head):
            raise InvalidInputError(
                f"Audio: the file {name!r} is not a WAV file; type='numpy' reads WAV files "
                "only (use type='filepath' for other formats)"
            )
        try:
            return read_wav(path)
        except (wave.Error, EOFError, ValueError) as exc:
            raise InvalidInputError(f"Audio: the WAV file {name!r} cannot be read: {exc}") from None

    def postprocess(self, value: Any) -> dict[str, Any] | None:
        """A FileData dict for the fn's return: a path or URL (served as the file is), WAV
        or other audio ``bytes`` (stored in the cache) or ``(sample_rate, samples)``
        (written as a 16-bit WAV file; floats are scaled to their peak, as Gradio).
        Raises ``ValueError`` naming Audio for another type or a bad tuple."""
        if value is None:
            return None
        if isinstance(value, str | Path):
            return fn_file("Audio", value)
        policy = current_file_access.get()
        if isinstance(value, bytes):
            name = "audio.wav" if is_wav(value) else "audio"
            return file_data(save_bytes_to_cache(value, name, policy))
        if isinstance(value, tuple) and len(value) == 2:
            rate, samples = value
            if not is_real(rate) or int(rate) <= 0 or not isinstance(samples, np.ndarray):
                raise ValueError(
                    "Audio expects (sample rate, numpy array) from the function, got a tuple "
                    f"of {describe(rate)} and {describe(samples)}."
                )
            data = write_wav(int(rate), samples)
            return file_data(save_bytes_to_cache(data, "audio.wav", policy))
        raise ValueError(f"Cannot process {describe(value)} as Audio")

    def api_info(self) -> dict[str, Any]:
        """Gradio 6's schema: one ``FileData``."""
        return file_data_schema()

    def example_value(self) -> str:
        """Gradio's sample sound's URL."""
        return _SAMPLE_AUDIO

    def example_payload(self) -> dict[str, Any]:
        return {
            "path": _SAMPLE_AUDIO,
            "orig_name": "audio_sample.wav",
            "meta": {"_type": "gradio.FileData"},
        }

    def props(self) -> dict[str, Any]:
        """The config props clients receive, JSON-serialisable."""
        return {
            **super().props(),
            "name": "audio",
            "value": self.value,
            "sources": self.sources,
            "type": self.type,
            "format": self.format,
            "autoplay": self.autoplay,
            "editable": self.editable,
            "buttons": buttons_prop(self.buttons),
            "loop": self.loop,
            "recording": self.recording,
            "streaming": False,
            "playback_position": self.playback_position,
        }
