from itertools import pairwise

import pytest

from svc_captions.spans import MIN_WORD_SECONDS, Span, fill_missing, tidied


def test_words_of_no_length_get_a_moment_on_screen() -> None:
    # Given three words reported at one instant
    spans = [Span(1.0, 1.0), Span(1.0, 1.0), Span(1.0, 1.0)]

    # When they are tidied
    shown = tidied(spans, duration=5.0)

    # Then each lasts the minimum, one after the other
    assert [s.start for s in shown] == pytest.approx([1.0, 1.05, 1.1])
    assert all(s.seconds == pytest.approx(MIN_WORD_SECONDS) for s in shown)


def test_overlapping_words_are_cut_where_the_next_begins() -> None:
    # Given a word running into the next, and one starting before the previous
    spans = [Span(0.0, 0.8), Span(0.5, 0.9), Span(0.45, 1.2)]

    # When they are tidied
    shown = tidied(spans, duration=5.0)

    # Then starts are in order and no word overlaps the next
    assert [s.start for s in shown] == pytest.approx([0.0, 0.5, 0.55])
    assert all(a.end <= b.start for a, b in pairwise(shown))


def test_words_stay_inside_the_audio() -> None:
    # Given words reported past the end of a two-second narration
    spans = [Span(1.9, 2.0), Span(2.3, 2.6), Span(2.7, 2.9)]

    # When they are tidied
    shown = tidied(spans, duration=2.0)

    # Then all of them end by the end of the audio, still in order
    assert shown[-1].end == 2.0
    assert all(0 <= s.start < s.end <= 2.0 for s in shown)
    assert all(a.end <= b.start for a, b in pairwise(shown))


def test_unheard_words_fill_the_gap_between_neighbours_by_length() -> None:
    # Given two unheard words, one twice as long, in a 0.3 s gap
    spans = [Span(0.0, 0.5), None, None, Span(0.8, 1.0)]

    # When the gap is filled
    filled = fill_missing(spans, weights=[5, 2, 1, 2], duration=1.0)

    # Then the longer word gets twice the time
    assert [t for s in filled[1:3] for t in (s.start, s.end)] == pytest.approx([0.5, 0.7, 0.7, 0.8])


def test_a_word_merged_into_a_neighbour_shares_its_time() -> None:
    # Given an unheard word with no gap left for it, after a neighbour stretched over it
    spans = [Span(0.0, 0.2), Span(0.2, 1.0), None, Span(1.0, 1.2)]

    # When the gap is filled
    filled = fill_missing(spans, weights=[2, 2, 2, 2], duration=1.5)

    # Then the stretched neighbour gives it half its time
    assert [t for s in filled[1:3] for t in (s.start, s.end)] == pytest.approx([0.2, 0.6, 0.6, 1.0])


def test_unheard_words_at_the_start_take_their_usual_time_before_the_first_heard() -> None:
    # Given the first word unheard, and a pace of 0.1 s a unit of weight
    spans = [None, Span(1.0, 1.2), Span(1.2, 1.4)]

    # When it is filled
    first = fill_missing(spans, weights=[2, 2, 2], duration=2.0)[0]

    # Then it ends where the first heard word starts, as long as its weight says
    assert (first.start, first.end) == pytest.approx((0.8, 1.0))
