import logging
from dataclasses import dataclass
from pathlib import Path

from faster_whisper import WhisperModel

from common.artifacts import JobPaths
from common.documents import Captions, SpeechTiming, load_document, save_document
from common.errors import ModelUnavailable, StageError
from common.languages import ENGLISH, is_unspaced, primary_language
from common.messages import StageMessage
from common.stage import REUSED, ReportProgress, StageResult, input_artifact
from common.stages import StageName
from svc_captions.alignment import text_tokens, timed_tokens
from svc_captions.grouping import group_words
from svc_captions.heard import HeardWord, by_phoneme, heard_in_timing, heard_in_transcript
from svc_captions.loudness import Loudness
from svc_captions.phonemes import Phonemizer, espeak_voice
from svc_captions.settings import CaptionsSettings
from svc_captions.transcribe import (
    MULTILINGUAL_HINT,
    audio_seconds,
    load_model,
    multilingual_model,
    transcribe_words,
)

logger = logging.getLogger(__name__)

VOICE_TIMING = "voice timing"


@dataclass(frozen=True)
class _Heard:
    words: list[HeardWord]
    provider: str
    # Set when the times came from listening, which the audio's loudness can correct.
    loudness: Loudness | None = None


class CaptionsStage:
    name: StageName = "captions"

    def __init__(self, settings: CaptionsSettings) -> None:
        self.model = load_model(
            settings.whisper_model, settings.whisper_device, settings.whisper_compute_type
        )
        multilingual = multilingual_model(settings.whisper_multilingual_model, settings.data_dir)
        self.multilingual_model = (
            load_model(multilingual, settings.whisper_device, settings.whisper_compute_type)
            if multilingual
            else None
        )
        self.english_voice = settings.espeak_voice
        # One per espeak-ng voice, made on the first job in its language.
        self.phonemizers = {settings.espeak_voice: Phonemizer(settings.espeak_voice)}
        self.max_words_per_group = settings.max_words_per_group
        self.whisper = f"whisper ({settings.whisper_model or 'tiny.en'})"
        self.multilingual_whisper = f"whisper ({_model_name(multilingual)})"

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"captions": paths.relative(paths.captions)}
        if paths.captions.exists():
            return StageResult(artifacts, REUSED)
        audio = input_artifact(job, paths, "audio")
        duration = audio_seconds(audio)
        language = job.options.language
        tokens = text_tokens(job.text, language)
        if not tokens:
            raise StageError("the text has no words to caption")
        phonemizer = self._phonemizer(language)
        heard = self._heard(job, paths, audio, duration, phonemizer)
        sounds = phonemizer.sounds(tokens)
        heard_words = heard.words
        if is_unspaced(language):
            sounds = [list("".join(keys)) for keys in sounds]
            heard_words = by_phoneme(heard_words)
        words = timed_tokens(tokens, sounds, heard_words, duration, heard.loudness)
        groups = group_words(words, self.max_words_per_group, language)
        save_document(Captions(duration=duration, words=words, groups=groups), paths.captions)
        report(f"({len(words)} words)")
        return StageResult(artifacts, heard.provider)

    def _phonemizer(self, language: str | None) -> Phonemizer:
        voice = espeak_voice(language, self.english_voice)
        if voice not in self.phonemizers:
            self.phonemizers[voice] = Phonemizer(voice)
        return self.phonemizers[voice]

    def _heard(
        self,
        job: StageMessage,
        paths: JobPaths,
        audio: Path,
        duration: float,
        phonemizer: Phonemizer,
    ) -> _Heard:
        """What was spoken when: from the voice's own timing where it gave one, else whisper."""
        timing = _speech_timing(job, paths)
        if timing is not None:
            spoken = heard_in_timing(timing)
            if spoken:
                return _Heard(spoken, VOICE_TIMING)
        language = job.options.language
        model, provider = self._whisper(language)
        recognised = transcribe_words(model, audio, duration, language)
        if not recognised:
            raise StageError("no speech was recognised in the narration")
        spoken = heard_in_transcript(recognised, phonemizer)
        return _Heard(spoken, provider, Loudness.of(audio))

    def _whisper(self, language: str | None) -> tuple[WhisperModel, str]:
        """The model that listens to narration in ``language``: tiny.en hears only English."""
        if primary_language(language) == ENGLISH:
            return self.model, self.whisper
        if self.multilingual_model is None:
            raise ModelUnavailable(
                f"the voice gave no timing for this {language} narration and the bundled "
                f"whisper model hears only English; {MULTILINGUAL_HINT}"
            )
        return self.multilingual_model, self.multilingual_whisper


def _model_name(model: str | None) -> str:
    """A model's name for the job's provider: its folder's name, not where it lies."""
    return Path(model).name if model else "none"


def _speech_timing(job: StageMessage, paths: JobPaths) -> SpeechTiming | None:
    if "timing" not in job.artifacts:
        return None
    try:
        return load_document(SpeechTiming, input_artifact(job, paths, "timing"))
    except StageError as exc:
        # Listening to the audio still times the words, only less exactly.
        logger.warning("speech timing unusable, using whisper (%s)", exc)
        return None
