"""Words of a text in its language, and how words join back into text.

Most scripts mark words with spaces. Japanese, Chinese and Thai do not: their words come
from a tokenizer with a dictionary bundled in its package (fugashi with unidic-lite, jieba,
pythainlp's newmm), and for Lao, Khmer and Burmese from grapheme clusters. Punctuation stays
attached to its word, as it does in a space-separated text ("sea." is one word), so
captions show the text as it was written. A space the text has between two words of such a
script (Thai separates phrases so) is not kept: the words join without it.
"""

import logging
import os
import threading
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import fugashi

ENGLISH = "en"
# Languages written without spaces between words.
UNSPACED = frozenset({"ja", "zh", "th", "lo", "km", "my"})
# Scripts whose characters count double on screen: a caption line holds half as many.
_WIDE = ("W", "F")
# Opening marks belong to the word after them: 「海」 keeps its bracket with 海.
_OPENING = ("Ps", "Pi")
# unidic's kinds of common noun that name things: plain ones, and acts (散歩, a walk).
_FILMABLE_NOUNS = ("一般", "サ変可能")

# The tokenizers keep state that is not safe to share between threads.
_tokenizer_lock = threading.Lock()


def primary_language(language: str | None) -> str:
    """The language subtag in lower case ("pt-BR" -> "pt"); a job without one is English."""
    return language.split("-", 1)[0].lower() if language else ENGLISH


def is_unspaced(language: str | None) -> bool:
    return primary_language(language) in UNSPACED


def split_words(text: str, language: str | None) -> list[str]:
    """The words of ``text`` as written, punctuation attached, in order."""
    chunks = text.split()
    if not is_unspaced(language):
        return chunks
    words: list[str] = []
    for chunk in chunks:
        words += _attach_punctuation(_tokens(chunk, primary_language(language)))
    return words


def join_words(words: Sequence[str], language: str | None) -> str:
    """The words as one text: spaces between them, except where the language has none.

    In an unspaced language a space is kept only between two spaced-script words ("iPhone
    15"), which is where such a text has one.
    """
    if not is_unspaced(language):
        return " ".join(words)
    joined = ""
    for word in words:
        if joined and word and _spaced_script(joined[-1]) and _spaced_script(word[0]):
            joined += " "
        joined += word
    return joined


def screen_width(text: str) -> int:
    """How many columns ``text`` takes on screen: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in _WIDE else 1 for char in text)


def is_punctuation(text: str) -> bool:
    return bool(text) and all(unicodedata.category(char)[0] in "PS" for char in text)


def _spaced_script(char: str) -> bool:
    """A letter or digit of a script written with spaces (Latin, Cyrillic, Greek, ...)."""
    if unicodedata.category(char)[0] not in "LN":
        return False
    name = unicodedata.name(char, "")
    return not name.startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR"))


def _tokens(chunk: str, language: str) -> list[str]:
    with _tokenizer_lock:
        if language == "ja":
            return [word.surface for word in _japanese_tagger()(chunk)]
        if language == "zh":
            return list(_chinese_tokenizer().cut(chunk))
        if language == "th":
            return _thai_words(chunk)
    return grapheme_clusters(chunk)


def _attach_punctuation(tokens: list[str]) -> list[str]:
    words: list[str] = []
    opening = ""
    for token in tokens:
        if not token.strip():
            continue
        if is_punctuation(token) and unicodedata.category(token[0]) in _OPENING:
            opening += token
        elif is_punctuation(token) and words and not opening:
            words[-1] += token
        else:
            words.append(opening + token)
            opening = ""
    if opening:
        if words:
            words[-1] += opening
        else:
            words.append(opening)
    return words


def grapheme_clusters(text: str) -> list[str]:
    """Characters with the marks written on them (Thai vowels and tones above and below)."""
    clusters: list[str] = []
    for char in text:
        if clusters and unicodedata.category(char).startswith("M"):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


@cache
def _japanese_tagger() -> "fugashi.Tagger":
    import fugashi  # the dictionary loads once, on the first Japanese text

    return fugashi.Tagger()


@cache
def _chinese_tokenizer() -> Any:
    import jieba

    # jieba reports loading its dictionary on a handler of its own; the service logs its own.
    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def _thai_words(chunk: str) -> list[str]:
    # The dictionary newmm needs is in the package; read-only, pythainlp neither makes a data
    # folder in the home directory nor downloads anything.
    os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
    from pythainlp.tokenize import word_tokenize

    return list(word_tokenize(chunk, engine="newmm", keep_whitespace=False))


def japanese_nouns(text: str) -> list[str]:
    """The common nouns of a Japanese text, in order ("灯台", "海"), from its dictionary."""
    with _tokenizer_lock:
        return [
            word.surface
            for word in _japanese_tagger()(text)
            if word.feature.pos1 == "名詞"
            and word.feature.pos2 == "普通名詞"
            # Not time words (昨日) or counters, which no footage shows.
            and word.feature.pos3 in _FILMABLE_NOUNS
        ]


def chinese_nouns(text: str) -> list[str]:
    """The nouns of a Chinese text, in order, without the names of people."""
    import jieba.posseg

    with _tokenizer_lock:
        tagger = jieba.posseg.POSTokenizer(_chinese_tokenizer())
        return [
            pair.word
            for pair in tagger.lcut(text)
            if pair.flag.startswith("n") and pair.flag != "nr"
        ]
