"""The narration audio the video is timed by."""

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.errors import StageError


@dataclass(frozen=True)
class Narration:
    samples: np.ndarray  # float32 from -1 to 1, shape (sample count, channels)
    sample_rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def part(self, start: float, end: float) -> "Narration":
        """The stretch from ``start`` to ``end`` seconds (a view, no copy)."""
        first, last = (round(seconds * self.sample_rate) for seconds in (start, end))
        return Narration(self.samples[first:last], self.sample_rate)


def read_narration(path: Path) -> Narration:
    """Read a 16-bit PCM WAV file, mono or stereo, as float samples to work on."""
    try:
        with wave.open(str(path), "rb") as wav:
            sample_width = wav.getsampwidth()
            channels = wav.getnchannels()
            sample_rate = wav.getframerate()
            data = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise StageError(f"the narration audio {path.name} is not a readable WAV file") from exc
    if sample_width != 2:
        raise StageError(f"the narration audio must be 16-bit PCM, not {8 * sample_width}-bit")
    if channels not in (1, 2):
        raise StageError(f"the narration audio must be mono or stereo, not {channels} channels")
    # A file cut short mid-sample keeps its whole samples.
    whole = len(data) - len(data) % (2 * channels)
    pcm = np.frombuffer(data[:whole], dtype="<i2").reshape(-1, channels)
    if len(pcm) == 0:
        raise StageError("the narration audio is empty")
    return Narration(samples=pcm * np.float32(1 / 32768), sample_rate=sample_rate)
