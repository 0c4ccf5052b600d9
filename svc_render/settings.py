from pathlib import Path

from common.settings import Settings


class RenderSettings(Settings):
    # libx264's speed/size trade-off and quality (lower crf: better and bigger).
    render_preset: str = "veryfast"
    render_crf: int = 23
    # A TrueType/OpenType font for captions; Pillow's built-in scalable font when unset.
    font_path: Path | None = None
