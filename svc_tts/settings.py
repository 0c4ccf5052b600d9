from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import NoDecode

from common.settings import Settings, split_commas


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
    # espeak-ng's languages listed among the voices (as espeak:<language>). A job in any
    # language espeak-ng knows is spoken by it when no installed voice speaks that language.
    espeak_languages: Annotated[tuple[str, ...], NoDecode, BeforeValidator(split_commas)] = (
        "ar",
        "de",
        "es",
        "fr",
        "hi",
        "it",
        "ja",
        "pt",
        "ru",
        "zh",
    )
    # The captions stage's multilingual whisper model (the same variable): a job in a
    # language that names no voice goes to a voice without timing only where it is set or
    # the multilingual extra is installed, as only then can its captions be timed.
    whisper_multilingual_model: str | None = None
    # An OpenAI-compatible speech endpoint (OpenAI's https://api.openai.com/v1, or a local
    # server speaking its wire format); its voice is listed as openai:<voice> when set.
    speech_base_url: str | None = None
    speech_model: str | None = None
    speech_voice: str = "alloy"
    # Local servers take no key, but the client must send one; None sends a placeholder.
    speech_api_key: SecretStr | None = None
    # How long one piece of the text may take, and how large its answer may be.
    speech_timeout_seconds: float = Field(default=60.0, gt=0)
    speech_max_response_bytes: int = Field(default=20_000_000, gt=0)
