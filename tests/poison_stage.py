"""``python -m tests.poison_stage``: a tts service whose work kills its own process.

As an out-of-memory kill or a crash in a native library would: SIGKILL, so nothing is
settled, nothing is told, and the broker gets the message back. For the poison-message
test only.
"""

import os
import signal

from common.artifacts import JobPaths
from common.entrypoint import serve_stage
from common.messages import StageMessage
from common.settings import Settings
from common.stage import ReportProgress, StageResult
from common.stages import StageName


class PoisonedStage:
    name: StageName = "tts"

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("a killed process runs no further")


if __name__ == "__main__":
    serve_stage("poison_stage", Settings, lambda _settings: PoisonedStage())
