"""A long video rendered in shards: the same video as in one piece, made exactly once.

The "long" video here is 4.5 s in five segments, with shards of one second, at a small
frame size, so every test stays quick.
"""

import io
import math
import threading
from pathlib import Path

import av
import numpy as np
import pika
import pytest

from common.amqp.session import BrokerSession
from common.amqp.topology import Topology
from common.artifacts import JobPaths, StreamFiles, atomic_path
from common.documents import (
    CaptionGroup,
    Captions,
    FootageClip,
    FootageManifest,
    Word,
    save_document,
)
from common.errors import JobCancelled, StageError, UnsafeArtifactPath
from common.hls import MediaPlaylist, joined_parts, read_media_playlist
from common.messages import JobOptions, ProgressEvent, Shard, StageMessage, parse_progress_event
from common.policy import Decision, PipelinePolicy, Succeeded
from common.service import StageService
from common.settings import Settings
from common.stage import REUSED, ShardDone, Split, StageResult
from svc_footage.generated import write_generated_clip
from svc_render.background import FootageSpan
from svc_render.render import ProgressNotes, VideoFormat, render_frames
from svc_render.settings import RenderSettings
from svc_render.shards import ShardFiles, ShardPlan, SharedTally, plan_shards
from svc_render.stage import RenderStage
from tests.broker_helpers import (
    drain_queue,
    get_message_from_queue,
    publish_stage,
    queued_messages,
    running,
)
from tests.svc_render.media import decoded_rgb, write_tone

OPTIONS = JobOptions(width=144, height=256, fps=12)
FPS = 12
NARRATION_SECONDS = 4.5
FRAMES = round(NARRATION_SECONDS * FPS)
# Segments of unequal length; the second clip is shorter than its segment, so it loops.
SEGMENTS = [(0.0, 1.0), (1.0, 2.0), (2.0, 2.9), (2.9, 3.7), (3.7, 4.5)]
# Captions that run across segment (and so shard) boundaries, a word highlighted at a time.
CAPTIONS = [
    CaptionGroup(
        text="waves at night",
        start=0.5,
        end=1.6,
        words=[Word(text="waves", start=0.5, end=0.9), Word(text="at", start=0.9, end=1.1)],
    ),
    CaptionGroup(text="the long road home", start=2.6, end=3.9, words=[]),
]


def _prepare_job(
    settings: Settings, job_id: str, options: JobOptions = OPTIONS
) -> tuple[StageMessage, JobPaths]:
    paths = JobPaths(settings.data_dir, job_id)
    write_tone(paths.audio, NARRATION_SECONDS)
    save_document(Captions(duration=NARRATION_SECONDS, words=[], groups=CAPTIONS), paths.captions)
    paths.footage_dir.mkdir(parents=True)
    clips = []
    for number, (start, end) in enumerate(SEGMENTS):
        clip = paths.footage_dir / f"clip_{number:03d}.mp4"
        seconds = 0.4 if number == 1 else end - start
        write_generated_clip(clip, seed=number, seconds=seconds, width=96, height=128, fps=24)
        clips.append(
            FootageClip(
                start=start, end=end, path=paths.relative(clip), source="generated", term="a"
            )
        )
    save_document(FootageManifest(clips=clips), paths.footage_manifest)
    job = StageMessage(
        job_id=job_id,
        text="a story",
        options=options,
        artifacts={
            "audio": paths.relative(paths.audio),
            "captions": paths.relative(paths.captions),
            "footage": paths.relative(paths.footage_manifest),
        },
    )
    return job, paths


def _stage(settings: Settings, shard_seconds: float = 1.0) -> RenderStage:
    render_settings = RenderSettings(
        data_dir=settings.data_dir,
        font_path=None,
        render_shard_seconds=shard_seconds,
        music_dir=_music_dir(settings),
    )
    return RenderStage(render_settings, split_long_videos=True)


def _music_dir(settings: Settings) -> Path:
    """A folder of one track, for jobs that ask for music."""
    folder = settings.data_dir.parent / "music"
    if not folder.exists():
        write_tone(folder / "track.wav", 3.0, sample_rate=22050)
    return folder


def _shard(job: StageMessage, index: int, count: int) -> StageMessage:
    return job.model_copy(update={"shard": Shard(index=index, count=count)})


def _plan(stage: RenderStage, job: StageMessage, paths: JobPaths) -> int:
    """Run the job's planning message, which must split it; the number of shards."""
    planned = stage.run(job, paths, lambda note: None)
    assert isinstance(planned.unfinished, Split)
    return planned.unfinished.shards


def _render_in_shards(stage: RenderStage, job: StageMessage, paths: JobPaths) -> int:
    """Plan the job's shards and render each in turn, as one worker would; their count."""
    count = _plan(stage, job, paths)
    for index in range(count):
        stage.run(_shard(job, index, count), paths, lambda note: None)
    return count


def _whole(settings: Settings, job_id: str, options: JobOptions = OPTIONS) -> Path:
    """The same video rendered in one piece."""
    job, paths = _prepare_job(settings, job_id, options)
    _stage(settings, shard_seconds=0).run(job, paths, lambda note: None)
    return paths.video


def _audio_packets(video: Path) -> list[bytes]:
    with av.open(str(video)) as container:
        stream = container.streams.audio[0]
        return [bytes(packet) for packet in container.demux(stream) if packet.size]


def _mean_abs_difference(one: np.ndarray, other: np.ndarray) -> float:
    return float(np.abs(one.astype(np.int16) - other.astype(np.int16)).mean())


@pytest.mark.parametrize("music", [False, True], ids=["voice", "music"])
def test_a_sharded_video_is_the_video_rendered_whole(settings: Settings, music: bool) -> None:
    # Given a 4.5 s job (with music or without), and the same job rendered in one piece
    options = OPTIONS.model_copy(update={"music": music})
    job, paths = _prepare_job(settings, "sh1", options)
    whole = _whole(settings, "sh1whole", options)

    # When it is rendered in shards of about a second
    count = _render_in_shards(_stage(settings), job, paths)

    # Then there were several shards, each starting where a segment does
    plan = ShardPlan.model_validate_json(ShardFiles(paths).plan.read_bytes())
    assert count == plan.count >= 3
    segment_frames = {math.ceil(start * FPS - 1e-6) for start, _ in SEGMENTS}
    assert set(plan.starts) <= segment_frames
    # And one MP4 with the whole video's frame count, duration and streams results
    with av.open(str(paths.video)) as joined, av.open(str(whole)) as reference:
        assert joined.duration == reference.duration
        for kind in ("video", "audio"):
            ours, theirs = getattr(joined.streams, kind)[0], getattr(reference.streams, kind)[0]
            assert (ours.frames, ours.duration) == (theirs.frames, theirs.duration)
            assert ours.codec_context.name == theirs.codec_context.name
    # And the sound is the whole render's, packet for packet: one encode, no seams
    assert _audio_packets(paths.video) == _audio_packets(whole)
    # And the index comes before the media (faststart), as in the whole render
    head = paths.video.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head
    # And it decodes cleanly, frame for frame like the whole video, at the seams above all
    ours, theirs = decoded_rgb(paths.video), decoded_rgb(whole)
    assert len(ours) == len(theirs) == FRAMES
    for start in plan.starts[1:]:
        for index in (start - 1, start, start + 1):
            assert _mean_abs_difference(ours[index], theirs[index]) < 2.0
    assert max(_mean_abs_difference(a, b) for a, b in zip(ours, theirs, strict=True)) < 3.0
    # And the shards are gone once joined, the poster is there, and the plan stays
    assert not any(ShardFiles(paths).shard(index).exists() for index in range(count))
    assert paths.thumbnail.exists()


def _part_frames(part: StreamFiles) -> tuple[list[np.ndarray], int]:
    """The frames and sound packets of a part's listed segments read after its init."""
    playlist = read_media_playlist(part.playlist.read_text())
    assert playlist is not None
    data = part.init.read_bytes() + b"".join(
        (part.folder / segment.name).read_bytes() for segment in playlist.segments
    )
    with av.open(io.BytesIO(data), format="mp4") as container:
        sound = sum(1 for packet in container.demux(audio=0) if packet.size)
    with av.open(io.BytesIO(data), format="mp4") as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    return frames, sound


def test_a_video_rendered_in_shards_streams_each_shard_as_a_part_of_one_playlist(
    settings: Settings,
) -> None:
    # Given a job planned in shards, whose shards are rendered in turn
    job, paths = _prepare_job(settings, "sh9")
    stage = _stage(settings)
    count = _plan(stage, job, paths)
    stream = paths.stream

    def joined() -> str | None:
        def part(index: int) -> MediaPlaylist | None:
            playlist = stream.part(index).playlist
            return read_media_playlist(playlist.read_text()) if playlist.exists() else None

        return joined_parts(part, count)

    # When only the planning is done, Then the stream says its parts and lists nothing yet
    assert stream.parts_count.read_text() == str(count)
    assert joined() is None

    # When the shards are rendered one after the other
    seen = []
    for index in range(count):
        stage.run(_shard(job, index, count), paths, lambda note: None)
        seen.append(joined())

    # Then the playlist grew a part at a time, each after a discontinuity, and ended last
    assert all(text is not None for text in seen)
    assert [text.count("#EXT-X-DISCONTINUITY") for text in seen if text] == list(range(count))
    assert [text.rstrip().endswith("#EXT-X-ENDLIST") for text in seen if text] == [False] * (
        count - 1
    ) + [True]
    # And each part decodes with its sound, and the parts' frames in order are the final
    # video's frames, pixel for pixel: the join remuxed what was streamed
    streamed = []
    for index in range(count):
        frames, sound = _part_frames(stream.part(index))
        assert len(frames) == len(ShardPlan.model_validate_json(
            ShardFiles(paths).plan.read_bytes()).frames(index))  # fmt: skip
        assert sound > 0
        streamed += frames
    final = decoded_rgb(paths.video)
    assert len(streamed) == len(final) == FRAMES
    assert all(np.array_equal(a, b) for a, b in zip(streamed, final, strict=True))


def test_a_short_video_or_one_of_one_segment_is_not_split() -> None:
    # A video no longer than a shard, or with nowhere to cut it, stays whole
    assert plan_shards(FRAMES, FPS, [12, 24], shard_seconds=10) is None
    assert plan_shards(FRAMES, FPS, [], shard_seconds=1) is None
    assert plan_shards(FRAMES, FPS, [12, 24], shard_seconds=0) is None
    # And a longer one is cut at the segment starts nearest to even shares
    plan = plan_shards(120, FPS, [10, 35, 61, 90, 100], shard_seconds=4)
    assert plan is not None and plan.starts == [0, 35, 90]


def test_a_shard_message_is_bounded_and_checked(settings: Settings) -> None:
    # Given shard messages that name a shard that cannot exist
    job, paths = _prepare_job(settings, "sh2")
    with pytest.raises(ValueError, match="does not exist"):
        Shard(index=3, count=3)
    with pytest.raises(ValueError):
        Shard(index=0, count=100_000)
    with pytest.raises(UnsafeArtifactPath):
        paths.render_shard(-1)
    # When a shard message of a job that was never planned, or planned otherwise, arrives
    stage = _stage(settings)
    # Then it fails rather than render anything
    with pytest.raises(StageError):
        stage.run(_shard(job, 0, 2), paths, lambda note: None)
    planned = stage.run(job, paths, lambda note: None)
    assert isinstance(planned.unfinished, Split)
    with pytest.raises(StageError, match="shards"):
        stage.run(_shard(job, 0, planned.unfinished.shards + 1), paths, lambda note: None)


def test_a_shard_on_disk_is_not_rendered_again_and_the_join_is_done_once(
    settings: Settings,
) -> None:
    # Given a planned job whose first shard was rendered, its message then redelivered
    job, paths = _prepare_job(settings, "sh3")
    stage = _stage(settings)
    planned = stage.run(job, paths, lambda note: None)
    assert isinstance(planned.unfinished, Split)
    count = planned.unfinished.shards
    files = ShardFiles(paths)
    first = stage.run(_shard(job, 0, count), paths, lambda note: None)
    written = files.shard(0).stat().st_mtime_ns
    again = stage.run(_shard(job, 0, count), paths, lambda note: None)
    # Then the redelivery leaves the shard as it was, and neither finishes the job
    assert first.unfinished == again.unfinished == ShardDone()
    assert files.shard(0).stat().st_mtime_ns == written

    # When a redelivered planning message arrives, Then it plans nothing new
    assert stage.run(job, paths, lambda note: None) == planned

    # When the other shards are rendered, Then the last one joins and finishes the job
    results = [stage.run(_shard(job, i, count), paths, lambda note: None) for i in range(1, count)]
    assert [r.unfinished for r in results] == [ShardDone()] * (count - 2) + [None]
    assert paths.video.exists()
    # And a redelivery of the joining message (its worker died before acking) finishes it
    # again without joining again, while any other shard's redelivery stays quiet
    joined = paths.video.stat().st_mtime_ns
    joiner = stage.run(_shard(job, count - 1, count), paths, lambda note: None)
    assert joiner == StageResult({"video": paths.relative(paths.video)}, REUSED)
    assert stage.run(_shard(job, 0, count), paths, lambda note: None).unfinished == ShardDone()
    assert paths.video.stat().st_mtime_ns == joined


def test_a_shard_whose_worker_died_is_rendered_by_the_next(settings: Settings) -> None:
    # Given a planned job whose shard 1 worker died part way, leaving a partial file
    job, paths = _prepare_job(settings, "sh4")
    stage = _stage(settings)
    count = _plan(stage, job, paths)
    files = ShardFiles(paths)
    files.folder.mkdir(parents=True, exist_ok=True)
    partial = files.folder / ".shard_0001.deadbeef.tmp.mp4"
    partial.write_bytes(b"\x00" * 100)

    # When every shard message is handled (shard 1's redelivered)
    for index in range(count):
        stage.run(_shard(job, index, count), paths, lambda note: None)

    # Then the partial file is gone and the video is whole
    assert not partial.exists()
    assert len(decoded_rgb(paths.video)) == FRAMES


def test_a_cancel_stops_a_shard_part_way(settings: Settings) -> None:
    # Given a shard of a job, its frames 24 to 47, and a cancel seen at the fifth look
    _job, paths = _prepare_job(settings, "sh5")
    footage = [
        FootageSpan(start=start, end=end, file=paths.footage_dir / f"clip_{number:03d}.mp4")
        for number, (start, end) in enumerate(SEGMENTS)
    ]
    video_format = VideoFormat(width=144, height=256, fps=FPS, preset="veryfast", crf=23)
    target = paths.render_shards_dir / "shard.mp4"
    target.parent.mkdir(parents=True)
    looks = 0

    def cancelled() -> bool:
        nonlocal looks
        looks += 1
        return looks == 5

    # When the shard is rendered, looking before every frame
    with pytest.raises(JobCancelled, match="after 4 frames"), atomic_path(target) as partial:
        render_frames(
            partial,
            range(24, 48),
            CAPTIONS,
            footage,
            video_format,
            ProgressNotes(lambda note: None, FRAMES),
            cancelled=cancelled,
            cancel_check_seconds=0.0,
        )

    # Then it stopped at that look, and its partial file is gone
    assert looks == 5
    assert list(target.parent.iterdir()) == []


def test_the_shards_of_a_cancelled_job_are_skipped(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a planned job, cancelled before its shards are taken
    job, paths = _prepare_job(settings, "sh7")
    planned = _stage(settings).run(job, paths, lambda note: None)
    assert isinstance(planned.unfinished, Split)
    count = planned.unfinished.shards
    paths.cancel_marker.parent.mkdir(parents=True, exist_ok=True)
    paths.cancel_marker.touch()

    # When a render service gets its shard messages
    (service,) = _services(settings, 1)
    with running(service):
        for index in range(count):
            publish_stage(broker, "render", _shard(job, index, count).to_bytes())
        while queued_messages(broker, broker.topology.stage_queue("render")):
            threading.Event().wait(0.1)

    # Then no shard is rendered, nothing is joined, and nothing says the job is done
    files = ShardFiles(paths)
    assert not any(files.shard(index).exists() for index in range(count))
    assert not paths.video.exists()
    events = [parse_progress_event(b) for b in drain_queue(broker, broker.topology.progress_queue)]
    assert all(event.status == "processing" and event.report is None for event in events)


def _services(settings: Settings, workers: int) -> list[StageService]:
    render_settings = RenderSettings(
        **{**settings.model_dump(), "render_shard_seconds": 1.0, "font_path": None}
    )
    return [
        StageService(RenderStage(render_settings, split_long_videos=True), render_settings)
        for _ in range(workers)
    ]


def test_two_workers_share_the_shards_and_finish_the_job_once(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given two render services on the real broker
    job, paths = _prepare_job(settings, "sh6")
    first, second = _services(settings, 2)
    with running(first), running(second):
        # When the job's render message arrives
        publish_stage(broker, "render", job.to_bytes())
        # Then the job completes, once
        events = _events_until_completed(broker)
    events += _events_left(broker)
    assert [event.status for event in events].count("completed") == 1
    done = [event for event in events if event.report is not None]
    assert len(done) == 1 and "shards" in done[0].report.provider
    # And the video is whole, with every frame
    assert len(decoded_rgb(paths.video)) == FRAMES
    assert drain_queue(broker, broker.topology.dead_letter_queue) == []


def _events_until_completed(broker: BrokerSession) -> list[ProgressEvent]:
    """The job's progress events up to its completion, once no shard message waits.

    A straggling shard message still in the queue is left to be taken: the services
    finish the messages they took as they stop.
    """
    progress = broker.topology.progress_queue
    events: list[ProgressEvent] = []
    while not any(event.status == "completed" for event in events):
        events.append(parse_progress_event(get_message_from_queue(broker, progress, 60)))
    while queued_messages(broker, broker.topology.stage_queue("render")):
        threading.Event().wait(0.1)
    return events


def _events_left(broker: BrokerSession) -> list[ProgressEvent]:
    """What the services reported after the completion was read, once they stopped."""
    return [
        parse_progress_event(body) for body in drain_queue(broker, broker.topology.progress_queue)
    ]


def test_of_many_workers_asking_at_once_exactly_one_claims_the_join(settings: Settings) -> None:
    # Given a job's shard folder, and eight shards' workers asking to join at the same moment
    files = ShardFiles(JobPaths(settings.data_dir, "sh8"))
    files.folder.mkdir(parents=True)
    start = threading.Barrier(8)
    won: list[int] = []

    def ask(index: int) -> None:
        start.wait()
        if files.claim_join(index):
            won.append(index)

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one wins, for good: asking again changes nothing, but for the winner
    assert len(won) == 1
    assert files.claim_owner() == won[0]
    assert files.claim_join(won[0])
    assert not any(files.claim_join(index) for index in range(8) if index != won[0])


def test_the_policy_sends_one_message_per_shard_and_says_nothing_of_a_shard_done() -> None:
    # Given a render that split its job into three shards, after two tries
    policy = PipelinePolicy(Topology(prefix="t2v"), max_attempts=3)
    job = StageMessage(job_id="job1", text="A story.", attempt=2)
    split = Succeeded(StageResult({"video": "output/v.mp4"}, "3 shards", Split(3)), 1.0)

    # When the policy decides, Then each shard goes back to the render queue, first try,
    # and a note tells the watcher; no stage report, nothing forwarded, nothing completed
    decision = policy.decide("render", job, split)
    assert decision.verdict == "split" and not decision.dead_letters
    *shards, note = decision.publications
    assert [(p.exchange, p.routing_key) for p in shards] == [("t2v.jobs", "stage.render")] * 3
    messages = [p.message for p in shards]
    assert all(isinstance(m, StageMessage) and m.attempt == 1 for m in messages)
    assert [m.shard for m in messages if isinstance(m, StageMessage)] == [
        Shard(index=index, count=3) for index in range(3)
    ]
    assert note.routing_key == "progress.render"
    assert isinstance(note.message, ProgressEvent) and "3 shards" in note.message.message

    # When a shard that does not finish the job is done, Then nothing is published at all
    shard_done = Succeeded(StageResult({"video": "output/v.mp4"}, "shard 1 of 3", ShardDone()), 1)
    assert policy.decide("render", job, shard_done) == Decision("shard-done")

    # When the shard that joins them is done, Then the report covers the whole render,
    # from its split, not only that shard's own second
    joined = StageResult({"video": "output/v.mp4"}, "libx264, 3 shards", seconds=12.5)
    done, completed = policy.decide("render", job, Succeeded(joined, 1.0)).publications
    assert isinstance(done.message, ProgressEvent) and done.message.report is not None
    assert done.message.report.seconds == 12.5
    assert isinstance(completed.message, ProgressEvent)
    assert completed.message.status == "completed"


def test_progress_counts_the_frames_of_every_shard(settings: Settings) -> None:
    # Given a plan of three shards: the first finished, the second part way, the third ours
    files = ShardFiles(JobPaths(settings.data_dir, "sh9"))
    plan = ShardPlan(frame_count=90, fps=12, starts=[0, 30, 60])
    files.folder.mkdir(parents=True)
    files.shard(0).write_bytes(b"a finished shard")
    files.progress(1).write_text("12")

    # When our shard has 5 frames done, Then the whole video has 30 + 12 + 5
    assert SharedTally(files, plan, 2).overall(5) == 47
    # And the other shards see ours
    assert SharedTally(files, plan, 1).overall(13) == 30 + 13 + 5


def test_a_shard_left_by_a_worker_that_died_is_rendered_by_another(
    settings: Settings, broker: BrokerSession
) -> None:
    # Given a planned job whose shard messages wait on the render queue
    job, paths = _prepare_job(settings, "sh10")
    planned = _stage(settings).run(job, paths, lambda note: None)
    assert isinstance(planned.unfinished, Split)
    count = planned.unfinished.shards
    for index in range(count):
        publish_stage(broker, "render", _shard(job, index, count).to_bytes())
    # And a worker that took one of them, wrote part of its file and died holding it
    queue = broker.topology.stage_queue("render")
    dying = pika.BlockingConnection(pika.URLParameters(settings.broker_url))
    method, _properties, body = dying.channel().basic_get(queue, auto_ack=False)
    assert method is not None
    taken = StageMessage.model_validate_json(body).shard
    assert taken is not None
    files = ShardFiles(paths)
    files.folder.mkdir(parents=True, exist_ok=True)
    partial = files.folder / f".shard_{taken.index:04d}.0123abcd.tmp.mp4"
    partial.write_bytes(b"\x00" * 100)
    dying.close()

    # When a render service takes the shards
    (service,) = _services(settings, 1)
    with running(service):
        events = _events_until_completed(broker)
    events += _events_left(broker)

    # Then the dead worker's shard was rendered again, the job completed once, whole
    assert [event.status for event in events].count("completed") == 1
    assert not partial.exists()
    assert len(decoded_rgb(paths.video)) == FRAMES
