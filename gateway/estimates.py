"""How long a text takes to narrate, estimated before any voice has spoken it."""

# Narration runs at about 150 words a minute at the voice's own pace. Counting characters
# too covers scripts without spaces between words, where a word count says almost nothing.
_WORDS_PER_SECOND = 2.5
_CHARACTERS_PER_SECOND = 15.0


def narration_seconds(text: str, speaking_rate: float) -> float:
    """Seconds of speech ``text`` makes at ``speaking_rate`` (1.0: the voice's own pace)."""
    by_words = len(text.split()) / _WORDS_PER_SECOND
    by_characters = len(text) / _CHARACTERS_PER_SECOND
    return max(by_words, by_characters) / speaking_rate
