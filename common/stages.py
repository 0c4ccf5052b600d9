"""The pipeline's stages in order, and what each one means to a user watching a job."""

from dataclasses import dataclass
from typing import Literal

StageName = Literal["tts", "captions", "queries", "footage", "render"]


@dataclass(frozen=True)
class StageInfo:
    name: StageName
    progress: int  # the API's progress number while this stage runs
    message: str  # the job's status message while this stage runs


PIPELINE: tuple[StageInfo, ...] = (
    StageInfo("tts", 20, "Generating audio..."),
    StageInfo("captions", 40, "Generating captions..."),
    StageInfo("queries", 60, "Generating video search queries..."),
    StageInfo("footage", 80, "Fetching background videos..."),
    StageInfo("render", 90, "Rendering video..."),
)
STAGE_NAMES: tuple[StageName, ...] = tuple(stage.name for stage in PIPELINE)

QUEUED_MESSAGE = "Job queued"
COMPLETED_MESSAGE = "Video generation completed"


def stage_info(name: str) -> StageInfo:
    for stage in PIPELINE:
        if stage.name == name:
            return stage
    raise KeyError(name)


def next_stage(name: str) -> StageName | None:
    """The stage after ``name``, or None when ``name`` is the last one."""
    index = STAGE_NAMES.index(name)
    return STAGE_NAMES[index + 1] if index + 1 < len(STAGE_NAMES) else None
