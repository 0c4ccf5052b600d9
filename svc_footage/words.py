"""The words a footage description or a segment has in common, for the lexical matcher.

Each word is lower-cased and reduced to a crude stem, the same way on both sides, so
that plurals and simple inflections meet: "baskets" and "basket", "flies", "flying" and
"fly", "shores" and "shore". Stems need only be equal, never readable ("shore" is
"shor"). Words not in the Latin alphabet are kept whole.

Each word also gets a class, from the word lists of the offline search terms
(:mod:`common.wordlists`, :mod:`common.filmable`; a word in none of them is taken for
a thing) and a few of our own:

- ``CONCRETE``: what a camera can show ("gull", "market", "basket");
- ``WEAK``: words that say something about a picture but not what is in it: verbs and
  participles ("flying"), adjectives ("fresh"), parts of things ("edge"), times and
  seasons ("noon", "summer", "year"), and the light of a time of day ("night", "dusk").
  Night and dusk do change what a clip looks like, so they add to a match; but a clip
  that shares only its time with the narration shows another place altogether ("desert
  highway at noon" for a crowded market at noon), so none of them matches on its own;
- ignored: function words, abstract nouns ("memory") and sounds ("voices"), which no
  clip shows.
"""

import re
from enum import Enum
from functools import lru_cache
from typing import NamedTuple

from common.filmable import ABSTRACT_NOUNS, PART_NOUNS, TIME_WORDS
from common.wordlists import (
    ADJECTIVES,
    DETERMINERS,
    NOUNS_THAT_LOOK_LIKE_OTHER_WORDS,
    STOP_WORDS,
    VERBS,
)

# The light of a time of day: visible, and kept as a search term, but the same sky over
# any place, so it only adds to a match.
TIMES_OF_LIGHT = frozenset(
    """
    night nights nighttime nightfall dawn dusk sunrise sunset sunsets twilight daylight
    daytime daybreak spring
    """.split()
)

# Nouns that name no thing a clip could show, beside the abstract ones: sounds, and
# words for words.
NOTHING_TO_SHOW = frozenset(
    """
    voice voices sound sounds noise noises word words name names number numbers example
    examples kind kinds type types world
    """.split()
)

# What cameras and editors put in file names ("IMG_2041", "GOPR0042", "clip_final_edit"):
# they say nothing of the picture. A word with no vowel ("dsc", "pxl") is taken
# for one too.
FILE_NAME_WORDS = frozenset(
    """
    clip clips video videos footage stock final edit edited copy take img gopr mvi dji vid
    """.split()
)

# Verbs in their irregular past forms, and plurals that add no "s": mapped to the form
# their other inflections reduce to.
IRREGULAR = {
    "children": "child",
    "men": "man",
    "women": "woman",
    "people": "person",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
    "oxen": "ox",
    "leaves": "leaf",
    "loaves": "loaf",
    "wolves": "wolf",
    "knives": "knife",
    "wives": "wife",
    "shelves": "shelf",
    "halves": "half",
    "calves": "calf",
    "thieves": "thief",
    "scarves": "scarf",
    "hooves": "hoof",
    "skies": "sky",
    "flew": "fly",
    "flown": "fly",
    "ran": "run",
    "swam": "swim",
    "sang": "sing",
    "rode": "ride",
    "grew": "grow",
    "fell": "fall",
    "drove": "drive",
    "ate": "eat",
    "sat": "sit",
    "stood": "stand",
}

_WORD = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[a-z]+")
_VOWELS = frozenset("aeiouy")
_ADJECTIVE_ENDINGS = ("ous", "ful", "less")
# Doubled consonants that an inflection doubles ("running"), unlike "falling" or "kissed".
_UNDOUBLED = frozenset("bdfgkmnprtv")


class WordClass(Enum):
    CONCRETE = "concrete"
    WEAK = "weak"


class Word(NamedTuple):
    stem: str
    kind: WordClass
    weight: float


# How much a weak word counts beside a concrete one.
WEAK_WEIGHT = 0.3


def content_words(text: str) -> dict[str, Word]:
    """The words of ``text`` that can say what a clip shows, by stem (the first of equals)."""
    words: dict[str, Word] = {}
    for token in _WORD.findall(text.lower()):
        word = content_word(token)
        if word is not None and (word.stem not in words or word.weight > words[word.stem].weight):
            words[word.stem] = word
    return words


@lru_cache(maxsize=65_536)
def content_word(token: str) -> Word | None:
    """The stem, class and weight of one lower-cased word; None for a word to ignore."""
    if not _LATIN.fullmatch(token):
        return Word(token, WordClass.CONCRETE, 1.0)
    if len(token) <= 2 or token in DETERMINERS or token in STOP_WORDS:
        return None
    if token in ABSTRACT_NOUNS or token in NOTHING_TO_SHOW or token in FILE_NAME_WORDS:
        return None
    if not _VOWELS.intersection(token):
        return None
    stem = stem_of(token)
    if _is_weak(token):
        return Word(stem, WordClass.WEAK, WEAK_WEIGHT)
    return Word(stem, WordClass.CONCRETE, _length_weight(token))


def _is_weak(word: str) -> bool:
    if word in TIME_WORDS or word in TIMES_OF_LIGHT or word in PART_NOUNS:
        return True
    if word in NOUNS_THAT_LOOK_LIKE_OTHER_WORDS:
        return False
    if word in VERBS or word in ADJECTIVES or IRREGULAR.get(word, "") in VERBS:
        return True
    if word.endswith(_ADJECTIVE_ENDINGS) or (word.endswith("ly") and len(word) > 4):
        return True
    return _participle_stem(word) is not None


def _length_weight(word: str) -> float:
    """Longer nouns are rarer, so sharing one says more: "lighthouse" more than "sea"."""
    return {3: 0.6, 4: 0.8}.get(len(word), 1.0)


@lru_cache(maxsize=65_536)
def stem_of(word: str) -> str:
    """The crude stem of a lower-cased English word (see the module)."""
    if word in IRREGULAR:
        word = IRREGULAR[word]
    elif word not in NOUNS_THAT_LOOK_LIKE_OTHER_WORDS:
        word = _participle_stem(word) or _singular(word)
    if len(word) > 3:
        # "make" and "making", "cookie" and "cookies", "city" and "cities" meet.
        word = word.removesuffix("e")
        if word.endswith("y"):
            word = word[:-1] + "i"
    return word


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        # "flies" is "fly" where too short a stem is left; "berries" is "berri".
        return word[:-3] + ("y" if len(word) == 5 else "i")
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]  # "boxes" becomes "boxe", then "box" as "box" does
    return word


def _participle_stem(word: str) -> str | None:
    """The verb of an -ing or -ed form ("flying": "fly", "stopped": "stop"); else None."""
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) >= len(ending) + 3:
            stem = word[: -len(ending)]
            if not _VOWELS.intersection(stem):
                return None  # "thing", "bring", "shed"
            if ending == "ed" and stem.endswith("i"):
                stem = stem[:-1] + "y"  # "carried"
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] in _UNDOUBLED:
                stem = stem[:-1]
            return stem
    return None


def compound_of(longer: str, shorter: str) -> bool:
    """Whether ``longer`` is a compound whose head is ``shorter``: "seagull" and "gull".

    The head has at least 4 letters and what comes before it at least 3, so "train" is no
    compound of "rain", nor "flight" of "light".
    """
    return len(shorter) >= 4 and len(longer) >= len(shorter) + 3 and longer.endswith(shorter)
