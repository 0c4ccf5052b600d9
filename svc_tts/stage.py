from common.artifacts import JobPaths
from common.messages import StageMessage
from common.stage import ReportProgress
from svc_tts.settings import TtsSettings
from svc_tts.speech import load_voice, synthesize


class TtsStage:
    name = "tts"

    def __init__(self, settings: TtsSettings) -> None:
        self.voice = load_voice(settings.piper_voice)
        self.sentence_pause = settings.sentence_pause

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> dict[str, str]:
        if not paths.audio.exists():
            seconds = synthesize(self.voice, job.text, paths.audio, self.sentence_pause)
            report(f"({seconds:.1f} s of narration)")
        return {"audio": paths.relative(paths.audio)}
