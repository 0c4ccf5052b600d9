"""The user's own words, timed by matching how they sound to what a timing source heard.

Each text token becomes the spoken words it stands for ("42" -> "forty", "two"); that
sequence is matched in order to the heard one. Where the two agree word for word, a token
takes the times of its words; where they differ (a misheard name, a number spoken
differently in context), the heard stretch is shared out in proportion to length. A word
the source heard as one ("$42" for "42 dollars") is shared by the tokens that matched its
sounds, in the text's order. Tokens left with no time at all are placed between their
neighbours (see ``spans``).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from common.documents import Word
from common.languages import split_words
from svc_captions.correction import corrected_spans
from svc_captions.heard import HeardWord
from svc_captions.loudness import Loudness
from svc_captions.spans import Span, fill_missing, share_out, tidied


@dataclass(frozen=True)
class _SpokenUnit:
    token: int  # index of the text token it belongs to
    sound: str


def text_tokens(text: str, language: str | None = None) -> list[str]:
    """The words of the text as the user wrote them, punctuation attached."""
    return split_words(text, language)


def timed_tokens(
    tokens: Sequence[str],
    token_sounds: Sequence[list[str]],
    heard: Sequence[HeardWord],
    duration: float,
    loudness: Loudness | None = None,
) -> list[Word]:
    """The tokens as caption words, timed by ``heard``, in order and inside the audio.

    With the narration's ``loudness``, times heard by listening are corrected by it; the
    voice's own timing needs no correcting.
    """
    # A token that makes no sound ("-") still needs a moment on screen.
    weights = [max(sum(len(sound) for sound in sounds), 1) for sounds in token_sounds]
    matched = match_tokens(token_sounds, heard)
    if loudness is None:
        spans = fill_missing(matched, weights, duration)
    else:
        spans = corrected_spans(matched, weights, loudness, duration)
    return [
        Word(text=token, start=span.start, end=span.end)
        for token, span in zip(tokens, tidied(spans, duration), strict=True)
    ]


def match_tokens(
    token_sounds: Sequence[list[str]], heard: Sequence[HeardWord]
) -> list[Span | None]:
    """Each token's span in the audio, or None where nothing heard matched it."""
    units = [
        _SpokenUnit(token, sound) for token, sounds in enumerate(token_sounds) for sound in sounds
    ]
    heard_as, shared = _match_units(units, heard)
    spans: list[Span | None] = [None] * len(token_sounds)

    def add(token: int, span: Span) -> None:
        current = spans[token]
        spans[token] = span if current is None else current.joined(span)

    for unit, span in zip(units, shared, strict=True):
        if span is not None:
            add(unit.token, span)
    # A heard word is shared by the tokens that matched its sounds, in the text's order.
    claims: dict[int, dict[int, int]] = defaultdict(dict)
    for unit, match in zip(units, heard_as, strict=True):
        if match is not None:
            word = claims[heard[match].heard_in]
            word[unit.token] = word.get(unit.token, 0) + len(unit.sound)
    wholes = _whole_heard_words(heard)
    for heard_in, lengths in claims.items():
        shares = share_out(wholes[heard_in], list(lengths.values()))
        for token, span in zip(lengths, shares, strict=True):
            add(token, span)
    return spans


def _whole_heard_words(heard: Sequence[HeardWord]) -> dict[int, Span]:
    wholes: dict[int, Span] = {}
    for word in heard:
        span = Span(word.start, word.end)
        whole = wholes.get(word.heard_in)
        wholes[word.heard_in] = span if whole is None else whole.joined(span)
    return wholes


def _match_units(
    units: list[_SpokenUnit], heard: Sequence[HeardWord]
) -> tuple[list[int | None], list[Span | None]]:
    """For each unit, the heard word it matched one to one, or its share of a stretch."""
    # autojunk would ignore words as common as "the" in long texts: they are anchors here.
    matcher = SequenceMatcher(
        None, [unit.sound for unit in units], [word.sound for word in heard], autojunk=False
    )
    heard_as: list[int | None] = [None] * len(units)
    shared: list[Span | None] = [None] * len(units)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            heard_as[i1:i2] = range(j1, j2)
        elif tag == "replace":
            stretch = Span(heard[j1].start, heard[j2 - 1].end)
            shared[i1:i2] = share_out(stretch, [len(unit.sound) for unit in units[i1:i2]])
        # "delete": spoken words nobody heard stay None; "insert": heard extras are dropped.
    return heard_as, shared
