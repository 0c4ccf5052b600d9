from common.settings import Settings


class CaptionsSettings(Settings):
    # A faster-whisper model directory or size name; empty means the bundled tiny.en.
    whisper_model: str | None = None
    # A multilingual faster-whisper model directory for narration in other languages whose
    # voice gives no timing; unset, the multilingual extra's faster-whisper-base if installed.
    whisper_multilingual_model: str | None = None
    whisper_device: str = "cpu"  # "cuda" or "auto" where a GPU is present
    whisper_compute_type: str = "int8"
    max_words_per_group: int = 3
    # The espeak-ng voice English text is sounded out with to match it to what was spoken
    # (a Piper voice's "espeak.voice" in its .onnx.json); other languages use their own.
    espeak_voice: str = "en-us"
