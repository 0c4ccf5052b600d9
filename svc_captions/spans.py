"""Word spans in the audio: shared out, filled in where unheard, tidied for showing.

Every caption word needs a time on screen, in order, inside the narration; a timing source
may leave a word out, report it as taking no time, or let neighbours overlap.
"""

from collections.abc import Sequence
from dataclasses import dataclass

# Shortest time a word is shown: whisper can report a word as taking none.
MIN_WORD_SECONDS = 0.05


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def joined(self, other: "Span") -> "Span":
        return Span(min(self.start, other.start), max(self.end, other.end))


def share_out(stretch: Span, weights: Sequence[float]) -> list[Span]:
    """``stretch`` cut into consecutive spans, each as long as its share of the weights."""
    total = sum(weights)
    spans: list[Span] = []
    start = stretch.start
    for weight in weights:
        end = start + max(stretch.seconds, 0.0) * weight / total
        spans.append(Span(start, end))
        start = end
    return spans


def fill_missing(
    spans: Sequence[Span | None], weights: Sequence[float], duration: float
) -> list[Span]:
    """Give each word without a span one between its neighbours, by its weight (length)."""
    filled = list(spans)
    rate = _seconds_per_weight(spans, weights, duration)
    first = 0
    while first < len(filled):
        if filled[first] is not None:
            first += 1
            continue
        stop = first
        while stop < len(filled) and filled[stop] is None:
            stop += 1
        _place_run(filled, weights, first, stop, rate, duration)
        first = stop
    return [span for span in filled if span is not None]


def _seconds_per_weight(
    spans: Sequence[Span | None], weights: Sequence[float], duration: float
) -> float:
    known = [(span, weight) for span, weight in zip(spans, weights, strict=True) if span]
    known_weight = sum(weight for _, weight in known)
    if not known_weight:
        return duration / sum(weights)
    return sum(span.seconds for span, _ in known) / known_weight


def _place_run(
    filled: list[Span | None],
    weights: Sequence[float],
    first: int,
    stop: int,
    rate: float,
    duration: float,
) -> None:
    """Place the unheard words ``filled[first:stop]`` in the gap their neighbours leave."""
    needed = rate * sum(weights[first:stop])
    before = filled[first - 1] if first > 0 else None
    after = filled[stop] if stop < len(filled) else None
    if before is None and after is None:
        gap = Span(0.0, duration)
    elif before is None:
        assert after is not None
        gap = Span(max(0.0, after.start - needed), after.start)
    elif after is None:
        gap = Span(before.end, min(duration, before.end + needed))
    elif after.start - before.end >= needed / 2:
        gap = Span(before.end, after.start)
    # No room: the source merged these words into a neighbour, most likely the one it
    # stretched the most, so they share that neighbour's time.
    elif before.seconds / weights[first - 1] >= after.seconds / weights[stop]:
        first -= 1
        gap = Span(before.start, after.start)
    else:
        stop += 1
        gap = Span(before.end, after.end)
    filled[first:stop] = share_out(gap, weights[first:stop])


def tidied(spans: Sequence[Span], duration: float) -> list[Span]:
    """Spans that start in order, last at least MIN_WORD_SECONDS, never overlap, fit the audio.

    Starts are what a timing source measures best (a word's end often runs into the next
    one's start), so overlaps are settled by cutting the earlier word's end.
    """
    starts: list[float] = []
    for span in spans:
        start = min(max(span.start, 0.0), duration)
        starts.append(max(start, starts[-1] + MIN_WORD_SECONDS) if starts else start)
    next_starts = [*starts[1:], duration]
    ends = [
        max(min(span.end, next_start), start + MIN_WORD_SECONDS)
        for span, start, next_start in zip(spans, starts, next_starts, strict=True)
    ]
    # Words pushed past the end of the audio come back inside it, keeping their order.
    limit = duration
    for index in reversed(range(len(spans))):
        ends[index] = min(ends[index], limit)
        starts[index] = max(0.0, min(starts[index], ends[index] - MIN_WORD_SECONDS))
        limit = starts[index]
    return [Span(start, end) for start, end in zip(starts, ends, strict=True)]
