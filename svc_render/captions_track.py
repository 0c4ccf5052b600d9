"""Which caption is on screen at each moment, and which of its words is being spoken."""

import logging
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from common.documents import CaptionGroup
from common.messages import CaptionStyle
from svc_render.captions_layout import CaptionVariants, lay_out_caption
from svc_render.captions_overlay import CaptionOverlay

logger = logging.getLogger(__name__)


class CaptionTrack:
    """The caption overlay on screen at each moment of the video."""

    def __init__(
        self,
        groups: list[CaptionGroup],
        width: int,
        height: int,
        style: CaptionStyle,
        font_path: Path | None,
        language: str | None = None,
    ) -> None:
        shown = [group for group in groups if group.text.strip()] if style.enabled else []
        self._groups = sorted(shown, key=lambda group: group.start)
        self._starts = [group.start for group in self._groups]
        self._width = width
        self._height = height
        self._style = style
        self._font_path = font_path
        self._language = language  # the job's, a BCP 47 tag; None: the text's scripts say
        # Time only moves forward, so the group on screen is the only one worth keeping.
        self._on_screen: tuple[int, _GroupOnScreen] | None = None

    def overlay_at(self, seconds: float) -> "CaptionOverlay | None":
        index = bisect_right(self._starts, seconds) - 1
        if index < 0 or seconds >= self._groups[index].end:
            return None
        if self._on_screen is None or self._on_screen[0] != index:
            group = _GroupOnScreen(
                self._groups[index],
                (self._width, self._height),
                self._style,
                self._font_path,
                self._language,
            )
            self._on_screen = (index, group)
        return self._on_screen[1].overlay_at(seconds)


@dataclass(frozen=True)
class SpokenWords:
    """The words a caption shows, and when each of them is being said."""

    texts: list[str]
    # Whether a space parts each word from the one before, as the caption's text has it.
    spaced: list[bool]
    # When each word starts, never decreasing; empty when no timing fits the text.
    starts: list[float]
    end: float  # when the last word is done

    def spoken_at(self, seconds: float) -> int | None:
        """The word being said at ``seconds``: from its start to the next word's start."""
        index = bisect_right(self.starts, seconds) - 1
        if index < 0 or (index == len(self.starts) - 1 and seconds >= self.end):
            return None
        return index


def spoken_words(group: CaptionGroup) -> SpokenWords:
    """The group's words with their timings, clamped to the group's time on screen."""
    timed = [word for word in group.words if word.text.strip()]
    texts = [" ".join(word.text.split()) for word in timed]
    spaced = _spacing(" ".join(group.text.split()), texts)
    if not timed or spaced is None:
        if timed:
            logger.debug("caption %r: word timings do not match its text", group.text)
        untimed = group.text.split()
        return SpokenWords(untimed, [True] * len(untimed), [], group.start)
    starts: list[float] = []
    for word in timed:
        # Out-of-order or out-of-range timings must not send the highlight backwards.
        earliest = starts[-1] if starts else group.start
        starts.append(min(max(word.start, earliest), group.end))
    end = min(max(timed[-1].end, starts[-1]), group.end)
    return SpokenWords(texts, spaced, starts, end)


def _spacing(text: str, words: list[str]) -> list[bool] | None:
    """Whether a space comes before each of ``words`` in ``text``; None where they do not
    spell it. Japanese and Chinese captions put none between their words.
    """
    spaced: list[bool] = []
    position = 0
    for word in words:
        rest = text[position:]
        unspaced = rest.lstrip()
        if not unspaced.startswith(word):
            return None
        spaced.append(len(unspaced) < len(rest))
        position = len(text) - len(unspaced) + len(word)
    return spaced if not text[position:].strip() else None


class _GroupOnScreen:
    """One caption group while it is shown: its variants, and the one drawn last."""

    def __init__(
        self,
        group: CaptionGroup,
        frame_size: tuple[int, int],
        style: CaptionStyle,
        font_path: Path | None,
        language: str | None,
    ) -> None:
        width, height = frame_size
        self._words = spoken_words(group)
        self._highlighting = style.highlight and bool(self._words.starts)
        layout = lay_out_caption(
            self._words.texts, width, height, style, font_path, self._words.spaced, language
        )
        self._variants = CaptionVariants(layout)
        # The highlight only moves forward, so an earlier variant is never shown again.
        self._drawn: tuple[int | None, CaptionOverlay] | None = None

    def overlay_at(self, seconds: float) -> "CaptionOverlay":
        word = self._words.spoken_at(seconds) if self._highlighting else None
        if self._drawn is None or self._drawn[0] != word:
            self._drawn = (word, self._variants.highlighting(word))
        return self._drawn[1]
