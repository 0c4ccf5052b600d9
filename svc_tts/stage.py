from common.artifacts import JobPaths
from common.messages import StageMessage
from common.stage import REUSED, ReportProgress, StageResult
from svc_tts.settings import TtsSettings
from svc_tts.speech import load_voice, synthesize, voice_name


class TtsStage:
    name = "tts"

    def __init__(self, settings: TtsSettings) -> None:
        self.voice = load_voice(settings.piper_voice)
        self.provider = f"piper ({voice_name(settings.piper_voice)})"
        self.sentence_pause = settings.sentence_pause

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"audio": paths.relative(paths.audio)}
        if paths.audio.exists():
            return StageResult(artifacts, REUSED)
        seconds = synthesize(self.voice, job.text, paths.audio, self.sentence_pause)
        report(f"({seconds:.1f} s of narration)")
        return StageResult(artifacts, self.provider)
