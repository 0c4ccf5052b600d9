"""A generated background drawn from its description, at the size the output needs.

The animation is smooth (its finest detail, the stripes, is a quarter of the short side
wide), so it is drawn small and scaled up to the output size in the same step that
converts it to yuv420p: about as cheap per frame as decoding and scaling a clip file
(bench/render.py). It never runs out, so it neither loops nor needs a drift to hide one.
"""

from pathlib import Path

import av
from av.video.reformatter import VideoReformatter
from pydantic import ValidationError

from common.animation import Animation
from common.documents import MAX_DESCRIPTION_BYTES, GeneratedBackground
from svc_render.clips import ClipUnusable

DESCRIPTION_SUFFIX = ".json"
# Drawing costs per pixel in numpy; at this size it costs about what the scaling does.
DRAWING_SHORT_SIDE = 96


def is_description(path: Path) -> bool:
    return path.suffix.lower() == DESCRIPTION_SUFFIX


def read_description(path: Path) -> GeneratedBackground:
    """The description in ``path``; ClipUnusable if it is missing, too large or malformed."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_DESCRIPTION_BYTES + 1)
    except OSError as exc:
        raise ClipUnusable(f"cannot read the description ({exc.strerror})") from exc
    if len(data) > MAX_DESCRIPTION_BYTES:
        raise ClipUnusable(f"the description is over {MAX_DESCRIPTION_BYTES} bytes")
    try:
        return GeneratedBackground.model_validate_json(data)
    except ValidationError as exc:
        raise ClipUnusable(f"not a generated background ({exc.error_count()} errors)") from exc


class DrawnBackground:
    """Output-sized yuv420p frames of one seeded animation, each a frame of its own."""

    def __init__(self, description: GeneratedBackground, width: int, height: int) -> None:
        self._width = width
        self._height = height
        scale = min(1.0, DRAWING_SHORT_SIDE / min(width, height))
        self._animation = Animation(description.seed, _even(width * scale), _even(height * scale))
        # One scaler for every frame: setting one up costs more than a small frame's scaling.
        self._scaler = VideoReformatter()

    @classmethod
    def open(cls, path: Path, width: int, height: int) -> "DrawnBackground":
        return cls(read_description(path), width, height)

    def frame_at(self, seconds: float) -> av.VideoFrame:
        drawing = av.VideoFrame.from_ndarray(self._animation.frame_at(seconds), format="rgb24")
        return self._scaler.reformat(
            drawing, self._width, self._height, "yuv420p", interpolation="BILINEAR"
        )

    def close(self) -> None:
        pass


def _even(length: float) -> int:
    return max(2, 2 * round(length / 2))
