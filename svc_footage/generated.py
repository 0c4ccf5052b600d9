"""Procedurally animated backgrounds, for segments no library file matches.

The stage only describes a segment's background (a seed, in a small JSON document) and
the render draws it at the size it needs, so a whole story's backgrounds cost the stage
milliseconds rather than an encode per segment. Encoding the same animation into a clip
file stays available for tools and tests that need a real video file.
"""

from pathlib import Path

import av

from common.animation import Animation, clip_seed
from common.artifacts import write_bytes_atomic
from common.documents import GeneratedBackground

__all__ = ["Animation", "clip_seed", "clip_size", "write_description", "write_generated_clip"]

# The renderer loops clips shorter than their segment, so longer clips only cost time.
MAX_CLIP_SECONDS = 10.0
# The renderer scales clips up to the output size; smooth shapes lose nothing by it.
SHORT_SIDE = 360
# The animation is drawn at this fraction of the clip's size and scaled up while it is
# converted for the encoder, which costs nothing extra.
DRAWING_SCALE = 0.5
# What a description file is named with, for the render to tell it from a video file.
DESCRIPTION_SUFFIX = ".json"


def clip_size(width: int, height: int) -> tuple[int, int]:
    """The output's aspect ratio at a modest size, with even sides as yuv420p needs."""
    scale = min(1.0, SHORT_SIDE / min(width, height))
    return _even(width * scale), _even(height * scale)


def write_description(path: Path, *, seed: int) -> None:
    """Write the description the render draws the background from."""
    document = GeneratedBackground(seed=seed)
    write_bytes_atomic(path, document.model_dump_json().encode())


def write_generated_clip(
    path: Path, *, seed: int, seconds: float, width: int, height: int, fps: int
) -> None:
    """Write an H.264 MP4 of ``seconds`` (capped) of animation at ``width`` x ``height``."""
    animation = Animation(
        seed, _even(width * DRAWING_SCALE, minimum=8), _even(height * DRAWING_SCALE, minimum=8)
    )
    frame_count = max(1, round(min(seconds, MAX_CLIP_SECONDS) * fps))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.thread_type = "AUTO"
        for index in range(frame_count):
            drawing = av.VideoFrame.from_ndarray(animation.frame_at(index / fps), format="rgb24")
            frame = drawing.reformat(width, height, "yuv420p", interpolation="BILINEAR")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _even(length: float, minimum: int = 2) -> int:
    return max(minimum, 2 * round(length / 2))
