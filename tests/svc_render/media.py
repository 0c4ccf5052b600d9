"""Tiny media files for the render tests, made with PyAV and the standard library."""

import wave
from pathlib import Path

import av
import numpy as np


def write_tone(path: Path, seconds: float, sample_rate: int = 16000) -> None:
    """A mono 16-bit WAV of a 220 Hz sine."""
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    samples = (np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.tobytes())


def write_clip(path: Path, pictures: list[np.ndarray], fps: int) -> None:
    """An H.264 MP4 showing each RGB picture (height, width, 3) for one frame."""
    height, width = pictures[0].shape[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"crf": "10"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index, picture in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def solid(rgb: tuple[int, int, int], width: int, height: int) -> np.ndarray:
    return np.full((height, width, 3), rgb, dtype=np.uint8)


def to_rgb(frame: av.VideoFrame) -> np.ndarray:
    """The RGB picture of one of the renderer's frames."""
    return frame.to_ndarray(format="rgb24")


def decoded_rgb(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def write_audio_only(path: Path) -> None:
    """An MP4 with a short AAC stream and no video at all."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = (np.sin(np.arange(16000) / 10) * 8000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 16000
        frame.pts = 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
