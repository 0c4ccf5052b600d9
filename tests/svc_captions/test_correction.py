import wave
from pathlib import Path

import numpy as np
import pytest

from svc_captions.correction import WHISPER_LAG, corrected_spans
from svc_captions.loudness import Loudness
from svc_captions.spans import Span

RATE = 16000


def _narration(tmp_path: Path, *parts: tuple[float, float]) -> Loudness:
    """A steady tone with the given (seconds, loudness) parts; loudness 0 is silence."""
    pieces = []
    for seconds, level in parts:
        times = np.arange(round(seconds * RATE)) / RATE
        pieces.append(level * np.sin(2 * np.pi * 220 * times))
    wav_path = tmp_path / "narration.wav"
    with wave.open(str(wav_path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes((np.concatenate(pieces) * 32767).astype(np.int16).tobytes())
    return Loudness.of(wav_path)


def test_pauses_are_found_where_the_narration_falls_silent(tmp_path: Path) -> None:
    # Given speech, half a second of silence, and speech again
    loudness = _narration(tmp_path, (1.0, 0.5), (0.5, 0.0), (1.0, 0.5))

    # When its pauses are looked for, Then the silence is the one pause
    (pause,) = loudness.pauses()
    assert (pause.start, pause.end) == pytest.approx((1.0, 1.5), abs=0.015)


def test_a_word_whisper_starts_in_a_pause_starts_when_the_pause_ends(tmp_path: Path) -> None:
    # Given a word whisper starts in the middle of a silence
    loudness = _narration(tmp_path, (1.0, 0.5), (0.5, 0.0), (1.0, 0.5))
    spans = [Span(0.2, 1.0), Span(1.2, 2.0)]

    # When the spans are corrected
    _, second = corrected_spans(spans, [4, 4], loudness, duration=2.5)

    # Then the word starts where speech resumes
    assert second.start == pytest.approx(1.5, abs=0.015)


def test_a_word_whisper_gave_no_length_is_placed_between_its_neighbours(
    tmp_path: Path,
) -> None:
    # Given a word whisper reports as taking no time at all
    loudness = _narration(tmp_path, (2.0, 0.5))
    spans = [Span(0.0, 0.4), Span(1.5, 1.5), Span(0.8, 1.2)]

    # When the spans are corrected
    _, unplaced, _ = corrected_spans(spans, [4, 4, 4], loudness, duration=2.0)

    # Then it takes the gap between the words around it, started by whisper's lag earlier
    assert (unplaced.start, unplaced.end) == pytest.approx((0.4 - WHISPER_LAG, 0.8))


def test_a_short_word_stretched_over_a_long_one_gives_its_time_back(tmp_path: Path) -> None:
    # Given words at a steady pace, then "in" stretched over most of "2017"
    loudness = _narration(tmp_path, (3.0, 0.5))
    steady = [Span(0.2 * i, 0.2 * (i + 1)) for i in range(4)]
    spans = [*steady, Span(0.8, 1.6), Span(1.6, 2.0)]
    weights = [4, 4, 4, 4, 2, 18]  # "in" is two sounds, "two thousand seventeen" eighteen

    # When the spans are corrected
    *_, short, long = corrected_spans(spans, weights, loudness, duration=3.0)

    # Then the two share their time by length: "in" ends after its two sounds' share
    assert short.end == pytest.approx(0.92)
    assert (long.start, long.end) == pytest.approx((0.92 - WHISPER_LAG, 2.0))


def test_a_word_starts_in_the_dip_of_loudness_just_before_whisper_says(
    tmp_path: Path,
) -> None:
    # Given a brief dip in loudness between two words, 50 ms before whisper's start
    loudness = _narration(tmp_path, (0.99, 0.5), (0.02, 0.05), (0.99, 0.5))
    spans = [Span(0.3, 1.0), Span(1.05, 1.6)]

    # When the spans are corrected
    _, second = corrected_spans(spans, [4, 4], loudness, duration=2.0)

    # Then the word starts in the dip
    assert second.start == pytest.approx(1.0, abs=0.011)


def test_a_word_starts_whisper_s_lag_before_whisper_says_where_no_dip_is_near(
    tmp_path: Path,
) -> None:
    # Given a steady narration and two words whisper heard back to back at an even pace
    loudness = _narration(tmp_path, (2.0, 0.5))
    spans = [Span(0.3, 1.0), Span(1.0, 1.6)]

    # When the spans are corrected
    _, second = corrected_spans(spans, [7, 6], loudness, duration=2.0)

    # Then the second starts as much earlier as whisper is late
    assert second.start == pytest.approx(1.0 - WHISPER_LAG)


def test_the_boundary_between_words_heard_back_to_back_moves_halfway_to_their_lengths(
    tmp_path: Path,
) -> None:
    # Given a two-sound word whisper heard for 0.3 s, then an eight-sound word for 0.2 s
    loudness = _narration(tmp_path, (1.0, 0.5))
    spans = [Span(0.0, 0.3), Span(0.3, 0.5)]

    # When the spans are corrected
    first, second = corrected_spans(spans, [2, 8], loudness, duration=1.0)

    # Then they part halfway between whisper's 0.3 s and their lengths' 0.1 s
    assert first.end == pytest.approx(0.2)
    assert second.start == pytest.approx(0.2 - WHISPER_LAG)
