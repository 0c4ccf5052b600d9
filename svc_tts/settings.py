from pathlib import Path
from typing import Literal

from common.settings import Settings


class TtsSettings(Settings):
    # The voice of jobs that name none: an id from GET /api/v1/voices.
    voice: str = "piper:joe-medium"
    # A folder of Piper voices (<name>.onnx with <name>.onnx.json beside it), found at start.
    voices_dir: Path | None = None
    # A Coqui TTS model (needs the coqui extra): a name already in Coqui's model folder, or
    # the path of a model file or folder; its config.json beside it unless coqui_config says.
    coqui_model: str | None = None
    coqui_config: Path | None = None
    coqui_device: Literal["cpu", "cuda", "auto"] = "auto"
    # Silence between sentences, so the narration breathes and captions can break there.
    sentence_pause: float = 0.25
