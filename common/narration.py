"""How long a text takes to speak, estimated from the text alone.

The gateway refuses a job whose narration would be too long before any work is done, and
the TTS service cuts a text into pieces short enough to speak in bounded memory; both need
the same estimate. The figures are the bundled voice's (Piper joe-medium), measured on
bench/story.txt, runs of digits and lists of numbers; other voices differ by some tens of
percent, which is why the TTS service checks the real length again.
"""

import re
import unicodedata

# The bundled voice at its own pace, the pause between sentences included.
SECONDS_PER_WORD = 0.29
# A number is read as words: "1234567" takes about as long as 12 words ("one million two
# hundred ..."), and in a list the commas add pauses. Past about 15 digits espeak-ng reads
# digit by digit, a word each.
WORDS_PER_DIGIT = 1.7
WORDS_PER_DIGIT_READ_SINGLY = 0.9
DIGITS_READ_AS_A_NUMBER = 15
# A long word takes longer than a short one; most words have at most this many letters.
LETTERS_PER_WORD = 6
# Chinese, Japanese and Korean write a syllable (or about one) per character, and their
# speakers say some 5 syllables a second.
SECONDS_PER_CJK_CHARACTER = 0.2
# The voice does not slow down or speed up in proportion to the rate asked for (measured:
# 0.5 makes speech 1.71 times as long, 1.5 makes it 0.74, 2.0 makes it 0.64).
RATE_EXPONENT = 0.75

_DIGIT_RUN = re.compile(r"\d+")
_CJK = re.compile(
    "[\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # han ideographs
    "\uac00-\ud7af]"  # hangul syllables
)


def spoken_seconds(text: str, speaking_rate: float = 1.0) -> float:
    """About how long the bundled voice takes to speak ``text`` at ``speaking_rate``."""
    cjk_characters = len(_CJK.findall(text))
    words = sum(_spoken_words(token) for token in _CJK.sub(" ", text).split())
    seconds = words * SECONDS_PER_WORD + cjk_characters * SECONDS_PER_CJK_CHARACTER
    return seconds / speaking_rate**RATE_EXPONENT


def _spoken_words(token: str) -> float:
    """Words' worth of speech in one token without spaces (and without CJK characters)."""
    digit_words = sum(_number_words(len(run)) for run in _DIGIT_RUN.findall(token))
    # Marks belong to their letters (Devanagari vowel signs, Arabic vowels).
    letters = sum(1 for character in token if unicodedata.category(character)[0] in "LM")
    letter_words = max(1.0, letters / LETTERS_PER_WORD) if letters else 0.0
    return digit_words + letter_words


def _number_words(digits: int) -> float:
    as_a_number = min(digits, DIGITS_READ_AS_A_NUMBER)
    return as_a_number * WORDS_PER_DIGIT + (digits - as_a_number) * WORDS_PER_DIGIT_READ_SINGLY
