"""The whole pipeline in one process, no broker: the same stages the services run."""

import uuid
from collections.abc import Callable
from pathlib import Path

from common.artifacts import JobPaths
from common.messages import JobOptions, StageMessage
from common.stage import ReportProgress, Stage
from common.stages import PIPELINE, StageInfo, StageName
from svc_captions.settings import CaptionsSettings
from svc_captions.stage import CaptionsStage
from svc_footage.settings import FootageSettings
from svc_footage.stage import FootageStage
from svc_queries.settings import QueriesSettings
from svc_queries.stage import QueriesStage
from svc_render.settings import RenderSettings
from svc_render.stage import RenderStage
from svc_tts.settings import TtsSettings
from svc_tts.stage import TtsStage

# on_progress(stage, note): note is None when the stage starts, else a note from inside it.
OnProgress = Callable[[StageInfo, str | None], None]

STAGE_FACTORIES: dict[StageName, Callable[[], Stage]] = {
    "tts": lambda: TtsStage(TtsSettings()),
    "captions": lambda: CaptionsStage(CaptionsSettings()),
    "queries": lambda: QueriesStage(QueriesSettings()),
    "footage": lambda: FootageStage(FootageSettings()),
    "render": lambda: RenderStage(RenderSettings()),
}


def run_pipeline(
    text: str,
    options: JobOptions,
    data_dir: Path,
    on_progress: OnProgress,
    owner: str | None = None,
) -> JobPaths:
    """Run every stage for a new job under ``data_dir``; return where its files are.

    ``owner`` names whose media ``options.media`` lists (see cli.media).
    """
    job = StageMessage(job_id=uuid.uuid4().hex, text=text, options=options, owner=owner)
    paths = JobPaths(data_dir, job.job_id)
    for info in PIPELINE:
        on_progress(info, None)
        stage = STAGE_FACTORIES[info.name]()
        result = stage.run(job, paths, _reporter(info, on_progress))
        job = job.model_copy(update={"artifacts": {**job.artifacts, **result.artifacts}})
    return paths


def _reporter(info: StageInfo, on_progress: OnProgress) -> ReportProgress:
    return lambda note: on_progress(info, note)
