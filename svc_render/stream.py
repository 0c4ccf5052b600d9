"""The video as it is rendered, for a browser to play before the end: fragmented MP4 + HLS.

The encoder's packets go to an ``mp4`` muxer writing fragmented MP4 (CMAF): the init
segment (``ftyp`` + ``moov``) first, then one fragment (``moof`` + ``mdat``, video and the
narration's AAC together) per keyframe. The encoder is given a keyframe at each segment's
start (:func:`segment_starts`), so every fragment is a segment that starts with one. The
first segment is shorter than the rest: it is the one a viewer waits for.

Each segment is written to a file of its own, complete and renamed into place, before the
playlist that lists it is rewritten (itself via a temporary file and a rename): a reader
never sees a listed segment that is not all there. A render that starts again (after a
crash) clears the folder first, playlist first, and writes the stream anew. The playlist
is of type EVENT and ends with ``#EXT-X-ENDLIST`` once the last segment is in.

The final MP4 is the same packets remuxed (no second encode), see :func:`remux_segments`.
"""

import os
import struct
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import av.stream
from av.container import OutputContainer

from common.artifacts import StreamFiles
from common.hls import MediaPlaylist, Segment

FIRST_SEGMENT_SECONDS = 1
SEGMENT_SECONDS = 2
# FFmpeg's AAC encoder's delay: its first packet's samples come before the narration's.
AAC_PRIMING_SAMPLES = 1024
MUXER_OPTIONS = {
    # skip_trailer: no index at the end; a stream's reader never sees it. frag_discont:
    # fragments keep the packets' own times (see PlacedMuxer), not times from 0.
    "movflags": "frag_keyframe+empty_moov+default_base_moof+skip_trailer+frag_discont",
    "avoid_negative_ts": "disabled",
}
_BOX_HEADER = struct.Struct(">I4s")


def segment_starts(frame_count: int, fps: int) -> list[int]:
    """The frames segments start at: 0, then after ``FIRST_SEGMENT_SECONDS``, then every
    ``SEGMENT_SECONDS``."""
    first, every = FIRST_SEGMENT_SECONDS * fps, SEGMENT_SECONDS * fps
    return [0, *range(first, frame_count, every)]


def keyframe_interval(fps: int) -> int:
    """The encoder's own keyframe interval: counted from each segment's forced keyframe, it
    falls on the next segment's start, so the encoder adds none between them."""
    return SEGMENT_SECONDS * fps


class PlacedMuxer:
    """Muxes packets with each stream's first one placed at ``start`` seconds.

    A part of a video rendered in shards carries the times it has in the whole video, so
    any player, one that ignores the playlist's discontinuities too, plays the parts as one
    timeline; a whole video is the part from 0. Each stream is placed by its first decode
    time, as a muxer starting it at 0 would: the video's first frame comes the encoder's
    reordering delay after it, and the AAC's priming before the first sample.
    """

    def __init__(self, output: OutputContainer, start: Fraction) -> None:
        self._output = output
        self._start = start
        self._shifts: dict[int, int] = {}

    def mux(self, packets: list[av.Packet]) -> None:
        for packet in packets:
            if packet.dts is None or packet.pts is None or packet.time_base is None:
                continue  # an empty packet (an encoder flushed) goes on as it is
            index = packet.stream.index
            if index not in self._shifts:
                self._shifts[index] = round(self._start / packet.time_base) - packet.dts
            packet.pts += self._shifts[index]
            packet.dts += self._shifts[index]
        self._output.mux(packets)


class SegmentWriter:
    """A file object for the muxer: cuts what it writes into the init and media segments."""

    def __init__(self, files: StreamFiles, frame_count: int, fps: int) -> None:
        self._files = files
        self._fps = fps
        self._bounds = [*segment_starts(frame_count, fps), frame_count]
        self._pending = bytearray()
        self._init_written = False
        self._segments = 0
        files.clear()

    @property
    def segments(self) -> int:
        return self._segments

    def write(self, data: bytes) -> int:
        self._pending += data
        self._cut()
        return len(data)

    def finish(self) -> None:
        """After the muxer is closed: the last segment is in, and the playlist ends."""
        self._cut()
        self._write_playlist(ended=True)

    def _cut(self) -> None:
        while True:
            wanted = ("ftyp", "moov") if not self._init_written else ("moof", "mdat")
            end = _boxes_end(self._pending, wanted)
            if end is None:
                return
            piece, self._pending = bytes(self._pending[:end]), self._pending[end:]
            if not self._init_written:
                _write_replacing(self._files.init, piece)
                self._init_written = True
            else:
                _write_replacing(self._files.segment(self._segments), piece)
                self._segments += 1
                self._write_playlist(ended=False)

    def _segment_seconds(self, index: int) -> float:
        if index + 1 >= len(self._bounds):  # never, unless the encoder cut more than asked
            return 0.0
        return (self._bounds[index + 1] - self._bounds[index]) / self._fps

    def _write_playlist(self, ended: bool) -> None:
        segments = tuple(
            Segment(self._files.segment(index).name, self._segment_seconds(index))
            for index in range(self._segments)
        )
        playlist = MediaPlaylist(self._files.init.name, segments, ended)
        _write_replacing(self._files.playlist, playlist.text().encode())


def _write_replacing(target: Path, data: bytes) -> None:
    """``data`` complete at ``target`` or not there: a temporary file renamed into place.

    Not fsynced, unlike the job's artifacts: after a crash the render starts its stream
    again from nothing, and the wait for the disk, twice a segment, slowed the render.
    """
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def _boxes_end(data: bytearray, names: tuple[str, str]) -> int | None:
    """The end of the boxes ``names`` in order at the start of ``data``, once all are there."""
    offset = 0
    for name in names:
        if len(data) < offset + _BOX_HEADER.size:
            return None
        size, kind = _BOX_HEADER.unpack_from(data, offset)
        if kind.decode("latin-1") != name or size < _BOX_HEADER.size:
            raise ValueError(f"the muxer wrote a {kind!r} box where a {name} box belongs")
        offset += size
    return offset if len(data) >= offset else None


class _Concatenated:
    """The init segment and the media segments read as one file, in order."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths: Iterator[Path] = iter(paths)
        self._current = None if not paths else open(next(self._paths), "rb")  # noqa: SIM115

    def read(self, size: int = -1) -> bytes:
        while self._current is not None:
            chunk = self._current.read(size if size > 0 else -1)
            if chunk:
                return chunk
            self._current.close()
            following = next(self._paths, None)
            self._current = None if following is None else open(following, "rb")  # noqa: SIM115
        return b""

    def close(self) -> None:
        if self._current is not None:
            self._current.close()


def remux_segments(
    files: StreamFiles, segment_count: int, target: Path, *, with_sound: bool = True
) -> None:
    """Write the segments' packets, as they are, to ``target`` as a faststart MP4.

    Without ``with_sound``, the video alone, as a shard's file for the join.
    """
    source = _Concatenated([files.init] + [files.segment(i) for i in range(segment_count)])
    options = {"movflags": "+faststart"} if with_sound else {}
    try:
        with (
            av.open(source, "r", format="mp4") as streamed,
            av.open(str(target), "w", format="mp4", options=options) as output,
        ):
            kept = [s for s in streamed.streams if with_sound or s.type == "video"]
            outputs = {s.index: output.add_stream_from_template(s) for s in kept}
            shifts: dict[int, int] = {}
            for packet in streamed.demux(kept):
                if packet.dts is None or packet.pts is None:  # the demuxer's empty packet
                    continue
                index = packet.stream.index
                if index not in shifts:
                    shifts[index] = _start_shift(packet.stream, packet.pts)
                packet.pts -= shifts[index]
                packet.dts -= shifts[index]
                packet.stream = outputs[index]
                output.mux(packet)
    finally:
        source.close()


def _start_shift(stream: av.stream.Stream, first_pts: int) -> int:
    """What to take off a stream's timestamps for the MP4 to start as render_video's does.

    A fragmented MP4 written as it goes has no edit list, so its muxer starts each stream
    at 0: the video's first frame late by the encoder's reordering delay, the AAC's
    priming samples played. A whole MP4 has edit lists, so here the first frame is put
    at 0 and the priming before it, as the muxer of render_video's own MP4 puts them.
    """
    if not isinstance(stream, av.AudioStream) or stream.time_base is None:
        return first_pts
    rate = stream.codec_context.sample_rate
    return first_pts + round(Fraction(AAC_PRIMING_SAMPLES, rate) / stream.time_base)
