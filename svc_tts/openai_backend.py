"""Voices behind an OpenAI-compatible speech endpoint (POST /v1/audio/speech).

OpenAI's own, or a local server speaking its wire format (openedai-speech, Kokoro-FastAPI,
a vLLM audio model). The text goes in pieces (see svc_tts.pieces), each answer bounded in
time and size and decoded whatever its format. The endpoint says nothing of when it spoke
what, so the captions stage times the words by listening.
"""

import io
from collections.abc import Iterator

import av
import numpy as np
import openai

from common.errors import ProviderUnavailable, StageError, TransientError
from svc_tts.pieces import spoken_pieces
from svc_tts.settings import TtsSettings
from svc_tts.speech import SpokenChunk, ending_piece

# OpenAI's voices speak at 24 kHz; other rates are resampled to it.
SAMPLE_RATE = 24_000
# The endpoint accepts speeds from 0.25 to 4.
_SPEED_RANGE = (0.25, 4.0)


class OpenAISpeaker:
    sample_rate = SAMPLE_RATE

    def __init__(self, settings: TtsSettings, voice: str) -> None:
        if not (settings.speech_base_url and settings.speech_model):
            raise StageError("openai voices need T2V_SPEECH_BASE_URL and T2V_SPEECH_MODEL")
        key = settings.speech_api_key
        self._client = openai.OpenAI(
            base_url=settings.speech_base_url,
            # The client refuses to start without a key, though local servers ignore it.
            api_key=key.get_secret_value() if key is not None else "no-key",
            timeout=settings.speech_timeout_seconds,
            # A failed piece fails the stage, which the service retries as a whole later.
            max_retries=0,
        )
        self._model = settings.speech_model
        self._voice = voice
        self._max_bytes = settings.speech_max_response_bytes

    def speak(self, text: str, speaking_rate: float) -> Iterator[SpokenChunk]:
        low, high = _SPEED_RANGE
        speed = min(max(speaking_rate, low), high)
        for piece in spoken_pieces(text, speaking_rate):
            audio = decoded(self._fetch(piece.text, speed))
            # The endpoint does not say when it spoke each phoneme.
            chunk = SpokenChunk(audio=audio, phonemes=None)
            yield from ending_piece([chunk], piece.ends_sentence)

    def _fetch(self, text: str, speed: float) -> bytes:
        body = bytearray()
        try:
            with self._client.audio.speech.with_streaming_response.create(
                model=self._model,
                voice=self._voice,
                input=text,
                response_format="wav",
                speed=speed,
            ) as response:
                for block in response.iter_bytes(64 * 1024):
                    body += block
                    if len(body) > self._max_bytes:
                        raise ProviderUnavailable(
                            f"speech endpoint: an answer over {self._max_bytes} bytes "
                            "(T2V_SPEECH_MAX_RESPONSE_BYTES)"
                        )
        except openai.APITimeoutError as exc:
            raise TransientError("speech endpoint: timeout") from exc
        except openai.APIConnectionError as exc:
            raise TransientError("speech endpoint: cannot connect") from exc
        except openai.RateLimitError as exc:
            raise TransientError("speech endpoint: rate limited") from exc
        except openai.InternalServerError as exc:
            raise TransientError(f"speech endpoint: HTTP {exc.status_code}") from exc
        except openai.APIStatusError as exc:
            raise ProviderUnavailable(f"speech endpoint: HTTP {exc.status_code}") from exc
        except openai.OpenAIError as exc:
            raise ProviderUnavailable(f"speech endpoint: {type(exc).__name__}") from exc
        return bytes(body)


def decoded(body: bytes) -> np.ndarray:
    """The audio of a WAV, MP3, Opus, AAC or FLAC answer as 16-bit mono at SAMPLE_RATE."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    blocks: list[np.ndarray] = []
    try:
        with av.open(io.BytesIO(body), mode="r") as container:
            if not container.streams.audio:
                raise ProviderUnavailable("speech endpoint: the answer holds no audio")
            for frame in container.decode(audio=0):
                blocks.extend(part.to_ndarray().reshape(-1) for part in resampler.resample(frame))
        blocks.extend(part.to_ndarray().reshape(-1) for part in resampler.resample(None))
    except av.FFmpegError as exc:
        raise ProviderUnavailable("speech endpoint: the answer is not audio") from exc
    return np.concatenate(blocks).astype(np.int16) if blocks else np.zeros(0, np.int16)
