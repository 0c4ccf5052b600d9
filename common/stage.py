"""What a stage is: one step of the pipeline as a plain object that knows nothing of AMQP.

The stage services wrap a :class:`Stage` in a broker consumer; ``t2v generate`` calls the
same stages in order in one process.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from common.artifacts import JobPaths
from common.errors import MissingArtifact
from common.messages import StageMessage

# Called by a stage with a short human-readable note on how far it has got.
ReportProgress = Callable[[str], None]


class Stage(Protocol):
    name: str

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> dict[str, str]:
        """Do this stage's step for ``job`` and return the artifacts it adds.

        Must be idempotent: when the artifact is already complete on disk, return it
        without doing the work again. Artifacts are paths relative to the data directory.
        """
        ...


def input_artifact(job: StageMessage, paths: JobPaths, name: str) -> Path:
    """The absolute path of an earlier stage's artifact, which must exist."""
    relative = job.artifacts.get(name)
    if relative is None:
        raise MissingArtifact(f"the job has no {name} artifact")
    path = paths.resolve(relative)
    if not path.exists():
        raise MissingArtifact(f"the {name} artifact {relative} is missing")
    return path
