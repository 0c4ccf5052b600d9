"""How words sound: espeak-ng phonemes, the common ground of the text and both timing sources.

The user's ``42`` and Piper's "forty two" and whisper's ``42.`` spell differently but sound
the same, so words are matched by sound. Each token is phonemized on its own, which tells
how many spoken words it becomes ("Dr." one, "$42" three).
"""

import threading
import unicodedata
from collections.abc import Sequence

from piper.phonemize_espeak import EspeakPhonemizer

from common.errors import ModelUnavailable
from common.languages import ENGLISH, primary_language

# Piper marks where each sentence's audio begins and ends; they are not speech.
BOUNDARY_PHONEMES = ("^", "$")
WORD_SEPARATOR = " "

# espeak-ng names some languages otherwise than BCP 47 does.
_ESPEAK_NAMES = {"zh": "cmn", "yue": "yue"}

# espeak-ng keeps one voice selected in process-wide state: one phonemization at a time.
_espeak_lock = threading.Lock()


def is_pause(phoneme: str) -> bool:
    """Punctuation ("." ",") that the voice speaks as a pause, not as a sound of a word."""
    return all(unicodedata.category(character).startswith("P") for character in phoneme)


def word_ranges(phonemes: Sequence[str]) -> list[range]:
    """The index range of each spoken word in ``phonemes``, without separators or pauses."""
    ranges: list[range] = []
    first: int | None = None
    for index, phoneme in enumerate(phonemes):
        ends_word = phoneme == WORD_SEPARATOR or phoneme in BOUNDARY_PHONEMES or is_pause(phoneme)
        if ends_word:
            if first is not None:
                ranges.append(range(first, index))
            first = None
        elif first is None:
            first = index
    if first is not None:
        ranges.append(range(first, len(phonemes)))
    return ranges


def sound_key(phonemes: Sequence[str]) -> str:
    """A word's phonemes without stress, length or palatal marks, which shift with context."""
    return "".join(
        character
        for character in unicodedata.normalize("NFD", "".join(phonemes))
        if unicodedata.category(character) in ("Ll", "Lo", "Lu")
    )


def espeak_voice(language: str | None, english_voice: str) -> str:
    """The espeak-ng voice that sounds out a text in ``language`` (None: English).

    English keeps the configured accent; another language is its primary subtag ("pt-BR"
    -> "pt"), which every espeak-ng language answers to.
    """
    primary = primary_language(language)
    if primary == ENGLISH:
        return english_voice
    return _ESPEAK_NAMES.get(primary, primary)


class Phonemizer:
    def __init__(self, espeak_voice: str) -> None:
        self.espeak_voice = espeak_voice
        with _espeak_lock:
            self._espeak = EspeakPhonemizer()
        # A voice espeak-ng does not have stops the service now, not its first job.
        self.sounds(["test"])

    def sounds(self, texts: Sequence[str]) -> list[list[str]]:
        """For each text, the sound keys of the words a voice would speak for it."""
        known: dict[str, list[str]] = {}
        for text in set(texts):
            with _espeak_lock:
                try:
                    sentences = self._espeak.phonemize(self.espeak_voice, text)
                except RuntimeError as exc:
                    raise ModelUnavailable(
                        f"espeak-ng has no voice {self.espeak_voice!r} to time the captions "
                        f"with; for English set T2V_ESPEAK_VOICE to one it has, such as en-us "
                        f"({exc})"
                    ) from exc
            phonemes = [
                phoneme for sentence in sentences for phoneme in [*sentence, WORD_SEPARATOR]
            ]
            keys = [sound_key([phonemes[i] for i in word]) for word in word_ranges(phonemes)]
            known[text] = [key for key in keys if key]
        return [known[text] for text in texts]
