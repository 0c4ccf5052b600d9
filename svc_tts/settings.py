from pathlib import Path

from common.settings import Settings


class TtsSettings(Settings):
    # A Piper voice (.onnx with its .onnx.json beside it); empty means the bundled voice.
    piper_voice: Path | None = None
    # Silence between sentences, so the narration breathes and captions can break there.
    sentence_pause: float = 0.25
