"""One footage file as an endless stream of output-sized frames.

The file is decoded as it plays, never loaded whole; each frame is cropped to the
output's aspect ratio around its centre and scaled to the output size (so it covers the
frame and is never stretched), and the file starts over when it runs out. A file shorter
than the time it must fill also drifts slowly across the frame, so the repeat does not
show as a jump back to the same picture. A still picture (a file of one frame: a photo,
an uploaded image) zooms slowly into its centre instead, over the time it fills: it is
decoded and scaled once, a little larger than the output, and each output frame is the
part of it the zoom has reached, scaled to the output size, one scale per frame.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import av
import av.filter

from svc_render.frames import copy_frame, crop_frame

# Used when a file states no frame rate; only matters for how long its last frame shows.
DEFAULT_FRAME_SECONDS = 1 / 30
# A clip at most this much shorter than its segment repeats too briefly to need a drift.
LOOP_SLACK_SECONDS = 0.5
# Frame times are sums of floats; moments closer than this are the same moment.
TIME_TOLERANCE = 1e-4


class ClipUnusable(Exception):
    """A footage file that cannot be opened or decoded into frames."""


@dataclass(frozen=True)
class Pan:
    """A slow drift from one corner of a slightly enlarged picture to the opposite one."""

    seconds: float  # how long the drift takes: the time the clip must fill
    direction: int  # which corner it starts from, 0 to 3

    ZOOM = 1.08  # how much larger than the output the picture is scaled

    def enlarged(self, width: int, height: int) -> tuple[int, int]:
        return _even_ceil(width * self.ZOOM), _even_ceil(height * self.ZOOM)

    def window(self, seconds: float, spare_x: int, spare_y: int) -> tuple[int, int]:
        """The top-left corner of the output's window at ``seconds`` into the drift."""
        progress = min(max(seconds / self.seconds, 0.0), 1.0) if self.seconds > 0 else 0.0
        # Ease in and out, so the drift starts and stops without a jolt.
        eased = progress * progress * (3 - 2 * progress)
        from_right, from_bottom = self.direction & 1, self.direction >> 1 & 1
        x = eased if not from_right else 1 - eased
        y = eased if not from_bottom else 1 - eased
        return round(x * spare_x), round(y * spare_y)


@dataclass(frozen=True)
class Zoom:
    """A slow zoom into the centre of a still picture, eased in and out."""

    seconds: float  # how long the zoom takes: the time the picture must fill

    END = 1.12  # how much larger the centre shows at the end than at the start

    def enlarged(self, width: int, height: int) -> tuple[int, int]:
        """The size the picture is scaled to once: the output's at the zoom's end."""
        return _even_ceil(width * self.END), _even_ceil(height * self.END)

    def window(
        self, seconds: float, scaled_width: int, scaled_height: int
    ) -> tuple[int, int, int, int]:
        """(left, top, width, height) of the part of the enlarged picture shown at
        ``seconds``: all of it at the start, its central 1 / END at the end."""
        progress = min(max(seconds / self.seconds, 0.0), 1.0) if self.seconds > 0 else 0.0
        eased = progress * progress * (3 - 2 * progress)
        zoom = 1 + (self.END - 1) * eased
        width = min(scaled_width, _even_ceil(scaled_width / zoom))
        height = min(scaled_height, _even_ceil(scaled_height / zoom))
        # Even corners keep the chroma planes aligned with the luma (see crop_frame).
        left = (scaled_width - width) // 4 * 2
        top = (scaled_height - height) // 4 * 2
        return left, top, width, height


class ClipReader:
    """Frames of one file by clip-local time, which must not go backwards between calls.

    With a ``pan``, a file shorter than ``pan.seconds`` drifts across the frame, a still
    picture zooms in over that time, and a file long enough to fill it plays as it is.
    """

    def __init__(self, path: Path, width: int, height: int, pan: Pan | None = None) -> None:
        self._path = path
        self._width = width
        self._height = height
        movement = _movement(path, pan)
        self._pan = movement if isinstance(movement, Pan) else None
        self._zoom = movement if isinstance(movement, Zoom) else None
        self._scaled_size = (
            (width, height) if movement is None else movement.enlarged(width, height)
        )
        # Scales each zoomed frame; it keeps its scaler while the sizes stay the same.
        self._reformatter = av.video.reformatter.VideoReformatter()
        self._pass = self._open_pass(start=0.0)
        self._upcoming: _DueFrame | None = self._first_frame()
        self._shown: av.VideoFrame | None = None
        self._shown_scaled: av.VideoFrame | None = None
        self._handed_out = False

    def frame_at(self, seconds: float) -> av.VideoFrame:
        """A frame the caller owns: it may draw into it."""
        try:
            self._advance_to(seconds)
            if self._shown_scaled is None:
                assert self._shown is not None
                self._shown_scaled = self._pass.convert(self._shown)
                self._handed_out = False
        except av.FFmpegError as exc:
            raise ClipUnusable(str(exc)) from exc
        if self._zoom is not None:
            return self._zoomed(seconds)
        if self._pan is not None:
            scaled_width, scaled_height = self._scaled_size
            left, top = self._pan.window(
                seconds, scaled_width - self._width, scaled_height - self._height
            )
            return crop_frame(self._shown_scaled, left, top, (self._width, self._height))
        # A frame held for several output frames (a clip slower than the video) is
        # handed out once as it is and copied after that, so no caption is drawn twice.
        if self._handed_out:
            return copy_frame(self._shown_scaled)
        self._handed_out = True
        return self._shown_scaled

    def close(self) -> None:
        self._pass.close()

    def _zoomed(self, seconds: float) -> av.VideoFrame:
        assert self._zoom is not None and self._shown_scaled is not None
        left, top, width, height = self._zoom.window(seconds, *self._scaled_size)
        window = crop_frame(self._shown_scaled, left, top, (width, height))
        if (width, height) == (self._width, self._height):
            return window
        return self._reformatter.reformat(
            window, self._width, self._height, "yuv420p", interpolation="BILINEAR"
        )

    def _advance_to(self, seconds: float) -> None:
        # Sample and hold: show the last frame due by ``seconds``, whatever the file's rate.
        while True:
            if self._upcoming is None:
                if self._pass.frame_count == 1:
                    return  # a single picture: hold it rather than reopen the file every frame
                self._pass.close()
                self._pass = self._open_pass(start=self._pass.start + self._pass.length)
                self._upcoming = self._first_frame()
            if self._shown is not None and self._upcoming.due > seconds + TIME_TOLERANCE:
                return
            self._shown, self._shown_scaled = self._upcoming.frame, None
            self._upcoming = self._pass.next_frame()

    def _open_pass(self, start: float) -> "_Pass":
        try:
            return _Pass(self._path, *self._scaled_size, start)
        except (av.FFmpegError, IndexError) as exc:
            raise ClipUnusable(f"cannot read a video stream ({exc})") from exc

    def _first_frame(self) -> "_DueFrame":
        try:
            first = self._pass.next_frame()
        except av.FFmpegError as exc:
            self._pass.close()
            raise ClipUnusable(str(exc)) from exc
        if first is None:
            self._pass.close()
            raise ClipUnusable("no video frames")
        return first


class _DueFrame(NamedTuple):
    due: float  # clip-local time from which the frame shows
    frame: av.VideoFrame


class _Pass:
    """One run through the file from its start, beginning at clip-local time ``start``."""

    def __init__(self, path: Path, width: int, height: int, start: float) -> None:
        self.start = start
        self.frame_count = 0
        self._container = av.open(str(path))
        try:
            stream = self._container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = stream.average_rate
            self._frame_seconds = 1 / float(rate) if rate else DEFAULT_FRAME_SECONDS
            self._graph = _cover_graph(stream, width, height)
        except BaseException:
            self._container.close()
            raise
        self._decoded = self._container.decode(stream)
        self._first_time: float | None = None
        # Grows with each frame; once the pass ends it lasted until its last frame was up.
        self.length = self._frame_seconds

    def next_frame(self) -> _DueFrame | None:
        frame = next(self._decoded, None)
        if frame is None:
            return None
        if frame.time is None:
            offset = self.frame_count * self._frame_seconds
        else:
            if self._first_time is None:
                self._first_time = frame.time
            offset = max(0.0, frame.time - self._first_time)
        self.frame_count += 1
        self.length = max(self.length, offset + self._frame_seconds)
        return _DueFrame(self.start + offset, frame)

    def convert(self, frame: av.VideoFrame) -> av.VideoFrame:
        self._graph.vpush(frame)
        converted = self._graph.vpull()
        assert isinstance(converted, av.VideoFrame)
        return converted

    def close(self) -> None:
        self._container.close()


def _cover_graph(stream: av.VideoStream, width: int, height: int) -> av.filter.Graph:
    """Filters that crop a frame to the output's aspect ratio and scale it to its size."""
    source_width = stream.codec_context.width
    source_height = stream.codec_context.height
    if not source_width or not source_height:
        raise ClipUnusable("the video stream has no size")
    # Crop first, then scale: only the pixels that stay on screen are scaled.
    crop_width, crop_height = source_width, source_height
    if source_width * height > source_height * width:
        crop_width = max(1, round(source_height * width / height))
    else:
        crop_height = max(1, round(source_width * height / width))
    graph = av.filter.Graph()
    graph.link_nodes(
        graph.add_buffer(template=stream),
        graph.add("crop", f"{crop_width}:{crop_height}"),
        # swscale's bilinear widens its kernel when shrinking, so it does not alias.
        graph.add("scale", f"{width}:{height}:flags=bilinear"),
        graph.add("format", "yuv420p"),
        graph.add("buffersink"),
    ).configure()
    return graph


def _movement(path: Path, pan: Pan | None) -> Pan | Zoom | None:
    """How the file moves across its time: a zoom for a still picture, the drift for a
    file whose video would visibly start over within ``pan.seconds``, else not at all.

    A clip made for its segment can come out a frame short; only a clip that loops for
    more than a moment needs the drift. A file of unknown length drifts.
    """
    if pan is None:
        return None
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            if stream.duration is not None and stream.time_base is not None:
                length: float | None = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                length = container.duration / av.time_base
            else:
                length = None
            if _one_picture(container, stream):
                return Zoom(pan.seconds)
            return pan if length is None or length + LOOP_SLACK_SECONDS < pan.seconds else None
    except (av.FFmpegError, IndexError):
        pass  # the reader's own opening reports what is wrong with the file
    return pan


def _one_picture(container: av.container.InputContainer, stream: av.VideoStream) -> bool:
    """Whether the stream holds a single picture, read from its first packets only."""
    pictures = 0
    for packet in container.demux(stream):
        pictures += packet.size > 0
        if pictures > 1:
            return False
    return pictures == 1


def _even_ceil(value: float) -> int:
    return -(-round(value) // 2) * 2
