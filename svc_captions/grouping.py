"""Short caption groups: a few words shown together, broken where the speech breaks.

A group is whole words, never part of one. In a language written without spaces a word is
a tokenizer's word, often a single particle, so there the group's width on screen bounds
it rather than its count of words.
"""

from common.documents import CaptionGroup, Word
from common.languages import is_unspaced, join_words, screen_width

# Full-width forms end sentences and clauses in Chinese and Japanese; the Arabic question
# mark and the Devanagari danda end them in Arabic and Hindi.
SENTENCE_END = (
    ".", "!", "?", ";", ":", "\u3002", "\uff01", "\uff1f", "\uff1b", "\uff1a",
    "\u061f", "\u0964", "\u0965",
)  # fmt: skip
CLAUSE_END = (",", "\u3001", "\uff0c", "\u060c")  # the last: the Arabic comma
# Closing quotes and brackets after the stop still end the sentence: `ran."`
CLOSING_MARKS = "\"')]}\u201d\u2019\u00bb\u300d\u300f\uff09"
# Abbreviations end in a full stop but not a sentence: "Dr." belongs with "Smith".
ABBREVIATIONS = frozenset(
    "mr. mrs. ms. dr. prof. st. mt. rev. gen. col. capt. lt. sgt. vs. e.g. i.e.".split()
)
# A silence this long starts a new group even mid-sentence.
PAUSE_SECONDS = 0.35
# Columns on screen; a wide (CJK) character takes two, so a group holds 11 of them.
MAX_GROUP_WIDTH = 22


def group_words(
    words: list[Word], max_words: int, language: str | None = None
) -> list[CaptionGroup]:
    groups: list[CaptionGroup] = []
    current: list[Word] = []
    for word in words:
        if current and _starts_new_group(current, word, max_words, language):
            groups.append(_group(current, language))
            current = []
        current.append(word)
    if current:
        groups.append(_group(current, language))
    return groups


def _starts_new_group(
    current: list[Word], word: Word, max_words: int, language: str | None
) -> bool:
    last = current[-1]
    last_text = last.text.rstrip(CLOSING_MARKS)
    width = screen_width(join_words([w.text for w in [*current, word]], language))
    return (
        (len(current) >= max_words and not is_unspaced(language))
        or _ends_sentence(last_text)
        or (last_text.endswith(CLAUSE_END) and len(current) > 1)
        or word.start - last.end > PAUSE_SECONDS
        or width > MAX_GROUP_WIDTH
    )


def _ends_sentence(text: str) -> bool:
    return text.endswith(SENTENCE_END) and text.lower() not in ABBREVIATIONS


def _group(words: list[Word], language: str | None) -> CaptionGroup:
    return CaptionGroup(
        text=join_words([w.text for w in words], language),
        start=words[0].start,
        end=words[-1].end,
        words=list(words),
    )
