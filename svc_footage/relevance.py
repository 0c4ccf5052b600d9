"""How well a clip's description matches what a segment of the narration says.

Every place that chooses footage scores its candidates' descriptions (a library file's
name and sidecar text) against :func:`segment_said` with the job's :class:`Matcher`, and
refuses those below the matcher's floor, whatever word they share.

``words`` (the default) is lexical (see :mod:`svc_footage.words` for the words it
compares). Each word has a weight: 1 for a thing a camera can show (0.8 for one of four
letters, 0.6 for one of three: a longer noun is rarer, so sharing it says more), 0.3 for a
weak word (a verb, an adjective, a time of day or a season). A word matches when the
other text has the same stem, or a compound of it, or its head ("seagulls" and "gulls").
With D the description's words and S what the segment says::

    P = weight of the words of D that match / weight of all of D
    R = weight of the words of S that match / weight of all of S
    score = 0.75 * P + 0.25 * R

P counts most, as a description mostly about something else is a poor clip however much
of the narration it names; R tells apart the descriptions that name all of what is said.
A description scores 0 unless one of its things matches a thing said: a shared "noon",
"flying" or "old" alone chooses nothing. The floor is 0.3: a description
of three things sharing one with what is said clears it; one of five does not.

``names`` is the earlier behaviour: 1 where one of the segment's terms appears, its words
in order and whole, in a line of the description (the file's name), else 0. ``meaning``,
sentence embeddings, comes with the ``meaning`` extra (:mod:`svc_footage.meaning`).
"""

from collections.abc import Sequence
from typing import Protocol

from common.documents import QuerySegment
from svc_footage.library import phrase_in
from svc_footage.meaning import MeaningMatcher
from svc_footage.settings import FootageSettings
from svc_footage.words import Word, WordClass, compound_of, content_words

# How much of a score is the description's share of matching words (the rest is the
# share of what is said).
DESCRIPTION_SHARE = 0.75

WORDS_FLOOR = 0.3
NAMES_FLOOR = 0.5

# Descriptions analysed and kept per matcher: a library's files and a job's stock
# results, many times over, before the oldest are forgotten.
_KEPT_DESCRIPTIONS = 50_000


class Matcher(Protocol):
    name: str  # "words", "names", "meaning"
    floor: float  # a candidate scoring below this is refused, whatever word it shares

    def scores(self, said: str, descriptions: Sequence[str]) -> list[float]:
        """Each description's relevance to what a segment says, from 0 to 1."""
        ...


def segment_said(segment: QuerySegment) -> str:
    """What a segment says: its text, then each of its search terms on a line of its own."""
    return "\n".join([segment.text, *segment.terms])


def matcher_from(settings: FootageSettings) -> Matcher:
    """The matcher the settings name; raises ModelUnavailable where it is not installed."""
    if settings.footage_matcher == "names":
        return NameMatcher()
    if settings.footage_matcher == "meaning":
        return MeaningMatcher(WordMatcher(), settings.data_dir / "cache" / "vectors")
    return WordMatcher()


class WordMatcher:
    """Shared words, by stem and compound, weighted by what they say (see the module)."""

    name = "words"
    floor = WORDS_FLOOR

    def __init__(self) -> None:
        self._descriptions: dict[str, _Analysed] = {}

    def scores(self, said: str, descriptions: Sequence[str]) -> list[float]:
        segment = _Analysed(said)
        return [self._score(segment, self._analysed(text)) for text in descriptions]

    def _analysed(self, text: str) -> "_Analysed":
        analysed = self._descriptions.get(text)
        if analysed is None:
            if len(self._descriptions) >= _KEPT_DESCRIPTIONS:
                self._descriptions.clear()
            analysed = self._descriptions[text] = _Analysed(text)
        return analysed

    @staticmethod
    def _score(said: "_Analysed", description: "_Analysed") -> float:
        if not description.words or not said.words:
            return 0.0
        in_description = description.matching(said)
        if not in_description:
            return 0.0
        if not _things_in_common(description, said):
            return 0.0
        in_said = said.matching(description)
        share = description.weight_of(in_description) / description.total
        said_share = said.weight_of(in_said) / said.total
        score = DESCRIPTION_SHARE * share + (1 - DESCRIPTION_SHARE) * said_share
        return round(min(score, 1.0), 3)


def _things_in_common(description: "_Analysed", said: "_Analysed") -> bool:
    """Whether a thing of the description matches a thing said (not a verb or a time)."""
    things = said.things
    return any(
        stem == thing or compound_of(stem, thing) or compound_of(thing, stem)
        for stem in description.things
        for thing in things
    )


class _Analysed:
    """A text's content words, and the compound heads found inside them."""

    def __init__(self, text: str) -> None:
        self.words: dict[str, Word] = content_words(text)
        self.total = sum(word.weight for word in self.words.values())
        self.things = [stem for stem, word in self.words.items() if word.kind is WordClass.CONCRETE]
        # Every ending of a word that could be a compound's head: "gull" in "seagull".
        self.heads: dict[str, list[str]] = {}
        for stem in self.words:
            for start in range(3, len(stem) - 3):
                head = stem[start:]
                if compound_of(stem, head):
                    self.heads.setdefault(head, []).append(stem)

    def matching(self, other: "_Analysed") -> set[str]:
        """This text's stems that ``other`` has, or has as a compound or a compound's head."""
        found = {stem for stem in self.words if stem in other.words or stem in other.heads}
        for head, stems in self.heads.items():
            if head in other.words:
                found.update(stems)
        return found

    def weight_of(self, stems: set[str]) -> float:
        return sum(self.words[stem].weight for stem in stems)


class NameMatcher:
    """A term's words, whole and in order, in a line of the description: 1 or 0."""

    name = "names"
    floor = NAMES_FLOOR

    def scores(self, said: str, descriptions: Sequence[str]) -> list[float]:
        terms = [line for line in said.splitlines() if line.strip()]
        return [
            1.0
            if any(phrase_in(term, line) for term in terms for line in description.splitlines())
            else 0.0
            for description in descriptions
        ]
