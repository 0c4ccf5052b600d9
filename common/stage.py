"""What a stage is: one step of the pipeline as a plain object that knows nothing of AMQP.

The stage services wrap a :class:`Stage` in a broker consumer; ``t2v generate`` calls the
same stages in order in one process.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from common.artifacts import JobPaths
from common.errors import MissingArtifact
from common.messages import StageMessage
from common.stages import StageName

# Called by a stage with a short human-readable note on how far it has got.
ReportProgress = Callable[[str], None]

# Called by a stage that hands the job on before it has finished (see HandsOnEarly) with
# the artifacts the next stage reads; returns once the next stage's message is confirmed.
HandOn = Callable[[dict[str, str]], None]


@dataclass(frozen=True)
class Split:
    """The step was split into ``shards`` parts, each to be sent to the stage as its own message."""

    shards: int


@dataclass(frozen=True)
class ShardDone:
    """One part of a split step is done; the message of another part finishes the step."""


@dataclass(frozen=True)
class StageResult:
    # Artifact name -> path relative to the data directory.
    artifacts: dict[str, str]
    # Who did the work, as users read it in the job's status: "piper (joe-medium)",
    # "pexels, generated", "reused" when the artifact was already on disk.
    provider: str
    # None once the step is finished; else how far a long step split into shards has got.
    unfinished: Split | ShardDone | None = None
    # How long the whole step took, where that is more than the run that finished it (a
    # split step: from its split to its join); None for the run's own time.
    seconds: float | None = None
    # The next stage already has the job (the stage handed it on before finishing), so
    # finishing publishes the stage's report alone.
    handed_on: bool = False


# The provider of an artifact an earlier attempt left complete on disk.
REUSED = "reused"


class Stage(Protocol):
    name: StageName

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        """Do this stage's step for ``job``; return the artifacts it adds and who made them.

        Must be idempotent: when the artifact is already complete on disk, return it
        without doing the work again. A long stage may stop when ``paths.is_cancelled()``
        by raising JobCancelled, having removed what it had written.
        """
        ...


@runtime_checkable
class HandsOnEarly(Protocol):
    """A stage whose next stage may start before it has finished.

    The footage stage hands the job to the render once the first clip is in and goes on
    downloading the rest, which the render waits for as each comes on screen. Run by
    ``t2v generate``, where the stages run one after another, it is simply run to the end.
    """

    name: StageName

    def run_handing_on(
        self, job: StageMessage, paths: JobPaths, report: ReportProgress, hand_on: HandOn
    ) -> StageResult:
        """As :meth:`Stage.run`, calling ``hand_on`` at most once with the next stage's
        artifacts when it may start; the result then says ``handed_on``.

        A redelivered message must not hand on again where the stage can know the first
        hand-on was confirmed.
        """
        ...


def input_artifact(job: StageMessage, paths: JobPaths, name: str) -> Path:
    """The path of an earlier stage's artifact, which must exist in the job's folder.

    Raises UnsafeArtifactPath when the message points anywhere else.
    """
    relative = job.artifacts.get(name)
    if relative is None:
        raise MissingArtifact(f"the job has no {name} artifact")
    path = paths.resolve(relative)
    if not path.exists():
        raise MissingArtifact(f"the {name} artifact {relative} is missing")
    return path
