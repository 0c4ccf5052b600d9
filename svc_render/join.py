"""The shards of a video and its soundtrack, joined into one MP4 without encoding anything again.

Each shard is an H.264 stream of its own, starting on a keyframe, with timestamps counted
from its first frame; the join moves each shard's packets to where its frames belong and
interleaves them with the soundtrack's, in time order, the way an encoder's muxer would.
Every shard comes from the same encoder settings, so they share one set of parameters
(SPS and PPS), which the join checks rather than assumes.
"""

import contextlib
import heapq
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
from av.container import InputContainer

from common.errors import StageError


def join_shards(target: Path, shards: list[Path], starts: list[int], fps: int, sound: Path) -> None:
    """Write ``target``: ``shards`` in order, shard ``i`` from frame ``starts[i]``, with ``sound``.

    The index goes first (faststart), as in a video rendered in one piece.
    """
    with contextlib.ExitStack() as stack:
        inputs = [stack.enter_context(av.open(str(shard))) for shard in shards]
        soundtrack = stack.enter_context(av.open(str(sound)))
        _check_alike(inputs, shards)
        output = stack.enter_context(av.open(str(target), "w", options={"movflags": "+faststart"}))
        video = output.add_stream_from_template(inputs[0].streams.video[0])
        audio = output.add_stream_from_template(soundtrack.streams.audio[0])
        placed = zip(inputs, starts, strict=True)
        video_packets = (_moved(container, Fraction(start, fps)) for container, start in placed)
        streams = [_chained(video_packets), _moved(soundtrack, Fraction(0))]
        for _time, packet in heapq.merge(*streams, key=lambda timed: timed[0]):
            packet.stream = audio if packet.stream.type == "audio" else video
            output.mux(packet)


def _check_alike(inputs: list[InputContainer], shards: list[Path]) -> None:
    first = inputs[0].streams.video[0].codec_context
    for container, shard in zip(inputs[1:], shards[1:], strict=True):
        other = container.streams.video[0].codec_context
        if (other.extradata, other.width, other.height) != (
            first.extradata,
            first.width,
            first.height,
        ):
            raise StageError(f"shard {shard.name} was encoded unlike the first shard")


def _moved(container: InputContainer, offset: Fraction) -> Iterator[tuple[Fraction, av.Packet]]:
    """The container's packets of its first stream, ``offset`` seconds later, with their time."""
    stream = container.streams[0]
    time_base = stream.time_base
    assert time_base is not None
    shift = offset / time_base
    if shift.denominator != 1:
        raise StageError(f"a shard cannot start at {float(offset):.4f} s in its time base")
    for packet in container.demux(stream):
        if packet.dts is None:
            continue  # the demuxer's empty packet at the end
        packet.dts += int(shift)
        if packet.pts is not None:
            packet.pts += int(shift)
        yield packet.dts * time_base, packet


def _chained(
    parts: Iterator[Iterator[tuple[Fraction, av.Packet]]],
) -> Iterator[tuple[Fraction, av.Packet]]:
    for part in parts:
        yield from part
