"""Gain that changes with the audio, worked out on 5 ms blocks rather than on samples.

A level is taken per block, smoothed from block to block, and spread back over the samples
by straight lines between block centres: numpy does the per-sample work, and the only
Python loop runs at 200 steps per second of audio.
"""

import numpy as np

BLOCK_SECONDS = 0.005
LIMITER_RELEASE_SECONDS = 0.08
# Samples given their gain per pass, so the gain curve never exists at full length.
GAIN_PIECE_SAMPLES = 1 << 16


def block_size(sample_rate: int) -> int:
    return max(1, round(BLOCK_SECONDS * sample_rate))


def block_peaks(samples: np.ndarray, block: int) -> np.ndarray:
    """The largest absolute sample of each block, over all channels."""
    return np.concatenate(
        [np.maximum(rows.max(axis=1), -rows.min(axis=1)) for rows in _block_rows(samples, block)]
    )


def block_mean_squares(samples: np.ndarray, block: int) -> np.ndarray:
    """The mean square of each block, over all channels."""
    return np.concatenate(
        [np.einsum("ij,ij->i", rows, rows) / rows.shape[1] for rows in _block_rows(samples, block)]
    )


def smoothed(levels: np.ndarray, rise_seconds: float, fall_seconds: float) -> np.ndarray:
    """``levels`` (one per block) followed by a one-pole filter, faster one way than the other.

    A time of 0 follows at once, so with ``fall_seconds=0`` the result never exceeds the
    input: what a limiter needs.
    """
    rise, fall = _coefficient(rise_seconds), _coefficient(fall_seconds)
    followed = np.empty(len(levels))
    current = float(levels[0]) if len(levels) else 0.0
    for index, level in enumerate(levels.tolist()):
        current += (level - current) * (rise if level > current else fall)
        followed[index] = current
    return followed


def apply_gains(samples: np.ndarray, block: int, gains: np.ndarray) -> None:
    """Multiply ``samples`` in place by ``gains`` (one per block), joined by straight lines.

    A sample between two block centres gets a gain between theirs, so a block's gain holds
    for its own samples when neither neighbour's is larger.
    """
    centres = (np.arange(len(gains)) + 0.5) * block
    for start in range(0, len(samples), GAIN_PIECE_SAMPLES):
        end = min(start + GAIN_PIECE_SAMPLES, len(samples))
        curve = np.interp(np.arange(start, end), centres, gains).astype(np.float32)
        samples[start:end] *= curve[:, np.newaxis]


def limit_peaks(samples: np.ndarray, sample_rate: int, ceiling_db: float) -> None:
    """Turn ``samples`` down in place, briefly, wherever they would pass ``ceiling_db`` dBFS.

    Each block's gain is the lowest its own samples and its neighbours' allow, so the
    straight lines between centres never let a sample through above the ceiling: the gain
    starts falling one block early and recovers over about 80 ms.
    """
    block = block_size(sample_rate)
    peaks = block_peaks(samples, block)
    ceiling = 10 ** (ceiling_db / 20)
    allowed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if allowed.min() >= 1.0:
        return
    padded = np.pad(allowed, 1, mode="edge")
    allowed = np.minimum(np.minimum(padded[:-2], padded[1:-1]), padded[2:])
    apply_gains(samples, block, smoothed(allowed, LIMITER_RELEASE_SECONDS, 0.0))


def _coefficient(seconds: float) -> float:
    """The share of the gap to the input a one-pole filter closes in one block."""
    return 1.0 if seconds <= 0 else float(1 - np.exp(-BLOCK_SECONDS / seconds))


def _block_rows(samples: np.ndarray, block: int) -> list[np.ndarray]:
    """The whole blocks as rows of one array, then the last, shorter block if there is one."""
    whole = len(samples) // block * block
    rows = [samples[:whole].reshape(-1, block * samples.shape[1])]
    if whole < len(samples):
        rows.append(samples[whole:].reshape(1, -1))
    return rows
