"""A text cut into pieces short enough to speak in bounded memory.

A voice model holds a whole utterance's audio, and more, while it speaks it. Voices cut a
text at sentence ends, so a list of numbers, a paragraph without a full stop or a language
whose sentence marks the voice does not know would be one utterance as long as the text.
Each piece is cut at a sentence end if the text has one in reach, else after a comma (or
another clause mark), else at a space, and a word longer than a piece at a length limit.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from common.narration import spoken_seconds

# The bundled voice spends some 10-15 MB per second of speech on top of its own 325 MB:
# with pieces of 8 s the stage peaked at 360-460 MB on 20,000 characters of prose, of
# numbers and of unpunctuated words (bench/tts_memory.py), under the 500 MB it must keep to.
MAX_PIECE_SECONDS = 8.0

# Written as escapes, as some look like ASCII marks: the ellipsis, the ideographic full stop,
# the fullwidth exclamation and question marks, the Arabic question mark, the Devanagari danda.
_SENTENCE_ENDS = ".!?\u2026\u3002\uff01\uff1f\u061f\u0964"
# Dashes em and en, the ideographic comma, fullwidth comma, semicolon and colon, Arabic comma.
_CLAUSE_MARKS = ",;:\u2014\u2013\u3001\uff0c\uff1b\uff1a\u060c"
# Closing quotes and brackets after a mark still end there: `ran."` (curly quotes, guillemet,
# CJK corner brackets).
_CLOSERS = "\"')]}\u201d\u2019\u00bb\u300d\u300f"
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Piece:
    text: str
    # Whether the piece ends where the text's sentence does, so a pause belongs after it.
    ends_sentence: bool


@dataclass(frozen=True)
class _Span:
    """A slice of the text with no whitespace in it: a word, or part of a very long one."""

    start: int
    end: int
    seconds: float
    mark: str  # the punctuation it ends with, "" for none


def spoken_pieces(
    text: str, speaking_rate: float = 1.0, max_seconds: float = MAX_PIECE_SECONDS
) -> Iterator[Piece]:
    """``text`` in order as pieces that each take at most about ``max_seconds`` to speak.

    Nothing is lost: the pieces are slices of ``text`` and only whitespace lies between them.
    """
    pending: list[_Span] = []
    pending_seconds = 0.0
    for span in _spans(text, speaking_rate, max_seconds):
        # A cut at a sentence end may leave enough behind that the span still does not fit.
        while pending and pending_seconds + span.seconds > max_seconds:
            cut = _best_cut(pending)
            yield _piece(text, pending[:cut], ends_sentence=_ends_sentence(pending[cut - 1]))
            pending = pending[cut:]
            pending_seconds = sum(kept.seconds for kept in pending)
        pending.append(span)
        pending_seconds += span.seconds
    if pending:
        yield _piece(text, pending, ends_sentence=True)


def _spans(text: str, speaking_rate: float, max_seconds: float) -> Iterator[_Span]:
    for token in _TOKEN.finditer(text):
        seconds = spoken_seconds(token.group(), speaking_rate)
        if seconds <= max_seconds:
            yield _Span(token.start(), token.end(), seconds, _mark(token.group()))
        else:
            yield from _parts_of_long_token(
                text, token.start(), token.end(), speaking_rate, max_seconds
            )


def _parts_of_long_token(
    text: str, start: int, end: int, speaking_rate: float, max_seconds: float
) -> Iterator[_Span]:
    """A token too long for one piece (CJK text has no spaces), cut after marks or where due.

    Cut after every mark, the pieces are joined again up to the limit; where no mark comes
    in time, the cut falls at the last character that fits.
    """
    part_start = start
    for this_end, next_end in pairwise(_cluster_ends(text, start, end)):
        at_mark = _mark(text[part_start:this_end]) != ""
        too_long_after = spoken_seconds(text[part_start:next_end], speaking_rate) > max_seconds
        if at_mark or too_long_after:
            yield _span(text, part_start, this_end, speaking_rate)
            part_start = this_end
    yield _span(text, part_start, end, speaking_rate)


def _cluster_ends(text: str, start: int, end: int) -> Iterator[int]:
    """Where each character of ``text[start:end]`` ends, with what is attached to it."""
    for index in range(start + 1, end + 1):
        if index == end or not _is_attached(text[index]):
            yield index


def _is_attached(character: str) -> bool:
    """A character that must stay with the one before it: a combining mark or a closer."""
    return unicodedata.category(character).startswith("M") or character in _CLOSERS


def _span(text: str, start: int, end: int, speaking_rate: float) -> _Span:
    part = text[start:end]
    return _Span(start, end, spoken_seconds(part, speaking_rate), _mark(part))


def _mark(part: str) -> str:
    last = part.rstrip(_CLOSERS)[-1:]
    return last if last and (last in _SENTENCE_ENDS or last in _CLAUSE_MARKS) else ""


def _best_cut(spans: list[_Span]) -> int:
    """How many of ``spans`` the piece takes: up to a sentence end, else a clause mark, else all."""
    for marks in (_SENTENCE_ENDS, _CLAUSE_MARKS):
        for index in range(len(spans) - 1, -1, -1):
            if spans[index].mark and spans[index].mark in marks:
                return index + 1
    return len(spans)


def _ends_sentence(span: _Span) -> bool:
    return bool(span.mark) and span.mark in _SENTENCE_ENDS


def _piece(text: str, spans: list[_Span], ends_sentence: bool) -> Piece:
    return Piece(text[spans[0].start : spans[-1].end], ends_sentence)
