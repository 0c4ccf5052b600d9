"""Offline search terms: the concrete nouns and noun phrases a piece of text is about.

In English, word classes come from the word lists in :mod:`common.wordlists` and a few
endings, not from a tagger, so the terms are good guesses: "old lighthouse", "dark rocks",
"waves". Only things footage can show are kept (:mod:`common.filmable`): no sounds or
feelings, and no times or parts of things ("noon", "the edge") unless a visible word in
front says what to film ("street corner"). The most visible things come first.
Japanese and Chinese terms are the nouns their tokenizers' dictionaries name; in other
languages they are the longest words left once the language's stop words are out.
"""

import re
import unicodedata
from collections import Counter
from functools import cache
from typing import Literal, NamedTuple

import stopwordsiso

from common.filmable import (
    ABSTRACT_NOUNS,
    MIN_VISIBLE_DESCRIBER,
    MIN_VISUAL_STRENGTH,
    UNRATED_STRENGTH,
    shows_nothing_alone,
    visual_strength,
)
from common.languages import (
    ENGLISH,
    chinese_nouns,
    japanese_nouns,
    primary_language,
    split_words,
)
from common.wordlists import (
    ADJECTIVES,
    DETERMINERS,
    LINKING_VERBS,
    NOUNS_THAT_LOOK_LIKE_OTHER_WORDS,
    STOP_WORDS,
    VERBS,
    VERBS_AFTER_A_NOUN,
)

# The term of a story in which no noun is found at all.
LAST_RESORT_TERM = "nature"

# Words (with inner apostrophes and hyphens), numbers, and the punctuation that ends a phrase.
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d[\d.,:]*|[.!?;:,()\"\u2013\u2014]")
_SENTENCE_START_AFTER = frozenset('.!?:"')
# Typographic quotes, as text pasted from a word processor has them, read as plain ones.
_PLAIN_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_ADJECTIVE_ENDINGS = ("ous", "ful", "less")
# A described thing narrows the footage ("rusty door" over "door"): worth this much visual
# strength when terms are ranked.
DESCRIBED_BONUS = 0.5

WordKind = Literal["determiner", "linking", "adjective", "noun", "other"]


class Phrase(NamedTuple):
    head: str  # the noun the phrase is about: "lighthouse"
    text: str  # the noun with the word before it that describes it: "old lighthouse"
    describer: str | None = None  # that word: "old"


# A footage search is a URL query: a term is letters, digits and a few joiners, and short.
MAX_TERM_CHARS = 60
_TERM_JOINERS = " -'"


def keyword_terms(texts: list[str], story: str, language: str | None = None) -> list[list[str]]:
    """One to three search terms for each text; the story's main subject where a text has none.

    ``language`` is the story's (BCP 47); None is English.
    """
    if primary_language(language) != ENGLISH:
        fallback = main_subject(story, language)
        return [content_terms(text, language) or [fallback] for text in texts]
    names = proper_names(story)
    fallback = main_subject(story)
    return [_url_safe(search_terms(text, names=names)) or [fallback] for text in texts]


def main_subject(story: str, language: str | None = None) -> str:
    """What the whole story is most about, as one search term."""
    if primary_language(language) != ENGLISH:
        terms = content_terms(story, language, limit=1)
    else:
        terms = _url_safe(search_terms(story, limit=1, names=proper_names(story)))
    return terms[0] if terms else LAST_RESORT_TERM


def search_terms(text: str, limit: int = 3, names: frozenset[str] = frozenset()) -> list[str]:
    """Up to ``limit`` terms of things footage can show: the most mentioned first, then the
    ones that picture best, earlier ones breaking ties.

    A thing mentioned as "waves" and "wave" counts once; it is worded as the phrase that
    describes it most often, as a search for "old lighthouse" finds better footage than one
    for "lighthouse".
    """
    mentions: dict[str, list[Phrase]] = {}  # in order of first mention
    for phrase in noun_phrases(text, names):
        if filmable(phrase):
            mentions.setdefault(_singular(phrase.head), []).append(phrase)
    # sorted keeps the order of equals, reversed or not: the first mentioned wins a tie.
    ranked = sorted(
        mentions.values(), key=lambda phrases: (len(phrases), picture(phrases)), reverse=True
    )
    return [_best_wording(phrases) for phrases in ranked[:limit]]


def filmable(phrase: Phrase) -> bool:
    """Whether footage can show the phrase: a visible thing, and a time or a part of a thing
    ("noon", "edge") only where a visible word in front says what to film ("street corner")."""
    strength = visual_strength(phrase.head)
    if strength is not None and strength < MIN_VISUAL_STRENGTH:
        return False
    if not shows_nothing_alone(_singular(phrase.head)) and not shows_nothing_alone(phrase.head):
        return True
    describer = phrase.describer
    return (
        describer is not None
        and not shows_nothing_alone(describer)
        and (visual_strength(describer) or 0.0) >= MIN_VISIBLE_DESCRIBER
    )


def picture(phrases: list[Phrase]) -> float:
    """How well the mentions of one thing picture it: the thing's visual strength (0 to 5),
    and a bonus when a word describes it."""
    strength = visual_strength(phrases[0].head)
    described = any(phrase.describer for phrase in phrases)
    return (UNRATED_STRENGTH if strength is None else strength) + (
        DESCRIBED_BONUS if described else 0.0
    )


def proper_names(story: str) -> frozenset[str]:
    """Words capitalized where no sentence starts, and never written in lower case.

    They are mostly the names of the people in a story, which no stock footage shows.
    """
    capitalized, lower = set(), set()
    for word, sentence_start in _words(story):
        if word[0].islower():
            lower.add(word)
        elif not sentence_start:
            capitalized.add(word.lower())
    return frozenset(capitalized - lower)


def noun_phrases(text: str, names: frozenset[str] = frozenset()) -> list[Phrase]:
    """The noun phrases of ``text`` in order: each noun with the word that describes it."""
    phrases: list[Phrase] = []
    stretch: list[tuple[str, WordKind]] = []  # adjectives and nouns since the last break
    previous: WordKind = "other"
    previous_word = ""
    for token, sentence_start in _tokens(text):
        word, possessive = _without_possessive(token.lower())
        kind: WordKind = "other"
        if token[0].isalpha() and not _is_name(token, word, sentence_start, names):
            kind = _word_kind(word, previous)
        if kind == "linking" and previous_word == "there":
            kind = "other"  # "there was snow" says that a thing is, not what it is like
        if kind in ("adjective", "noun"):
            stretch.append((word, kind))
        if kind not in ("adjective", "noun") or possessive:
            # A possessive ends a phrase too: "the keeper's lamp" is about two things.
            phrases += _phrases_in(stretch)
            stretch = []
        previous, previous_word = kind, word
    return phrases + _phrases_in(stretch)


def _word_kind(word: str, previous: WordKind) -> WordKind:
    if word in DETERMINERS:
        return "determiner"
    if word in LINKING_VERBS:
        return "linking"
    if len(word) <= 2 or "'" in word:  # contractions are function words
        return "other"
    if word in STOP_WORDS or word in VERBS or word in ABSTRACT_NOUNS:
        return "other"
    if word in VERBS_AFTER_A_NOUN and previous == "noun":
        return "other"  # "the waves rose", but "a red rose"
    if word in ADJECTIVES or word.endswith(_ADJECTIVE_ENDINGS) or _compared(word):
        return "adjective"
    if word in NOUNS_THAT_LOOK_LIKE_OTHER_WORDS:
        return "noun"
    if word.endswith("ly") and len(word) > 4:
        return "other"  # an adverb
    if word.endswith(("ed", "ing")):
        # A participle describes a thing only where an adjective could stand: "the frozen
        # lake", "an old abandoned mill", but "the boat drifted", "she kept running".
        return "adjective" if previous in ("determiner", "adjective") else "other"
    if previous == "linking" and not _looks_plural(word):
        # What a thing is, said without "a" or "the", describes it: "foxes are quick";
        # but "they were fishermen".
        return "adjective"
    return "noun"


def _compared(word: str) -> bool:
    """A comparative or superlative of a listed adjective: "higher", "bigger", "darkest"."""
    for ending in ("er", "est"):
        if word.endswith(ending):
            stem = word[: -len(ending)]
            doubled = len(stem) > 2 and stem[-1] == stem[-2]
            for base in (stem, stem + "e", stem[:-1] if doubled else "", stem[:-1] + "y"):
                if base in ADJECTIVES:
                    return True
    return False


def _phrases_in(stretch: list[tuple[str, WordKind]]) -> list[Phrase]:
    """Each noun that ends a run of nouns, with the word before it when that describes it.

    Within a run the last noun is the thing ("lighthouse keeper"), except that a plural
    seldom describes another noun in English, so it ends the run: a verb missing from the
    word lists does not swallow its subject ("horses graze" gives "horses", "graze").
    """
    phrases = []
    describer: str | None = None
    for index, (word, kind) in enumerate(stretch):
        next_is_noun = index + 1 < len(stretch) and stretch[index + 1][1] == "noun"
        if kind == "noun" and (not next_is_noun or _looks_plural(word)):
            text = f"{describer} {word}" if describer else word
            phrases.append(Phrase(word, text, describer))
            describer = None
        else:
            describer = word
    return phrases


def _best_wording(phrases: list[Phrase]) -> str:
    counts = Counter(phrase.text for phrase in phrases)
    # max keeps the first of equals, so the earliest wording wins a tie.
    return max(counts, key=lambda wording: (" " in wording, counts[wording]))


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Tokens with whether each starts a sentence (or a quotation), where a capital is no name."""
    tokens = []
    sentence_start = True
    for match in _TOKEN.finditer(text.translate(_PLAIN_QUOTES)):
        token = match.group()
        tokens.append((token, sentence_start))
        if token in _SENTENCE_START_AFTER:
            sentence_start = True
        elif token[0].isalnum():
            sentence_start = False
    return tokens


def _words(text: str) -> list[tuple[str, bool]]:
    return [(token, start) for token, start in _tokens(text) if token[0].isalpha()]


def _without_possessive(word: str) -> tuple[str, bool]:
    if word.endswith("'s"):
        return word[:-2], True  # "keeper's"
    if word.endswith("s'"):
        return word[:-1], True  # "sailors'"
    return word.strip("'-"), False


def _is_name(token: str, word: str, sentence_start: bool, names: frozenset[str]) -> bool:
    return word in names or (token[0].isupper() and not sentence_start)


def _singular(word: str) -> str:
    if not _looks_plural(word):
        return word
    if word.endswith(("xes", "ches", "shes", "sses", "zes")):
        return word[:-2]  # "foxes", "benches"
    return word[:-1]


def _looks_plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def content_terms(text: str, language: str | None, limit: int = 3) -> list[str]:
    """Terms in a language other than English: its nouns where a dictionary tags them, else
    its longest words that are no stop words; the most mentioned first."""
    primary = primary_language(language)
    stop_words = _stop_words(primary)
    if primary == "ja":
        candidates = japanese_nouns(text)
    elif primary == "zh":
        candidates = chinese_nouns(text)
    else:
        # lower(), not casefold(): a term keeps the Greek final sigma (φάρος).
        candidates = [_bare(word).lower() for word in split_words(text, language)]
        if primary == "ar":
            candidates = [_without_and(word) for word in candidates]
        # Without a tagger, a short word is most often a function word the list lacks.
        candidates = [word for word in candidates if len(word) >= 3]
    words = [
        word
        for word in _url_safe(candidates)
        if word not in stop_words and not any(char.isdigit() for char in word)
    ]
    counts = Counter(words)
    first_mention = {word: index for index, word in reversed(list(enumerate(words)))}
    ranked = sorted(counts, key=lambda word: (-counts[word], -len(word), first_mention[word]))
    return ranked[:limit]


@cache
def _stop_words(language: str) -> frozenset[str]:
    """The language's stop words from the ISO lists bundled with stopwordsiso, if it has it."""
    if not stopwordsiso.has_lang(language):
        return frozenset()
    return frozenset(word.lower() for word in stopwordsiso.stopwords(language))


def _bare(word: str) -> str:
    """The word without the punctuation written before or after it."""
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start])[0] not in "LN":
        start += 1
    while end > start and unicodedata.category(word[end - 1])[0] not in "LMN":
        end -= 1
    return word[start:end]


def _without_and(word: str) -> str:
    """An Arabic word without the "and" written onto it: والمنارة ("and the lighthouse")."""
    return word[1:] if word.startswith("\u0648\u0627\u0644") and len(word) > 4 else word


def _url_safe(terms: list[str]) -> list[str]:
    """The terms with only letters, marks, digits and joiners, bounded, none empty."""
    safe = []
    for term in terms:
        kept = "".join(
            char for char in term if unicodedata.category(char)[0] in "LMN" or char in _TERM_JOINERS
        )
        kept = " ".join(kept.split())[:MAX_TERM_CHARS].strip(_TERM_JOINERS)
        if kept:
            safe.append(kept)
    return safe
