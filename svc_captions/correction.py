"""Whisper's word times, corrected by what the narration's loudness shows.

Measured against the voice's own alignment (bench/captions.py), tiny.en starts words about
50 ms late, puts the boundary between two words it heard back to back well off (one word
too long, the next too short), gets lost around pauses (words of no length, words that
begin in silence) and now and then stretches a short word over a long one's time ("in"
over "2017"). Each correction here deals with one of those.
"""

import math
import statistics
from bisect import bisect_right
from collections.abc import Sequence

from svc_captions.loudness import Loudness
from svc_captions.spans import Span, fill_missing, share_out

# Whisper gives a word no length when it cannot place it; its time is then a guess.
MIN_HEARD_SECONDS = 0.02
# One of two neighbours this much slower than the voice's pace, and this many times
# slower than the other, means whisper gave one word the other's time.
STRETCHED = 2.0
STRETCH_RATIO = 4.0
# Where two words' lengths in sounds put the boundary between them is about as far off as
# where whisper puts it, and off independently, so the point halfway between (this share
# of the way to the lengths' boundary) is nearer than either: in the benchmark it alone
# brought the 95th percentile start error from about 150 ms to about 120 ms.
LENGTHS_SHARE = 0.5
# A word whisper starts this soon after a pause really began when the pause ended.
ONSET_REACH = 0.2
# tiny.en starts a word about this much after it sounds (median, bench/captions.py).
WHISPER_LAG = 0.045
# A word starts in a dip of loudness if one is this close to where its sound begins.
DIP_REACH = 0.015


def corrected_spans(
    spans: Sequence[Span | None],
    weights: Sequence[float],
    loudness: Loudness,
    duration: float,
) -> list[Span]:
    """The tokens' spans as whisper heard them (None: unheard), corrected by the audio."""
    heard = [span if span and span.seconds >= MIN_HEARD_SECONDS else None for span in spans]
    # Unheard words first take their share of a neighbour stretched over them, so that
    # only stretches with no unheard word to explain them are rebalanced.
    filled = _rebalanced(fill_missing(heard, weights, duration), weights)
    evened = _boundaries_evened(filled, weights)
    settled, on_pause = _settled_on_pauses(evened, loudness.pauses())
    return [
        span if anchored else _started_on_time(span, loudness)
        for span, anchored in zip(settled, on_pause, strict=True)
    ]


def _rebalanced(spans: Sequence[Span], weights: Sequence[float]) -> list[Span]:
    """A word whisper stretched over its neighbour's time shares their joint time by length."""
    balanced = list(spans)
    paces = [span.seconds / weight for span, weight in zip(spans, weights, strict=True)]
    pace = statistics.median(paces) if paces else 0.0
    if not pace:
        return balanced

    def slowness(index: int) -> float:
        return balanced[index].seconds / (pace * weights[index])

    for index in range(len(balanced)):
        if slowness(index) <= STRETCHED:
            continue
        neighbours = [
            neighbour
            for neighbour in (index - 1, index + 1)
            if 0 <= neighbour < len(balanced) and _touching(balanced, min(index, neighbour))
        ]
        if not neighbours:
            continue
        # The neighbour whose time it took is the one squeezed the most.
        squeezed = min(neighbours, key=slowness)
        if slowness(index) > STRETCH_RATIO * max(slowness(squeezed), 0.01):
            first = min(index, squeezed)
            joint = balanced[first].joined(balanced[first + 1])
            balanced[first : first + 2] = share_out(joint, weights[first : first + 2])
    return balanced


def _boundaries_evened(spans: Sequence[Span], weights: Sequence[float]) -> list[Span]:
    """Each boundary between words heard back to back, moved toward where their lengths put it.

    The pair keeps its joint time; only where one word gives way to the other moves.
    """
    evened = list(spans)
    for second in range(1, len(spans)):
        first = second - 1
        if not _touching(spans, first):
            continue
        joint = Span(spans[first].start, spans[second].end)
        by_lengths = share_out(joint, weights[first : second + 1])[1].start
        heard = spans[second].start
        boundary = heard + LENGTHS_SHARE * (by_lengths - heard)
        evened[first] = Span(evened[first].start, boundary)
        evened[second] = Span(boundary, evened[second].end)
    return evened


def _touching(spans: Sequence[Span], first: int) -> bool:
    return spans[first + 1].start - spans[first].end <= MIN_HEARD_SECONDS


def _settled_on_pauses(spans: list[Span], pauses: list[Span]) -> tuple[list[Span], list[bool]]:
    """Words start where a pause before them ends, and end where one after them begins.

    Returns the spans and, for each, whether its start now rests on a pause.
    """
    pause_starts = [pause.start for pause in pauses]
    settled: list[Span] = []
    on_pause: list[bool] = []
    for span in spans:
        previous_start = settled[-1].start if settled else -math.inf
        start, anchored = _settled_start(span, previous_start, pauses, pause_starts)
        # Speech does not run on through a silence: the word ends where the pause begins.
        after = bisect_right(pause_starts, start)
        end = (
            pauses[after].start
            if after < len(pauses) and span.end > pauses[after].start
            else span.end
        )
        settled.append(Span(start, max(end, start)))
        on_pause.append(anchored)
    return settled, on_pause


def _settled_start(
    span: Span, previous_start: float, pauses: list[Span], pause_starts: list[float]
) -> tuple[float, bool]:
    index = bisect_right(pause_starts, span.start)
    if index:
        before = pauses[index - 1]
        # Speech does not start in silence; and when the previous word started before a
        # pause that ended just before this one, the pause lies between them.
        if span.start < before.end or (
            span.start < before.end + ONSET_REACH and previous_start < before.start
        ):
            return before.end, True
    if index < len(pauses):
        within = pauses[index]
        # A pause inside the word: it was said on the side where whisper gave it more time.
        if within.end < span.end and within.start - span.start < span.end - within.end:
            return within.end, True
    return span.start, False


def _started_on_time(span: Span, loudness: Loudness) -> Span:
    """The word starts whisper's lag earlier, in the dip of loudness there if there is one."""
    sounds = span.start - WHISPER_LAG
    dip = loudness.nearest_dip(aim=sounds, earliest=sounds - DIP_REACH, latest=sounds + DIP_REACH)
    start = sounds if dip is None else dip
    return Span(start, max(span.end, start))
