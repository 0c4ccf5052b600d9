"""The background of every moment of the video, from the footage chosen for each segment.

A clip plays from its start when it comes on screen, fading in over the clip before it,
and loops while it stays there (drifting slowly if it is shorter than its segment). Where
the segments leave a gap, or end before the narration does, the nearest clip carries on.
A generated background is drawn from its description rather than decoded (see
``generated``); it is opened, like a clip, only when its segment comes on screen. So is a
clip still downloading when the render began, which is waited for then (see ``footage``),
or drawn as a generated background if it does not come in time. A clip
that cannot be decoded gives way to a plain gradient for its segment: a render
never fails, and never shows black, because of one bad file.
"""

import colorsys
import logging
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av
import numpy as np

from common.documents import GeneratedBackground
from svc_render.clips import ClipReader, ClipUnusable, Pan
from svc_render.frames import blend_into, copy_frame, frame_from_rgb
from svc_render.generated import DrawnBackground, is_description

logger = logging.getLogger(__name__)

CROSSFADE_SECONDS = 0.4


# Gives a pending clip's file once it is in, or the generated background to draw instead.
Arrival = Callable[[], Path | GeneratedBackground]


@dataclass(frozen=True)
class FootageSpan:
    """A footage file (or a generated background's description) and the part of the
    narration it belongs to."""

    start: float
    end: float
    file: Path
    # For a clip still downloading when the render began: waits for it when its segment
    # comes on screen (see ``footage``).
    arrival: Arrival | None = None


class _FrameSource(Protocol):
    def frame_at(self, seconds: float) -> av.VideoFrame: ...

    def close(self) -> None: ...


class BackgroundTrack:
    """Background frames by video time, which must not go backwards between calls."""

    def __init__(self, spans: list[FootageSpan], width: int, height: int) -> None:
        self._spans = sorted(spans, key=lambda span: span.start)
        self._width = width
        self._height = height
        self._index: int | None = None  # the span on screen
        self._source: _FrameSource | None = None
        self._on_screen_since = 0.0
        # The clip fading out under the one on screen, and since when it was shown.
        self._leaving: tuple[_FrameSource, float] | None = None

    def frame_at(self, seconds: float) -> av.VideoFrame:
        """A yuv420p frame of its own (see ``frames``): the caller may draw into it."""
        index = self._span_index_at(seconds)
        if self._source is None or index != self._index:
            self._show(index, seconds)
        assert self._source is not None
        local_seconds = seconds - self._on_screen_since
        try:
            frame = self._source.frame_at(local_seconds)
        except ClipUnusable as exc:
            self._source.close()
            self._source = self._fallback(index, exc)
            frame = self._source.frame_at(local_seconds)
        return self._crossfaded(frame, seconds)

    def segment_starts(self, frame_times: Sequence[float]) -> list[int]:
        """The positions in ``frame_times`` (in order) at which a later segment comes on screen.

        Segments follow each other, so the segment on screen only moves on: each one's
        first frame is found by bisection rather than by asking at every frame.
        """
        positions = range(len(frame_times))
        starts = {
            bisect_left(positions, later, key=lambda at: self._span_index_at(frame_times[at]))
            for later in range(1, len(self._spans))
        }
        return sorted(start for start in starts if 0 < start < len(frame_times))

    def resume_after(self, frame_times: Sequence[float]) -> None:
        """Be as if a frame had been asked for at each of ``frame_times``, without making them.

        A shard of a long video starts here, so that its frames are the ones a single run
        through the whole video would make: the clip on screen carries on from where it
        was, and the one fading out under it too. Only those two are read up to that
        moment (decoded, not scaled); every earlier clip is left alone.
        """
        if not frame_times:
            return
        last = frame_times[-1]
        runs = self._last_runs(frame_times)
        index, since, _ = runs[-1]
        if len(runs) == 2 and (last - since) / CROSSFADE_SECONDS < 1.0:
            leaving_index, leaving_since, leaving_end = runs[0]
            leaving = self._playing(leaving_index, leaving_end - leaving_since)
            try:
                leaving.frame_at(last - leaving_since)
                self._leaving = (leaving, leaving_since)
            except ClipUnusable:
                leaving.close()  # its failure was the clip's last moment anyway
        self._index, self._on_screen_since = index, since
        self._source = self._playing(index, last - since)

    def _last_runs(self, frame_times: Sequence[float]) -> list[tuple[int, float, float]]:
        """The last two runs of frames on one segment: its index, first and last frame time.

        Found walking back from the end, so the cost is those runs' length, not the video's.
        """
        runs: list[tuple[int, float, float]] = []
        position = len(frame_times) - 1
        while position >= 0 and len(runs) < 2:
            index, end = self._span_index_at(frame_times[position]), frame_times[position]
            while position > 0 and self._span_index_at(frame_times[position - 1]) == index:
                position -= 1
            runs.insert(0, (index, frame_times[position], end))
            position -= 1
        return runs

    def _playing(self, index: int, local_seconds: float) -> _FrameSource:
        """Span ``index``'s source, read up to ``local_seconds`` after it came on screen."""
        source = self._open(index)
        try:
            source.frame_at(local_seconds)
        except ClipUnusable as exc:
            source.close()
            source = self._fallback(index, exc)
        return source

    def close(self) -> None:
        self._stop_leaving()
        if self._source is not None:
            self._source.close()
            self._source = None

    def _crossfaded(self, arriving: av.VideoFrame, seconds: float) -> av.VideoFrame:
        if self._leaving is None:
            return arriving
        weight = (seconds - self._on_screen_since) / CROSSFADE_SECONDS
        if weight >= 1.0:
            self._stop_leaving()
            return arriving
        source, shown_since = self._leaving
        try:
            leaving = source.frame_at(seconds - shown_since)
        except ClipUnusable:
            self._stop_leaving()  # its failure was the clip's last moment anyway
            return arriving
        blend_into(arriving, leaving, weight)
        return arriving

    def _stop_leaving(self) -> None:
        if self._leaving is not None:
            self._leaving[0].close()
            self._leaving = None

    def _span_index_at(self, seconds: float) -> int:
        """The span covering ``seconds``, else the nearest one; a later one wins a tie."""

        def distance(index: int) -> tuple[float, int]:
            span = self._spans[index]
            return max(span.start - seconds, seconds - span.end, 0.0), -index

        return min(range(len(self._spans)), key=distance, default=0)

    def _show(self, index: int, seconds: float) -> None:
        self._stop_leaving()
        if self._source is not None:
            self._leaving = (self._source, self._on_screen_since)
            self._source = None
        self._index = index
        self._on_screen_since = seconds
        self._source = self._open(index)

    def _open(self, index: int) -> _FrameSource:
        if not self._spans:
            return StillSource(plain_background(index, self._width, self._height))
        span = self._spans[index]
        pan = Pan(seconds=span.end - span.start, direction=index % 4)
        file = span.file if span.arrival is None else span.arrival()
        try:
            if isinstance(file, GeneratedBackground):
                return DrawnBackground(file, self._width, self._height)
            if is_description(file):
                return DrawnBackground.open(file, self._width, self._height)
            return ClipReader(file, self._width, self._height, pan)
        except ClipUnusable as exc:
            return self._fallback(index, exc)

    def _fallback(self, index: int, reason: ClipUnusable) -> "StillSource":
        logger.warning(
            "footage %s is unusable (%s); a plain background replaces it",
            self._spans[index].file.name,
            reason,
        )
        return StillSource(plain_background(index, self._width, self._height))


class StillSource:
    """The same picture at every moment, in a frame of its own each time."""

    def __init__(self, frame: av.VideoFrame) -> None:
        self._frame = frame

    def frame_at(self, seconds: float) -> av.VideoFrame:
        return copy_frame(self._frame)

    def close(self) -> None:
        pass


def plain_background(index: int, width: int, height: int) -> av.VideoFrame:
    """A vertical two-colour gradient, its hue stepping by the golden ratio per segment."""
    hue = (0.58 + index * 0.618) % 1.0
    top = np.array(colorsys.hsv_to_rgb(hue, 0.55, 0.55), dtype=np.float32)
    bottom = np.array(colorsys.hsv_to_rgb((hue + 0.08) % 1.0, 0.7, 0.22), dtype=np.float32)
    along = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    column = ((top + (bottom - top) * along) * 255).astype(np.uint8)
    return frame_from_rgb(np.ascontiguousarray(np.broadcast_to(column, (height, width, 3))))
