"""A long video rendered in shards, by as many render workers as take them.

The render message of a long video plans the shards (runs of whole footage segments of
about ``T2V_RENDER_SHARD_SECONDS`` each) and asks for one message per shard on the render
queue. Each shard is encoded alone and renamed into place complete, the first one with
the soundtrack of the whole video beside it. The worker that finds every shard on disk
after writing its own tries to claim the join, and the one claim that succeeds names the
shard whose message joins them (see :mod:`svc_render.join`) and finishes the job.
Everything a shard needs is in the job's folder, so any worker can take any shard, again
after a crash.
"""

import contextlib
import itertools
import math
import os
import time
import uuid
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from common.artifacts import JobPaths
from common.messages import MAX_SHARDS

PLAN_NAME = "plan.json"
SOUNDTRACK_NAME = "soundtrack.mp4"
JOIN_CLAIM_NAME = "join.claim"


class ShardPlan(BaseModel):
    """Which frames each shard renders: shard ``i`` from ``starts[i]`` to the next start."""

    frame_count: int = Field(ge=2)
    # When the render was split (epoch seconds), so the stage's report covers every shard.
    planned_at: float = Field(default_factory=time.time)
    fps: int = Field(ge=1, le=60)
    starts: list[int] = Field(min_length=2, max_length=MAX_SHARDS)

    @model_validator(mode="after")
    def _ordered(self) -> "ShardPlan":
        bounds = [*self.starts, self.frame_count]
        if self.starts[0] != 0 or any(a >= b for a, b in itertools.pairwise(bounds)):
            raise ValueError("shards must start at frame 0 and follow each other")
        return self

    @property
    def count(self) -> int:
        return len(self.starts)

    def frames(self, index: int) -> range:
        bounds = [*self.starts, self.frame_count]
        return range(bounds[index], bounds[index + 1])


def plan_shards(
    frame_count: int, fps: int, segment_starts: list[int], shard_seconds: float
) -> ShardPlan | None:
    """Shards of whole segments, about ``shard_seconds`` each; None for a video in one piece.

    A video no longer than ``shard_seconds`` is not split (nor is anything with 0), and a
    shard can only start where a segment does, so a video of one segment stays whole too.
    """
    shard_frames = shard_seconds * fps
    if shard_frames <= 0 or frame_count <= shard_frames:
        return None
    wanted = min(math.ceil(frame_count / shard_frames), MAX_SHARDS)
    candidates = sorted(set(segment_starts) - {0})
    starts = [0]
    for number in range(1, wanted):
        ideal = frame_count * number / wanted
        later = [frame for frame in candidates if frame > starts[-1]]
        if not later:
            break
        nearest = min(later, key=lambda frame: abs(frame - ideal))
        starts.append(nearest)
    starts = sorted(set(starts))
    if len(starts) < 2:
        return None
    return ShardPlan(frame_count=frame_count, fps=fps, starts=starts)


class ShardFiles:
    """The files of one job's shards, in its work folder."""

    def __init__(self, paths: JobPaths) -> None:
        self.paths = paths
        self.folder = paths.render_shards_dir

    @property
    def plan(self) -> Path:
        return self.folder / PLAN_NAME

    @property
    def soundtrack(self) -> Path:
        return self.folder / SOUNDTRACK_NAME

    @property
    def join_claim(self) -> Path:
        return self.folder / JOIN_CLAIM_NAME

    def shard(self, index: int) -> Path:
        return self.paths.render_shard(index)

    def progress(self, index: int) -> Path:
        return self.folder / f"progress_{index:04d}"

    def all_rendered(self, plan: ShardPlan) -> bool:
        return all(self.shard(index).exists() for index in range(plan.count))

    def claim_join(self, index: int) -> bool:
        """Whether shard ``index``'s message joins the video: the first to ask wins, for good.

        The claim is a file naming the shard, put in place by a hard link, which fails if
        the name exists: of any number of workers asking at once, exactly one gets it. It
        belongs to the shard's message, not to a process, so when the worker that won dies,
        the message's redelivery, on whichever worker, wins it again and finishes the join.
        """
        if self.claim_owner() == index:
            return True
        offer = self.folder / f".{JOIN_CLAIM_NAME}.{uuid.uuid4().hex}"
        offer.write_text(str(index))
        try:
            os.link(offer, self.join_claim)
        except FileExistsError:
            return self.claim_owner() == index
        finally:
            offer.unlink(missing_ok=True)
        return True

    def claim_owner(self) -> int | None:
        try:
            return int(self.join_claim.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def remove_media(self, plan: ShardPlan) -> None:
        """Delete the shards and the soundtrack once joined; the plan and claim stay.

        The claim outlives the join so that a late redelivery of the joining message still
        knows it is the one to report the job finished.
        """
        for index in range(plan.count):
            self.shard(index).unlink(missing_ok=True)
            self.progress(index).unlink(missing_ok=True)
        self.soundtrack.unlink(missing_ok=True)


class SharedTally:
    """Frames done across every shard: each shard's worker notes its own in a small file.

    Counts are best effort (a note may be a moment behind), which is all a progress note
    needs; a finished shard counts whole.
    """

    def __init__(self, files: ShardFiles, plan: ShardPlan, index: int) -> None:
        self._files = files
        self._plan = plan
        self._index = index

    def overall(self, frames_done: int) -> int:
        """The frames done of the whole video, given this shard's ``frames_done``."""
        with contextlib.suppress(OSError):
            own = self._files.progress(self._index)
            partial = own.with_name(f".{own.name}.{uuid.uuid4().hex}")
            partial.write_text(str(frames_done))
            partial.replace(own)
        total = frames_done
        for index in range(self._plan.count):
            if index != self._index:
                total += self._done_in(index)
        return min(total, self._plan.frame_count)

    def _done_in(self, index: int) -> int:
        if self._files.shard(index).exists():
            return len(self._plan.frames(index))
        try:
            return max(0, int(self._files.progress(index).read_text()))
        except (OSError, ValueError):
            return 0
