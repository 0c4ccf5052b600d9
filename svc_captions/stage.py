import logging
from dataclasses import dataclass
from pathlib import Path

from common.artifacts import JobPaths
from common.documents import Captions, SpeechTiming, load_document, save_document
from common.errors import StageError
from common.messages import StageMessage
from common.stage import REUSED, ReportProgress, StageResult, input_artifact
from common.stages import StageName
from svc_captions.alignment import text_tokens, timed_tokens
from svc_captions.grouping import group_words
from svc_captions.heard import HeardWord, heard_in_timing, heard_in_transcript
from svc_captions.loudness import Loudness
from svc_captions.phonemes import Phonemizer
from svc_captions.settings import CaptionsSettings
from svc_captions.transcribe import audio_seconds, load_model, transcribe_words

logger = logging.getLogger(__name__)

PIPER_TIMING = "piper timing"


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
        self.phonemizer = Phonemizer(settings.espeak_voice)
        self.max_words_per_group = settings.max_words_per_group
        self.whisper = f"whisper ({settings.whisper_model or 'tiny.en'})"

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"captions": paths.relative(paths.captions)}
        if paths.captions.exists():
            return StageResult(artifacts, REUSED)
        audio = input_artifact(job, paths, "audio")
        duration = audio_seconds(audio)
        tokens = text_tokens(job.text)
        if not tokens:
            raise StageError("the text has no words to caption")
        heard = self._heard(job, paths, audio, duration)
        sounds = self.phonemizer.sounds(tokens)
        words = timed_tokens(tokens, sounds, heard.words, duration, heard.loudness)
        groups = group_words(words, self.max_words_per_group)
        save_document(Captions(duration=duration, words=words, groups=groups), paths.captions)
        report(f"({len(words)} words)")
        return StageResult(artifacts, heard.provider)

    def _heard(self, job: StageMessage, paths: JobPaths, audio: Path, duration: float) -> _Heard:
        """What was spoken when: from the voice's own timing where it gave one, else whisper."""
        timing = _speech_timing(job, paths)
        if timing is not None:
            spoken = heard_in_timing(timing)
            if spoken:
                return _Heard(spoken, PIPER_TIMING)
        recognised = transcribe_words(self.model, audio, duration)
        if not recognised:
            raise StageError("no speech was recognised in the narration")
        spoken = heard_in_transcript(recognised, self.phonemizer)
        return _Heard(spoken, self.whisper, Loudness.of(audio))


def _speech_timing(job: StageMessage, paths: JobPaths) -> SpeechTiming | None:
    if "timing" not in job.artifacts:
        return None
    try:
        return load_document(SpeechTiming, input_artifact(job, paths, "timing"))
    except StageError as exc:
        # Listening to the audio still times the words, only less exactly.
        logger.warning("speech timing unusable, using whisper (%s)", exc)
        return None
