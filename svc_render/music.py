"""A music track from the music folder, decoded to exactly the narration's length.

Which track a job gets follows from its key (the job id), so a job rendered again sounds
the same. A file that cannot be decoded is passed over for the next one in the folder;
music is never a reason for a render to fail.
"""

import hashlib
import logging
from pathlib import Path

import av
import numpy as np

logger = logging.getLogger(__name__)

AUDIO_SUFFIXES = frozenset({".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wav", ".flac"})
# A track shorter than the narration repeats; fading each pass in and out this quickly
# keeps the join from clicking where the track's last sample meets its first.
LOOP_JOIN_SECONDS = 0.02


class MusicUnusable(Exception):
    """A music file that cannot be opened or decoded into audio."""


def music_bed(
    folder: Path, key: str, length: int, sample_rate: int, channels: int
) -> np.ndarray | None:
    """``length`` samples (float32, shape (length, channels)) of one track from ``folder``.

    None, with a warning, when the folder holds no track that can be decoded.
    """
    tracks = _tracks_in(folder)
    if not tracks:
        logger.warning("no music: %s holds no audio files", folder)
        return None
    first = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % len(tracks)
    for track in tracks[first:] + tracks[:first]:
        try:
            bed = _decoded_to_length(track, length, sample_rate, channels)
        except MusicUnusable as exc:
            logger.warning("skipping the music file %s: %s", track.name, exc)
            continue
        logger.info("music: %s", track.name)
        return bed
    logger.warning("no music: none of the files in %s could be decoded", folder)
    return None


def _tracks_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file()
    )


def _decoded_to_length(path: Path, length: int, sample_rate: int, channels: int) -> np.ndarray:
    bed = np.empty((length, channels), dtype=np.float32)
    filled = _decode_into(bed, path, sample_rate)
    if filled == 0:
        raise MusicUnusable("it holds no audio")
    if filled < length:
        _loop(bed, filled, sample_rate)
    return bed


def _decode_into(bed: np.ndarray, path: Path, sample_rate: int) -> int:
    """Decode from the start of ``path`` until ``bed`` is full or the track ends."""
    layout = "mono" if bed.shape[1] == 1 else "stereo"
    # Packed float at the narration's rate and channel count: rows of ``bed`` as they come.
    resampler = av.AudioResampler(format="flt", layout=layout, rate=sample_rate)
    filled = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MusicUnusable("it has no audio stream")
            for frame in container.decode(container.streams.audio[0]):
                for resampled in resampler.resample(frame):
                    filled = _append(bed, filled, resampled)
                if filled == len(bed):
                    return filled
            for resampled in resampler.resample(None):
                filled = _append(bed, filled, resampled)
    except (av.FFmpegError, ValueError) as exc:
        # ValueError: PyAV's resampler refuses a stream whose format changes midway.
        raise MusicUnusable(str(exc)) from exc
    return filled


def _append(bed: np.ndarray, filled: int, frame: av.AudioFrame) -> int:
    samples = frame.to_ndarray().reshape(-1, bed.shape[1])
    count = min(len(samples), len(bed) - filled)
    bed[filled : filled + count] = samples[:count]
    return filled + count


def _loop(bed: np.ndarray, track_length: int, sample_rate: int) -> None:
    """Fill the rest of ``bed`` by repeating its first ``track_length`` samples."""
    join = min(round(LOOP_JOIN_SECONDS * sample_rate), track_length // 2)
    ramp = np.linspace(0.0, 1.0, join, dtype=np.float32)[:, np.newaxis]
    bed[:join] *= ramp
    bed[track_length - join : track_length] *= ramp[::-1]
    filled = track_length
    # Doubling what is copied keeps it to a few copies however short the track.
    while filled < len(bed):
        count = min(filled, len(bed) - filled)
        bed[filled : filled + count] = bed[:count]
        filled += count
