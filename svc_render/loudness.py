"""Integrated loudness as ITU-R BS.1770-4 defines it, in LUFS.

The audio is K-weighted, its mean square taken over 400 ms blocks that overlap by 75%,
and blocks are gated twice: those under -70 LUFS are silence, and of the rest those more
than 10 LU under their own average are pauses. What is left is the programme's loudness.

The two K-weighting filters are applied in the frequency domain, a few seconds at a time:
numpy has no recursive filter, and a sample-by-sample loop in Python would take seconds.
Their impulse responses die out within a few milliseconds, so each piece overlaps the one
before it by a quarter of a second and the result matches the recursive filter's.
"""

import numpy as np

ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU under the average of the blocks above the absolute gate
STEP_SECONDS = 0.1  # blocks start this far apart
STEPS_PER_BLOCK = 4  # so a block is 400 ms
SETTLE_SECONDS = 0.25  # how much earlier audio each piece is filtered with


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float | None:
    """The loudness of ``samples`` (float, shape (count, channels)), or None for silence.

    None when no block is louder than the absolute gate, or the audio is too short to
    hold a single 100 ms step.
    """
    step_power = _k_weighted_step_power(samples, sample_rate)
    if len(step_power) == 0:
        return None
    # Audio shorter than a block is measured as one block of what there is.
    window = min(STEPS_PER_BLOCK, len(step_power))
    block_power = np.convolve(step_power, np.full(window, 1 / window), mode="valid")
    audible = block_power[block_power > _power_of(ABSOLUTE_GATE)]
    if len(audible) == 0:
        return None
    relative_gate = _loudness_of(float(audible.mean())) + RELATIVE_GATE
    gated = audible[audible > _power_of(relative_gate)]
    return _loudness_of(float(gated.mean()))


def _loudness_of(power: float) -> float:
    # The offset makes a 997 Hz sine, which K-weighting lifts by 0.691 dB, read its own level.
    return -0.691 + 10 * float(np.log10(power))


def _power_of(loudness: float) -> float:
    return float(10 ** ((loudness + 0.691) / 10))


def _k_weighted_step_power(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean square of each whole 100 ms step after K-weighting, summed over the channels."""
    step = round(STEP_SECONDS * sample_rate)
    settle = round(SETTLE_SECONDS * sample_rate)
    fft_size = 1 << (16 * settle).bit_length()
    # Whole steps per piece, with room for the earlier audio and for the filters' tail.
    piece_steps = max(1, (fft_size - 2 * settle) // step)
    response = _k_weighting_response(fft_size, sample_rate)[:, np.newaxis]
    usable = len(samples) // step * step
    powers = []
    for start in range(0, usable, piece_steps * step):
        end = min(start + piece_steps * step, usable)
        lead = min(settle, start)
        spectrum = np.fft.rfft(samples[start - lead : end], fft_size, axis=0)
        weighted = np.fft.irfft(spectrum * response, fft_size, axis=0)[lead : lead + end - start]
        squares = np.square(weighted).reshape(-1, step, samples.shape[1])
        powers.append(squares.mean(axis=1).sum(axis=1))
    return np.concatenate(powers) if powers else np.zeros(0)


def _k_weighting_response(fft_size: int, sample_rate: int) -> np.ndarray:
    """The frequency response of BS.1770's two filters at each bin of an rfft."""
    unit_delay = np.exp(-2j * np.pi * np.fft.rfftfreq(fft_size))
    response = np.ones_like(unit_delay)
    for numerator, denominator in (_high_shelf(sample_rate), _high_pass(sample_rate)):
        response *= np.polyval(numerator[::-1], unit_delay) / np.polyval(
            denominator[::-1], unit_delay
        )
    return response.astype(np.complex64)


# BS.1770 gives both filters' coefficients for 48 kHz only; these analogue prototypes
# (libebur128's) reproduce them there and give the same filters at any other rate.


def _high_shelf(sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The head's acoustic effect: +4 dB above about 1.7 kHz."""
    gain_db, q, centre = 3.999843853973347, 0.7071752369554196, 1681.974450955533
    k = np.tan(np.pi * centre / sample_rate)
    high = 10 ** (gain_db / 20)
    band = high**0.4996667741545416  # the gain halfway up the shelf
    numerator = np.array(
        [high + band * k / q + k * k, 2 * (k * k - high), high - band * k / q + k * k]
    )
    denominator = np.array([1 + k / q + k * k, 2 * (k * k - 1), 1 - k / q + k * k])
    return numerator / denominator[0], denominator / denominator[0]


def _high_pass(sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The RLB curve: low frequencies count for little."""
    q, centre = 0.5003270373238773, 38.13547087602444
    k = np.tan(np.pi * centre / sample_rate)
    denominator = np.array([1 + k / q + k * k, 2 * (k * k - 1), 1 - k / q + k * k])
    return np.array([1.0, -2.0, 1.0]), denominator / denominator[0]
