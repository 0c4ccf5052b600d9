"""Encode the video: background footage with captions over it, and the narration.

Frames are made one at a time, in the encoder's own yuv420p, and the narration is encoded
alongside them so the muxer interleaves the two as it goes; nothing the size of the whole
video is ever held in memory. Between frames the render looks now and then whether its job
was cancelled, and stops if so. A shard of a long video (:func:`render_frames`) is the same
loop over a run of the frames, to a file of video alone.
"""

import contextlib
import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
from av.container import OutputContainer
from av.video.frame import PictureType

from common.artifacts import StreamFiles, write_bytes_atomic
from common.documents import CaptionGroup
from common.errors import JobCancelled
from common.messages import CaptionStyle
from common.stage import ReportProgress
from svc_render.background import BackgroundTrack, FootageSpan
from svc_render.captions_track import CaptionTrack
from svc_render.narration import Narration
from svc_render.stream import (
    MUXER_OPTIONS,
    PlacedMuxer,
    SegmentWriter,
    keyframe_interval,
    remux_segments,
    segment_starts,
)

logger = logging.getLogger(__name__)

REPORT_INTERVAL_SECONDS = 2.0
# How often the render asks whether its job was cancelled: a file's stat is cheap, but
# not at every one of thousands of frames; half a second lets a cancel land within one.
CANCEL_CHECK_SECONDS = 0.5
AUDIO_BIT_RATE = 128_000
# The poster is the frame at this time (or the last, in a shorter video): past a first
# clip's fade-in, and usually with a caption on it.
POSTER_SECONDS = 1.0
POSTER_MAX_WIDTH = 640
POSTER_QUALITY = 85

# Answers whether the job was cancelled meanwhile.
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class VideoFormat:
    width: int
    height: int
    fps: int
    preset: str  # libx264's
    crf: int
    caption_style: CaptionStyle = field(default_factory=CaptionStyle)
    font_path: Path | None = None
    # The story's (BCP 47): which forms of the characters Chinese, Japanese and Korean
    # share; None guesses from the text.
    language: str | None = None


def frame_count_of(narration: Narration, fps: int) -> int:
    """The video's frames: as long as the narration, to the nearest frame."""
    return max(1, round(narration.duration * fps))


def poster_index_of(frame_count: int, fps: int) -> int:
    return min(round(POSTER_SECONDS * fps), frame_count - 1)


def render_video(
    target: Path,
    narration: Narration,
    captions: list[CaptionGroup],
    footage: list[FootageSpan],
    video_format: VideoFormat,
    report: ReportProgress,
    cancelled: CancelCheck = lambda: False,
    cancel_check_seconds: float = CANCEL_CHECK_SECONDS,
    poster: Path | None = None,
    stream: StreamFiles | None = None,
) -> None:
    """Write an MP4 to ``target`` exactly as long as the narration, to the nearest frame.

    With ``poster``, one of the frames as made (no second decode) is also written there as
    a JPEG, once the whole video is encoded. With ``stream``, the video is written there
    as it goes, as segments a browser plays before the end (svc_render.stream), and
    ``target`` is those segments' packets remuxed once the last is in.

    Raises JobCancelled, leaving ``target`` unfinished for the caller to remove, once
    ``cancelled()`` says so; it is asked every ``cancel_check_seconds`` between frames.
    """
    fps = video_format.fps
    frame_count = frame_count_of(narration, fps)
    with _video_output(target, stream, range(frame_count), fps, whole=True) as output:
        video = _add_video_stream(output.container, video_format, output.keyframes)
        audio = _NarrationEncoder(output.container, output.muxer, narration)
        poster_jpeg = _encode_frames(
            output,
            video,
            range(frame_count),
            _Picture(captions, footage, video_format),
            ProgressNotes(report, frame_count),
            _CancelWatch(cancelled, cancel_check_seconds),
            poster_index_of(frame_count, fps) if poster is not None else None,
            after_frame=lambda done: audio.encode_until(done / fps),
        )
        audio.finish()
    if poster is not None and poster_jpeg is not None:
        write_bytes_atomic(poster, poster_jpeg)
    logger.info("rendered %d frames at %dx%d", frame_count, video_format.width, video_format.height)


@dataclass(frozen=True)
class SoundtrackOutput:
    """The whole video's audio, encoded by one shard alongside its frames, to a file of its own."""

    target: Path
    narration: Narration


@dataclass(frozen=True)
class PartStream:
    """A shard's part of the video's stream, with its share of the whole video's sound."""

    files: StreamFiles
    narration: Narration


def render_frames(
    target: Path,
    frames: range,
    captions: list[CaptionGroup],
    footage: list[FootageSpan],
    video_format: VideoFormat,
    progress: "FrameTally",
    cancelled: CancelCheck = lambda: False,
    cancel_check_seconds: float = CANCEL_CHECK_SECONDS,
    poster_index: int | None = None,
    soundtrack: SoundtrackOutput | None = None,
    stream: PartStream | None = None,
) -> bytes | None:
    """Write the video alone of ``frames`` (a shard of a longer video) as an MP4 to ``target``.

    Its frames are the ones :func:`render_video` makes at those positions, encoded from a
    keyframe of their own, with timestamps counted from the shard's first frame. Returns
    the poster's JPEG when ``poster_index`` is among ``frames``. Cancels as render_video.

    With ``soundtrack``, the whole narration is encoded too, as render_video encodes it,
    a share with each frame: like there, the audio encoder works while the video encoder's
    threads do, instead of adding its time before or after them. With ``stream``, the
    frames are written as the part's segments as they go, with the sound of their stretch
    of the video, and ``target`` is their video remuxed once the last is in.
    """
    fps = video_format.fps
    files = None if stream is None else stream.files
    with contextlib.ExitStack() as outputs:
        output = outputs.enter_context(_video_output(target, files, frames, fps, whole=False))
        video = _add_video_stream(output.container, video_format, output.keyframes)
        encoders: list[tuple[_NarrationEncoder, float]] = []
        if stream is not None:
            share = stream.narration.part(frames.start / fps, frames.stop / fps)
            encoders.append((_NarrationEncoder(output.container, output.muxer, share), 1 / fps))
        if soundtrack is not None:
            sound = outputs.enter_context(av.open(str(soundtrack.target), "w"))
            seconds_a_frame = soundtrack.narration.duration / len(frames)
            encoder = _NarrationEncoder(sound, sound, soundtrack.narration)
            encoders.append((encoder, seconds_a_frame))

        def after_frame(done: int) -> None:
            for encoder, seconds_a_frame in encoders:
                encoder.encode_until(done * seconds_a_frame)

        poster_jpeg = _encode_frames(
            output,
            video,
            frames,
            _Picture(captions, footage, video_format, resume_before=frames.start),
            progress,
            _CancelWatch(cancelled, cancel_check_seconds),
            poster_index,
            after_frame,
        )
        for encoder, _ in encoders:
            encoder.finish()
    logger.info("rendered frames %d to %d", frames.start, frames.stop - 1)
    return poster_jpeg


class Muxer(Protocol):
    def mux(self, packets: list[av.Packet]) -> None: ...


@dataclass(frozen=True)
class _Output:
    """Where the encoded packets go: streams are added to ``container``, packets muxed
    through ``muxer``; ``keyframes`` are the frames (counted from the first) to be ones."""

    container: OutputContainer
    muxer: Muxer
    keyframes: list[int]


@contextlib.contextmanager
def _video_output(
    target: Path, stream: StreamFiles | None, frames: range, fps: int, *, whole: bool
) -> Iterator[_Output]:
    """The output of ``frames``, of a video at ``fps``.

    Without ``stream``, straight to the MP4 at ``target``, keyframes where the encoder
    likes. With it, to the stream's segments, a keyframe starting each and times as in the
    whole video, and once all are in, their packets remuxed to ``target``. A ``whole``
    video's MP4 has its index first and its sound; a shard's is its video alone, for the
    join.
    """
    if stream is None:
        # faststart puts the index first, so a browser can play the download as it arrives.
        options = {"movflags": "+faststart"} if whole else {}
        with av.open(str(target), "w", options=options) as container:
            yield _Output(container, container, [])
        return
    segments = SegmentWriter(stream, len(frames), fps)
    with av.open(segments, "w", format="mp4", options=MUXER_OPTIONS) as container:
        placed = PlacedMuxer(container, Fraction(frames.start, fps))
        yield _Output(container, placed, segment_starts(len(frames), fps))
    segments.finish()
    remux_segments(stream, segments.segments, target, with_sound=whole)


class FrameTally(Protocol):
    def frame_done(self, frames_done: int) -> None:
        """``frames_done`` of the frames asked for are encoded."""
        ...


class _Picture:
    """Every frame of the video: its footage with its caption drawn in."""

    def __init__(
        self,
        captions: list[CaptionGroup],
        footage: list[FootageSpan],
        video_format: VideoFormat,
        resume_before: int = 0,
    ) -> None:
        width, height, self.fps = video_format.width, video_format.height, video_format.fps
        self._captions = CaptionTrack(
            captions,
            width,
            height,
            video_format.caption_style,
            video_format.font_path,
            language=video_format.language,
        )
        self.background = BackgroundTrack(footage, width, height)
        if resume_before > 0:
            self.background.resume_after([index / self.fps for index in range(resume_before)])

    def frame(self, index: int) -> av.VideoFrame:
        seconds = index / self.fps
        frame = self.background.frame_at(seconds)
        overlay = self._captions.overlay_at(seconds)
        if overlay is not None:
            overlay.draw_onto(frame)
        return frame


def _encode_frames(
    output: _Output,
    video: av.VideoStream,
    frames: range,
    picture: _Picture,
    progress: FrameTally,
    watch: "_CancelWatch",
    poster_index: int | None,
    after_frame: Callable[[int], None] = lambda frames_done: None,
) -> bytes | None:
    """Encode ``frames`` of ``picture``, their timestamps counted from the first of them."""
    poster_jpeg = None
    frame_time_base = Fraction(1, picture.fps)
    forced = set(output.keyframes)
    with contextlib.closing(picture.background):
        for done, index in enumerate(frames):
            watch.check(frames_done=done)
            frame = picture.frame(index)
            if index == poster_index:
                poster_jpeg = _jpeg_of(frame)
            # Frames from the scaler keep their source's time base; ours counts frames.
            frame.pts, frame.time_base = done, frame_time_base
            frame.pict_type = PictureType.I if done in forced else PictureType.NONE
            output.muxer.mux(video.encode(frame))
            after_frame(done + 1)
            progress.frame_done(done + 1)
        output.muxer.mux(video.encode(None))
    return poster_jpeg


def _jpeg_of(frame: av.VideoFrame) -> bytes:
    """The frame as a JPEG, scaled down to ``POSTER_MAX_WIDTH`` when it is wider."""
    image = frame.to_image()
    if image.width > POSTER_MAX_WIDTH:
        height = max(1, round(image.height * POSTER_MAX_WIDTH / image.width))
        image = image.resize((POSTER_MAX_WIDTH, height))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=POSTER_QUALITY)
    return buffer.getvalue()


def _add_video_stream(
    output: OutputContainer, video_format: VideoFormat, keyframes: list[int]
) -> av.VideoStream:
    """With ``keyframes`` (segments' starts), keyframes there and nowhere else."""
    options = {"preset": video_format.preset, "crf": str(video_format.crf)}
    if keyframes:
        every = keyframe_interval(video_format.fps)
        options["x264-params"] = f"keyint={every}:min-keyint={every}:scenecut=0:open-gop=0"
    stream = output.add_stream("libx264", rate=video_format.fps, options=options)
    stream.width = video_format.width
    stream.height = video_format.height
    stream.pix_fmt = "yuv420p"
    stream.thread_type = "AUTO"
    return stream


class _NarrationEncoder:
    """Encodes the narration to AAC a little at a time, keeping pace with the video.

    Whatever the narration holds (the voice alone, or mixed with music) is encoded as it is.
    """

    def __init__(self, output: OutputContainer, muxer: Muxer, narration: Narration) -> None:
        self._muxer = muxer
        self._narration = narration
        self._layout = "mono" if narration.channels == 1 else "stereo"
        # The "fast" coder takes a third of the default's time, and at this bit rate
        # speech sounds the same; the default would cost 5% of the whole render.
        self._stream = output.add_stream(
            "aac", rate=narration.sample_rate, options={"aac_coder": "fast"}
        )
        self._stream.layout = self._layout
        self._stream.bit_rate = AUDIO_BIT_RATE
        self._encoded = 0  # samples so far

    def encode_until(self, seconds: float) -> None:
        samples = self._narration.samples
        end = min(len(samples), round(seconds * self._narration.sample_rate))
        if end <= self._encoded:
            return
        # Interleaved samples in one row is PyAV's layout for packed float.
        chunk = samples[self._encoded : end].reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout=self._layout)
        frame.sample_rate = self._narration.sample_rate
        frame.pts = self._encoded
        self._muxer.mux(self._stream.encode(frame))
        self._encoded = end

    def finish(self) -> None:
        self.encode_until(self._narration.duration)
        self._muxer.mux(self._stream.encode(None))


class ProgressNotes:
    """Tells the watcher how far the render has got, every few seconds at most.

    ``overall`` turns the frames done here into the frames done of the whole video (other
    shards' frames added, for a shard); it is asked only when a note is due.
    """

    def __init__(
        self,
        report: ReportProgress,
        frame_count: int,
        overall: Callable[[int], int] = lambda frames_done: frames_done,
    ) -> None:
        self._report = report
        self._frame_count = frame_count
        self._overall = overall
        self._last_report = time.monotonic()

    def frame_done(self, frames_done: int) -> None:
        now = time.monotonic()
        if now - self._last_report >= REPORT_INTERVAL_SECONDS:
            self._report(f"(frame {self._overall(frames_done)} of {self._frame_count})")
            self._last_report = now


class _CancelWatch:
    """Asks whether the job was cancelled, at most every ``interval`` seconds of wall time."""

    def __init__(self, cancelled: CancelCheck, interval: float) -> None:
        self._cancelled = cancelled
        self._interval = interval
        self._last_check = time.monotonic()

    def check(self, frames_done: int) -> None:
        now = time.monotonic()
        if now - self._last_check < self._interval:
            return
        self._last_check = now
        if self._cancelled():
            logger.info("render cancelled after %d frames", frames_done)
            raise JobCancelled(f"cancelled after {frames_done} frames")
