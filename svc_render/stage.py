"""The render stage: the narration, its captions and its footage into the final MP4.

A render message asks for a whole video, or for one shard of a long one (see
:mod:`svc_render.shards`): when the service splits long videos, the message of a video
longer than ``T2V_RENDER_SHARD_SECONDS`` plans its shards and asks for them instead.
"""

import contextlib
import logging
import time
from dataclasses import dataclass

from common.artifacts import JobPaths, StreamFiles, atomic_path, write_bytes_atomic
from common.documents import CaptionGroup, Captions, load_document, save_document
from common.errors import JobCancelled, StageError
from common.messages import Shard, StageMessage
from common.stage import REUSED, ReportProgress, ShardDone, Split, StageResult, input_artifact
from common.stages import StageName
from svc_render.background import BackgroundTrack, FootageSpan
from svc_render.footage import read_footage
from svc_render.join import join_shards
from svc_render.narration import read_narration
from svc_render.render import (
    PartStream,
    ProgressNotes,
    SoundtrackOutput,
    VideoFormat,
    frame_count_of,
    poster_index_of,
    render_frames,
    render_video,
)
from svc_render.settings import RenderSettings
from svc_render.shards import ShardFiles, ShardPlan, SharedTally, plan_shards
from svc_render.soundtrack import AudioMix, soundtrack

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Pictures:
    """What the frames are made of."""

    captions: list[CaptionGroup]
    footage: list[FootageSpan]
    video_format: VideoFormat


class RenderStage:
    name: StageName = "render"

    def __init__(self, settings: RenderSettings, split_long_videos: bool = False) -> None:
        """``split_long_videos`` only where shards can be sent on: in the render service."""
        self.settings = settings
        self.split_long_videos = split_long_videos

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        if job.shard is not None:
            return self._run_shard(job, job.shard, paths, report)
        artifacts = {"video": paths.relative(paths.video)}
        if paths.video.exists():
            return StageResult(artifacts, REUSED)
        voice = read_narration(input_artifact(job, paths, "audio"))
        pictures = self._pictures(job, paths)
        if self.split_long_videos:
            frame_count = frame_count_of(voice, pictures.video_format.fps)
            plan = self._plan(frame_count, pictures, ShardFiles(paths))
            if plan is not None:
                if self.settings.render_stream:
                    _stream_in_parts(paths.stream, plan.count)
                return StageResult(artifacts, f"{plan.count} shards", Split(plan.count))
        # A cancel stops the render between frames; the partial file goes with the exception.
        with atomic_path(paths.video) as temporary:
            render_video(
                temporary,
                soundtrack(voice, self._mix(job)),
                pictures.captions,
                pictures.footage,
                pictures.video_format,
                report,
                cancelled=paths.is_cancelled,
                poster=paths.thumbnail,
                # A redelivery after a kill starts the stream again from its first segment.
                stream=paths.stream if self.settings.render_stream else None,
            )
        return StageResult(artifacts, self._provider())

    def _plan(self, frame_count: int, pictures: _Pictures, files: ShardFiles) -> ShardPlan | None:
        """The video's shards, planned once: a redelivery finds them planned."""
        if files.plan.exists():
            return load_document(ShardPlan, files.plan)
        fps = pictures.video_format.fps
        track = BackgroundTrack(pictures.footage, 2, 2)  # only asked which segment is when
        segment_starts = track.segment_starts([index / fps for index in range(frame_count)])
        plan = plan_shards(frame_count, fps, segment_starts, self.settings.render_shard_seconds)
        if plan is not None:
            save_document(plan, files.plan)
            logger.info("rendering %d frames in %d shards", plan.frame_count, plan.count)
        return plan

    def _run_shard(
        self, job: StageMessage, shard: Shard, paths: JobPaths, report: ReportProgress
    ) -> StageResult:
        artifacts = {"video": paths.relative(paths.video)}
        files = ShardFiles(paths)
        done = f"shard {shard.index + 1} of {shard.count}"
        if paths.video.exists():
            # Joined already: only the joining message, redelivered, reports the job done.
            if files.claim_owner() == shard.index:
                return StageResult(artifacts, REUSED)
            return StageResult(artifacts, done, ShardDone())
        plan = load_document(ShardPlan, files.plan)
        if plan.count != shard.count:
            raise StageError(f"the job has {plan.count} shards, not {shard.count}")
        if not files.shard(shard.index).exists():
            self._render_shard(job, paths, files, plan, shard.index, report)
        # Every worker looks after writing its own shard, so the last one to finish sees all.
        if not files.all_rendered(plan) or not files.claim_join(shard.index):
            return StageResult(artifacts, done, ShardDone())
        if paths.is_cancelled():
            raise JobCancelled("cancelled before the shards were joined")
        with atomic_path(paths.video) as temporary:
            join_shards(
                temporary,
                [files.shard(index) for index in range(plan.count)],
                plan.starts,
                plan.fps,
                files.soundtrack,
            )
        files.remove_media(plan)
        provider = f"{self._provider()}, {plan.count} shards"
        return StageResult(artifacts, provider, seconds=time.time() - plan.planned_at)

    def _render_shard(
        self,
        job: StageMessage,
        paths: JobPaths,
        files: ShardFiles,
        plan: ShardPlan,
        index: int,
        report: ReportProgress,
    ) -> None:
        pictures = self._pictures(job, paths)
        if pictures.video_format.fps != plan.fps:
            raise StageError(f"the job's shards were planned at {plan.fps} fps")
        frames = plan.frames(index)
        poster_index = poster_index_of(plan.frame_count, plan.fps)
        tally = SharedTally(files, plan, index)
        streaming = self.settings.render_stream
        sound = None
        if index == 0 or streaming:
            sound = soundtrack(read_narration(input_artifact(job, paths, "audio")), self._mix(job))
        with atomic_path(files.shard(index)) as temporary:
            # The first shard encodes the whole video's sound; it is in place before the
            # shard is, so every shard on disk means the sound is there too.
            with contextlib.ExitStack() as outputs:
                soundtrack_output = None
                if index == 0 and sound is not None:
                    sound_target = outputs.enter_context(atomic_path(files.soundtrack))
                    soundtrack_output = SoundtrackOutput(sound_target, sound)
                poster = render_frames(
                    temporary,
                    frames,
                    pictures.captions,
                    pictures.footage,
                    pictures.video_format,
                    ProgressNotes(report, plan.frame_count, tally.overall),
                    cancelled=paths.is_cancelled,
                    poster_index=poster_index,
                    soundtrack=soundtrack_output,
                    # A redelivery after a kill starts the part again from its first segment.
                    stream=PartStream(paths.stream.part(index), sound)
                    if streaming and sound is not None
                    else None,
                )
            # Before the shard is in place: a video joined from the shards has its poster.
            if poster is not None:
                write_bytes_atomic(paths.thumbnail, poster)

    def _mix(self, job: StageMessage) -> AudioMix:
        return AudioMix(
            loudness_target=self.settings.loudness_target,
            music=job.options.music,
            music_dir=self.settings.music_dir,
            music_level=self.settings.music_level,
            track_key=job.job_id,
        )

    def _pictures(self, job: StageMessage, paths: JobPaths) -> _Pictures:
        captions = load_document(Captions, input_artifact(job, paths, "captions"))
        wait_seconds = self.settings.render_footage_wait_seconds
        footage = read_footage(input_artifact(job, paths, "footage"), paths, wait_seconds)
        video_format = VideoFormat(
            width=job.options.width,
            height=job.options.height,
            fps=job.options.fps,
            preset=self.settings.render_preset,
            crf=self.settings.render_crf,
            caption_style=job.options.captions,
            font_path=self.settings.font_path,
            language=job.options.language,
        )
        return _Pictures(captions.groups, footage, video_format)

    def _provider(self) -> str:
        return f"libx264 {self.settings.render_preset}"


def _stream_in_parts(stream: StreamFiles, count: int) -> None:
    """Say the video streams in ``count`` parts, one a shard, clearing any earlier stream.

    Once only: a redelivered planning message finds it said, and clears nothing the
    shards may be writing already.
    """
    if stream.parts_count.exists():
        return
    stream.clear()
    write_bytes_atomic(stream.parts_count, str(count).encode())
