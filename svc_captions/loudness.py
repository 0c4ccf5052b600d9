"""How loud the narration is moment by moment: where it pauses, where words part.

Whisper places a word to within a frame or two at best and can be far off around a pause;
silence and the dips in loudness between words show where the boundaries really are.
"""

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.errors import StageError
from svc_captions.spans import Span

FRAME_SECONDS = 0.005
WINDOW_FRAMES = 4  # each level is measured over 20 ms centred on its frame
# Quieter than this below the narration's loud speech is silence, not a soft sound.
PAUSE_DB = -50.0
# Shorter silences are stop consonants ("k", "t") inside words.
MIN_PAUSE_SECONDS = 0.12
# A dip must be this much quieter than the loudest level this close on either side.
DIP_DB = 1.0
DIP_SIDE_SECONDS = 0.03

_SAMPLE_TYPES = {1: np.uint8, 2: np.int16, 4: np.int32}


@dataclass(frozen=True)
class Loudness:
    levels: np.ndarray  # dB relative to the narration's loud speech, one per frame

    @classmethod
    def of(cls, wav_path: Path) -> "Loudness":
        samples, rate = _read_mono(wav_path)
        return cls(_levels(samples, rate))

    def pauses(self) -> list[Span]:
        quiet = np.concatenate([[False], self.levels < PAUSE_DB, [False]])
        edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
        min_frames = MIN_PAUSE_SECONDS / FRAME_SECONDS
        return [
            Span(float(first * FRAME_SECONDS), float(stop * FRAME_SECONDS))
            for first, stop in zip(edges[::2], edges[1::2], strict=True)
            if stop - first >= min_frames
        ]

    def nearest_dip(self, aim: float, earliest: float, latest: float) -> float | None:
        """The time of the dip in loudness between ``earliest`` and ``latest`` nearest ``aim``."""
        levels = self.levels
        side = round(DIP_SIDE_SECONDS / FRAME_SECONDS)
        first = max(1, round(earliest / FRAME_SECONDS))
        stop = min(len(levels) - 1, round(latest / FRAME_SECONDS) + 1)
        best: int | None = None
        for frame in range(first, stop):
            level = levels[frame]
            if level > levels[frame - 1] or level > levels[frame + 1]:
                continue
            left = levels[max(0, frame - side) : frame].max()
            right = levels[frame + 1 : frame + 1 + side].max()
            if min(left, right) - level < DIP_DB:
                continue
            if best is None or abs(frame * FRAME_SECONDS - aim) < abs(best * FRAME_SECONDS - aim):
                best = frame
        return None if best is None else best * FRAME_SECONDS


def _read_mono(wav_path: Path) -> tuple[np.ndarray, int]:
    try:
        with wave.open(str(wav_path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise StageError(f"the narration audio is not a readable WAV file ({exc})") from exc
    if width not in _SAMPLE_TYPES:
        raise StageError(f"the narration audio has {8 * width}-bit samples; 8, 16 or 32 expected")
    samples = np.frombuffer(frames, dtype=_SAMPLE_TYPES[width]).astype(np.float64)
    return samples.reshape(-1, channels).mean(axis=1), rate


def _levels(samples: np.ndarray, rate: int) -> np.ndarray:
    hop = max(1, round(rate * FRAME_SECONDS))
    window = hop * WINDOW_FRAMES
    # A running sum of energy gives every frame's mean over its window in one pass.
    padded = np.concatenate([np.zeros(window // 2), samples**2, np.zeros(window)])
    running = np.concatenate([[0.0], np.cumsum(padded)])
    starts = np.arange(0, len(samples), hop)
    energy = (running[starts + window] - running[starts]) / window
    rms = np.sqrt(energy + 1e-12)
    loud = np.percentile(rms, 95) if len(rms) else 1.0
    return np.asarray(20 * np.log10(rms / max(loud, 1e-9)))
