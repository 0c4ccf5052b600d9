"""The HLS playlists of a video while it renders: written by the render, read by the gateway.

A render in one piece writes one media playlist. A render in shards writes one per shard
(a part), each with its own init segment, its media carrying the times it has in the
whole video, and the gateway joins the parts into one playlist as they come: every part in
order up to the first one not yet ended, a discontinuity and the part's own init before
each part but the first.
Only this module writes or reads the format, so what the render writes is what the
gateway understands. The render's playlists name files beside them; the gateway serves the
playlist one folder above its segments, so it names them under ``stream/``.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

HEADER = ("#EXTM3U", "#EXT-X-VERSION:7")
ENDLIST = "#EXT-X-ENDLIST"
_MAP = "#EXT-X-MAP:URI="
_SEGMENT = "#EXTINF:"


@dataclass(frozen=True)
class Segment:
    name: str
    seconds: float


@dataclass(frozen=True)
class MediaPlaylist:
    init: str
    segments: tuple[Segment, ...]
    ended: bool

    def text(self, folder: str = "") -> str:
        return joined_text([self], self.ended, folder)


def joined_text(parts: list[MediaPlaylist], ended: bool, folder: str = "") -> str:
    """One EVENT playlist of ``parts`` in order; ``ended`` once no part is still to come.

    Files are named relative to the playlist: ``folder`` (``"stream/"``) before each name.
    """
    longest = max((s.seconds for part in parts for s in part.segments), default=1.0)
    lines = [
        *HEADER,
        f"#EXT-X-TARGETDURATION:{max(1, math.ceil(round(longest, 3)))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:EVENT",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    for number, part in enumerate(parts):
        if number > 0:
            # Each part was encoded on its own: a new encoding sequence, in HLS's words.
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f'{_MAP}"{folder}{part.init}"')
        for segment in part.segments:
            lines += [f"{_SEGMENT}{segment.seconds:.3f},", f"{folder}{segment.name}"]
    if ended:
        lines.append(ENDLIST)
    return "\n".join(lines) + "\n"


def read_media_playlist(text: str) -> MediaPlaylist | None:
    """A playlist as :meth:`MediaPlaylist.text` writes it; None for anything else."""
    init = None
    segments: list[Segment] = []
    seconds: float | None = None
    for line in text.splitlines():
        if line.startswith(_MAP):
            init = line[len(_MAP) :].strip('"')
        elif line.startswith(_SEGMENT):
            try:
                seconds = float(line[len(_SEGMENT) :].rstrip(","))
            except ValueError:
                return None
        elif line and not line.startswith("#"):
            if seconds is None:
                return None
            segments.append(Segment(line, seconds))
            seconds = None
    if init is None:
        return None
    return MediaPlaylist(init, tuple(segments), ended=ENDLIST in text.splitlines())


def joined_parts(
    part: Callable[[int], MediaPlaylist | None], count: int, folder: str = ""
) -> str | None:
    """The playlist of a video in ``count`` parts, each read by ``part`` (None: not there
    yet) only once those before it have ended; None while the first has no segment."""
    ready: list[MediaPlaylist] = []
    for index in range(count):
        playlist = part(index)
        if playlist is None:
            break
        ready.append(playlist)
        if not playlist.ended:
            break
    if not ready or not ready[0].segments:
        return None
    ended = len(ready) == count and ready[-1].ended
    return joined_text(ready, ended, folder)
