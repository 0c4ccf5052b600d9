"""The video's audio: the narration at a set loudness, over music if the job asks for it.

The narration is brought to the target loudness with one gain for the whole of it, so its
own dynamics stay as the voice made them. Music, when there is some, sits well below the
voice and dips further while the voice speaks. Last, a limiter keeps every sample under
-1 dBFS: speech peaks far above its loudness (the bundled voice reaches 0 dBFS at about
-19 LUFS), so a gain capped by the peak would leave most narrations short of the target,
while the limiter only touches the few milliseconds around each peak.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from svc_render.dynamics import (
    apply_gains,
    block_mean_squares,
    block_size,
    limit_peaks,
    smoothed,
)
from svc_render.loudness import integrated_loudness
from svc_render.music import music_bed
from svc_render.narration import Narration

logger = logging.getLogger(__name__)

PEAK_CEILING_DB = -1.0  # leaves room for the AAC encoder's overshoot
GAIN_CORRECTIONS = 2
GAIN_TOLERANCE_DB = 0.2
DUCKING_DB = -10.0  # how much further the music dips while the voice speaks
# A block counts as speech when it is this close to the target loudness (in dB RMS).
SPEECH_THRESHOLD_DB = -30.0
# The music starts to dip a little before a word and stays down through the short gaps
# between words, so it comes back up only in real pauses, not after every syllable.
DUCKING_LEAD_SECONDS = 0.05
DUCKING_HOLD_SECONDS = 0.25
DUCKING_ATTACK_SECONDS = 0.03
DUCKING_RELEASE_SECONDS = 0.4
FADE_IN_SECONDS = 0.5
FADE_OUT_SECONDS = 2.0


@dataclass(frozen=True)
class AudioMix:
    loudness_target: float  # LUFS
    music_level: float  # LU, the music's loudness against the target
    music: bool = False  # the job asks for background music
    music_dir: Path | None = None
    track_key: str = ""  # picks the track, so the same job always gets the same one


def soundtrack(narration: Narration, mix: AudioMix) -> Narration:
    """The audio to encode: as long as ``narration``, at its rate and channel count."""
    samples = _at_target_loudness(narration, mix.loudness_target)
    music = _music_for(narration, mix)
    if music is not None:
        _duck_and_fade(music, samples, narration.sample_rate, mix)
        samples += music
    limit_peaks(samples, narration.sample_rate, PEAK_CEILING_DB)
    return Narration(samples=samples, sample_rate=narration.sample_rate)


def _at_target_loudness(narration: Narration, target: float) -> np.ndarray:
    """The narration turned up or down to ``target``, its peaks limited.

    Limiting takes a little loudness off a voice that needed much gain, so the gain is
    corrected by what the limited voice measures, a couple of times at most.
    """
    rate = narration.sample_rate
    loudness = integrated_loudness(narration.samples, rate)
    if loudness is None:
        # Silence, or nearly: there is no level to correct, only noise to amplify.
        logger.info("the narration is too quiet to measure; its level is left as it is")
        return narration.samples.copy()
    gain_db = target - loudness
    voice = np.empty_like(narration.samples)
    for _ in range(1 + GAIN_CORRECTIONS):
        np.multiply(narration.samples, np.float32(10 ** (gain_db / 20)), out=voice)
        limit_peaks(voice, rate, PEAK_CEILING_DB)
        measured = integrated_loudness(voice, rate)
        if measured is None or abs(target - measured) < GAIN_TOLERANCE_DB:
            break
        gain_db += target - measured
    logger.info("narration at %.1f LUFS, %+.1f dB to reach %.1f", loudness, gain_db, target)
    return voice


def _music_for(narration: Narration, mix: AudioMix) -> np.ndarray | None:
    """The music at its level under the voice, before ducking; None for none."""
    if not mix.music:
        return None
    if mix.music_dir is None:
        logger.warning("no music: the job asks for it, but no music folder is set")
        return None
    length, rate = len(narration.samples), narration.sample_rate
    music = music_bed(mix.music_dir, mix.track_key, length, rate, narration.channels)
    if music is None:
        return None
    loudness = integrated_loudness(music, rate)
    if loudness is None:
        logger.warning("no music: the chosen track is silent")
        return None
    music *= np.float32(10 ** ((mix.loudness_target + mix.music_level - loudness) / 20))
    return music


def _duck_and_fade(music: np.ndarray, voice: np.ndarray, sample_rate: int, mix: AudioMix) -> None:
    """Lower ``music`` in place while ``voice`` speaks, and fade it in and out."""
    block = block_size(sample_rate)
    block_seconds = block / sample_rate
    speech_power = 10 ** ((mix.loudness_target + SPEECH_THRESHOLD_DB) / 10)
    speaking = (block_mean_squares(voice, block) > speech_power).astype(float)
    lead = round(DUCKING_LEAD_SECONDS / block_seconds)
    hold = round(DUCKING_HOLD_SECONDS / block_seconds)
    # A block is within the voice if there is speech up to ``lead`` blocks after it or
    # up to ``hold`` blocks before it.
    spread = np.convolve(speaking, np.ones(lead + hold + 1))[lead : lead + len(speaking)]
    within_voice = smoothed(
        (spread > 0.5).astype(float), DUCKING_ATTACK_SECONDS, DUCKING_RELEASE_SECONDS
    )
    centres = (np.arange(len(speaking)) + 0.5) * block_seconds
    fades = _fades(centres, len(voice) / sample_rate)
    apply_gains(music, block, 10 ** (DUCKING_DB * within_voice / 20) * fades)


def _fades(seconds: np.ndarray, duration: float) -> np.ndarray:
    """The gain at each of ``seconds``: up from silence at the start, down to it at the end.

    Neither fade takes more than a quarter of the narration, so a short one still has music.
    """
    fade_in = min(FADE_IN_SECONDS, duration / 4)
    fade_out = min(FADE_OUT_SECONDS, duration / 4)
    rising = np.clip(seconds / fade_in, 0.0, 1.0)
    falling = np.clip((duration - seconds) / fade_out, 0.0, 1.0)
    return rising * falling
