"""Cut the narration into footage segments that cover it end to end."""

from typing import NamedTuple

from common.documents import CaptionGroup, Captions
from common.languages import join_words

# Full stops, in the Latin and the full-width (Chinese and Japanese) forms, the Arabic
# question mark and the Devanagari danda.
SENTENCE_END = (".", "!", "?", "\u3002", "\uff01", "\uff1f", "\u061f", "\u0964", "\u0965")


class Span(NamedTuple):
    """A stretch of the narration that gets one piece of footage, and what is said in it."""

    start: float
    end: float
    text: str


def narration_spans(
    captions: Captions, story: str, target_seconds: float, language: str | None = None
) -> list[Span]:
    """The footage segments of the narration with their words, from 0 to its end.

    A segment's text is its caption groups' joined as the story's ``language`` joins words.
    """
    segments = split_segments(captions, target_seconds)
    if not segments:
        # Nothing was heard (silence, or a transcription that failed): one segment, the story.
        return [Span(0.0, captions.duration, story)]
    bounds = segment_bounds(segments, captions.duration)
    return [
        Span(start, end, join_words([group.text for group in segment], language))
        for segment, (start, end) in zip(segments, bounds, strict=True)
    ]


def split_segments(captions: Captions, target_seconds: float) -> list[list[CaptionGroup]]:
    """Consecutive caption groups, gathered until a segment lasts about ``target_seconds``.

    A segment prefers to close at the end of a sentence once it is half its target long.
    """
    segments: list[list[CaptionGroup]] = []
    current: list[CaptionGroup] = []
    for group in captions.groups:
        current.append(group)
        length = group.end - current[0].start
        sentence_done = group.text.endswith(SENTENCE_END)
        if length >= target_seconds or (sentence_done and length >= target_seconds / 2):
            segments.append(current)
            current = []
    if current:
        if segments and current[-1].end - current[0].start < target_seconds / 2:
            segments[-1].extend(current)  # a short tail joins the segment before it
        else:
            segments.append(current)
    return segments


def segment_bounds(
    segments: list[list[CaptionGroup]], duration: float
) -> list[tuple[float, float]]:
    """Time ranges with no gaps: each segment runs until the next one starts."""
    starts = [0.0] + [segment[0].start for segment in segments[1:]]
    ends = [*starts[1:], duration]
    return list(zip(starts, ends, strict=True))
