from common.artifacts import JobPaths
from common.messages import StageMessage
from common.stage import REUSED, ReportProgress, StageResult
from common.stages import StageName
from svc_tts.settings import TtsSettings
from svc_tts.speech import write_speech
from svc_tts.voices import Voices


class TtsStage:
    name: StageName = "tts"

    def __init__(self, settings: TtsSettings) -> None:
        self.voices = Voices(settings)
        self.voices.publish(settings.data_dir)
        # The default voice loads now, so a broken one stops the service before any job.
        self.voices.get(None)
        self.sentence_pause = settings.sentence_pause
        self.max_video_seconds = settings.max_video_seconds

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"audio": paths.relative(paths.audio)}
        if paths.speech_timing.exists():
            artifacts["timing"] = paths.relative(paths.speech_timing)
        if paths.audio.exists():
            return StageResult(artifacts, REUSED)
        voice_id, voice = self.voices.get(
            self.voices.for_language(job.options.voice, job.options.language)
        )
        speech = write_speech(
            voice,
            job.text,
            paths.audio,
            self.sentence_pause,
            job.options.speaking_rate,
            # The gateway's estimate let the job in; the real narration may still be longer.
            max_seconds=self.max_video_seconds,
        )
        # Should the process die right here, the retry finds the audio and no timing, and
        # the captions stage times the words by listening instead.
        if speech.timed_chunks is not None:
            speech.save_timing(paths.speech_timing)
            artifacts["timing"] = paths.relative(paths.speech_timing)
        report(f"({speech.seconds:.1f} s of narration)")
        return StageResult(artifacts, _provider(voice_id))


def _provider(voice_id: str) -> str:
    backend, _, name = voice_id.partition(":")
    return f"{backend} ({name})"
