"""The pipeline's stages: one list of names, in order."""

from typing import get_args

from common.stages import PIPELINE, STAGE_NAMES, StageName


def test_the_pipeline_runs_every_named_stage_once_in_order() -> None:
    # Given the stage names the type allows
    names = get_args(StageName)

    # When the pipeline lists its stages, Then they are those names in that order
    assert tuple(stage.name for stage in PIPELINE) == names
    assert names == STAGE_NAMES
