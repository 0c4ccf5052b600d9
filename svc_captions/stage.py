from common.artifacts import JobPaths
from common.documents import Captions, save_document
from common.errors import StageError
from common.messages import StageMessage
from common.stage import REUSED, ReportProgress, StageResult, input_artifact
from svc_captions.grouping import group_words
from svc_captions.settings import CaptionsSettings
from svc_captions.transcribe import audio_seconds, load_model, transcribe_words


class CaptionsStage:
    name = "captions"

    def __init__(self, settings: CaptionsSettings) -> None:
        self.model = load_model(
            settings.whisper_model, settings.whisper_device, settings.whisper_compute_type
        )
        self.max_words_per_group = settings.max_words_per_group
        self.provider = f"whisper ({settings.whisper_model or 'tiny.en'})"

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"captions": paths.relative(paths.captions)}
        if paths.captions.exists():
            return StageResult(artifacts, REUSED)
        audio = input_artifact(job, paths, "audio")
        duration = audio_seconds(audio)
        words = transcribe_words(self.model, audio, duration)
        if not words:
            raise StageError("no speech was recognised in the narration")
        groups = group_words(words, self.max_words_per_group)
        save_document(Captions(duration=duration, words=words, groups=groups), paths.captions)
        report(f"({len(words)} words)")
        return StageResult(artifacts, self.provider)
