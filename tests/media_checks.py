"""What a finished video must look like, checked with PyAV."""

from dataclasses import dataclass
from pathlib import Path

import av


@dataclass
class VideoFacts:
    video_codec: str
    audio_codec: str
    width: int
    height: int
    fps: float
    duration: float


def probe(path: Path) -> VideoFacts:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert container.duration is not None
        return VideoFacts(
            video_codec=video.codec_context.name,
            audio_codec=audio.codec_context.name,
            width=video.codec_context.width,
            height=video.codec_context.height,
            fps=float(video.average_rate or 0),
            duration=container.duration / av.time_base,
        )
