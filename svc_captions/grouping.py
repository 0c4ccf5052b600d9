"""Short caption groups: a few words shown together, broken where the speech breaks."""

from common.documents import CaptionGroup, Word

SENTENCE_END = (".", "!", "?", ";", ":")
# Closing quotes and brackets after the stop still end the sentence: `ran."`
CLOSING_MARKS = "\"')]}\u201d\u2019\u00bb"
# Abbreviations end in a full stop but not a sentence: "Dr." belongs with "Smith".
ABBREVIATIONS = frozenset(
    "mr. mrs. ms. dr. prof. st. mt. rev. gen. col. capt. lt. sgt. vs. e.g. i.e.".split()
)
# A silence this long starts a new group even mid-sentence.
PAUSE_SECONDS = 0.35
MAX_GROUP_CHARS = 22


def group_words(words: list[Word], max_words: int) -> list[CaptionGroup]:
    groups: list[CaptionGroup] = []
    current: list[Word] = []
    for word in words:
        if current and _starts_new_group(current, word, max_words):
            groups.append(_group(current))
            current = []
        current.append(word)
    if current:
        groups.append(_group(current))
    return groups


def _starts_new_group(current: list[Word], word: Word, max_words: int) -> bool:
    last = current[-1]
    last_text = last.text.rstrip(CLOSING_MARKS)
    chars = sum(len(w.text) + 1 for w in current) + len(word.text)
    return (
        len(current) >= max_words
        or _ends_sentence(last_text)
        or (last_text.endswith(",") and len(current) > 1)
        or word.start - last.end > PAUSE_SECONDS
        or chars > MAX_GROUP_CHARS
    )


def _ends_sentence(text: str) -> bool:
    return text.endswith(SENTENCE_END) and text.lower() not in ABBREVIATIONS


def _group(words: list[Word]) -> CaptionGroup:
    return CaptionGroup(
        text=" ".join(w.text for w in words),
        start=words[0].start,
        end=words[-1].end,
        words=list(words),
    )
