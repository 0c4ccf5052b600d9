"""espeak-ng voices: a robotic but understandable voice for every language espeak-ng knows.

The library and its language data come with the espeakng-loader package, so nothing is
installed on the system and nothing is downloaded. espeak-ng reports each phoneme as it
speaks it (the sample it starts at, in IPA), which times the captions as Piper's alignment
does.
"""

import ctypes
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from common.errors import ModelUnavailable, StageError
from svc_tts.pieces import spoken_pieces
from svc_tts.speech import SpokenChunk, ending_piece

# espeak-ng's words per minute at a speaking rate of 1, and the range it accepts.
_DEFAULT_WORDS_PER_MINUTE = 175
_WORDS_PER_MINUTE_RANGE = (80, 450)

# From espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000
_POSITION_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAMETER_RATE = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_SENTENCE = 2
_EVENT_PHONEME = 7

# What the captions stage reads as a word's end and a pause (see svc_captions.phonemes).
WORD_SEPARATOR = " "
PAUSE = ","


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


class _VoiceEntry(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class _Mark:
    """A point in the audio: a phoneme starts ("" is a silence), or a word does (None)."""

    sample: int
    phoneme: str | None


@dataclass(frozen=True)
class _Sentence:
    audio: np.ndarray
    marks: list[_Mark]  # samples counted from the sentence's start


def _sentences(audio: np.ndarray, marks: list[_Mark], starts: list[int]) -> list[_Sentence]:
    cuts = [0, *sorted({start for start in starts if 0 < start < len(audio)}), len(audio)]
    return [
        _Sentence(
            audio[start:end],
            [
                _Mark(mark.sample - start, mark.phoneme)
                for mark in marks
                if start <= mark.sample < end or (mark.sample == end == len(audio))
            ],
        )
        for start, end in pairwise(cuts)
        if end > start
    ]


class _Engine:
    """The one espeak-ng of the process: it keeps its voice and output in global state."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as error:
            raise ModelUnavailable(
                "espeak-ng voices need the espeakng-loader package (pip install espeakng-loader)"
            ) from error
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceEntry))
        self.sample_rate = int(
            self._lib.espeak_Initialize(
                _AUDIO_OUTPUT_SYNCHRONOUS,
                0,
                espeakng_loader.get_data_path().encode(),
                _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT,
            )
        )
        if self.sample_rate <= 0:
            raise ModelUnavailable("espeak-ng did not start: its language data is missing")
        self._lock = threading.Lock()
        self._audio: list[np.ndarray] = []
        self._marks: list[_Mark] = []
        self._sentence_starts: list[int] = []
        # Kept on the object: the library calls it for as long as the process runs.
        self._callback = _Callback(self._receive)
        self._lib.espeak_SetSynthCallback(self._callback)
        self.languages = self._languages()

    def speak(self, language: str, text: str, words_per_minute: int) -> list[_Sentence]:
        """The text's audio, cut where each sentence starts."""
        with self._lock:
            if self._lib.espeak_SetVoiceByName(language.encode()) != 0:
                raise StageError(f"espeak-ng has no voice for {language!r}")
            self._lib.espeak_SetParameter(_PARAMETER_RATE, words_per_minute, 0)
            self._audio, self._marks, self._sentence_starts = [], [], []
            encoded = text.encode()
            status = self._lib.espeak_Synth(
                encoded, len(encoded) + 1, 0, _POSITION_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            if status != 0:
                raise StageError(f"espeak-ng could not speak the text (error {status})")
            audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)
            return _sentences(audio, self._marks, self._sentence_starts)

    def _receive(self, samples: ctypes.Array, count: int, events: ctypes.Array) -> int:
        if samples and count > 0:
            self._audio.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_SENTENCE:
                self._sentence_starts.append(event.sample)
            elif event.type == _EVENT_WORD:
                self._marks.append(_Mark(event.sample, None))
            elif event.type == _EVENT_PHONEME:
                # The IPA fills up to 8 bytes, with no terminator when it needs all 8.
                ipa = bytes(event.id).split(b"\0")[0].decode(errors="replace")
                self._marks.append(_Mark(event.sample, ipa))
            index += 1
        return 0

    def _languages(self) -> set[str]:
        # Each voice lists its languages as (priority byte, name, NUL), ended by a NUL.
        languages: set[str] = set()
        entries = self._lib.espeak_ListVoices(None)
        index = 0
        while entries[index]:
            raw = ctypes.string_at(entries[index].contents.languages, 200)
            for part in raw.split(b"\0\0")[0].split(b"\0"):
                if len(part) > 1:
                    languages.add(part[1:].decode(errors="replace").lower())
            index += 1
        return languages


_engine: _Engine | None = None
_engine_lock = threading.Lock()


def engine() -> _Engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _Engine()
        return _engine


def espeak_language(tag: str) -> str | None:
    """The espeak-ng language for a BCP 47 tag ("pt-BR" -> "pt-br", "ru-RU" -> "ru"), if any."""
    known = engine().languages
    parts = tag.lower().replace("_", "-").split("-")
    for length in range(len(parts), 0, -1):
        candidate = "-".join(parts[:length])
        if candidate in known:
            return candidate
    # Chinese is "cmn" (Mandarin) and "yue" (Cantonese) to espeak-ng.
    return "cmn" if parts[0] == "zh" and "cmn" in known else None


class EspeakSpeaker:
    def __init__(self, language: str) -> None:
        found = espeak_language(language)
        if found is None:
            raise ModelUnavailable(f"espeak-ng has no voice for the language {language!r}")
        self.language = found
        self._engine = engine()
        self.sample_rate = self._engine.sample_rate

    def speak(self, text: str, speaking_rate: float) -> Iterator[SpokenChunk]:
        low, high = _WORDS_PER_MINUTE_RANGE
        words_per_minute = round(min(max(_DEFAULT_WORDS_PER_MINUTE * speaking_rate, low), high))
        for piece in spoken_pieces(text, speaking_rate):
            sentences = self._engine.speak(self.language, piece.text, words_per_minute)
            chunks = (
                SpokenChunk(
                    audio=sentence.audio,
                    phonemes=timed_phonemes(sentence.marks, len(sentence.audio)),
                )
                for sentence in sentences
            )
            yield from ending_piece(chunks, piece.ends_sentence)


def timed_phonemes(marks: list[_Mark], length: int) -> list[tuple[str, int]]:
    """Each phoneme with its length in samples, a word separator before each word.

    espeak-ng reports a silence as an empty phoneme: inside a word it belongs to the sound
    before it, elsewhere it is a pause. The silence before the first sound is a pause too,
    so the lengths add up to the whole audio.
    """
    named: list[tuple[str, int]] = [(PAUSE, 0)]  # (phoneme, first sample)
    for index, mark in enumerate(marks):
        if mark.phoneme is None:
            # Zero samples long: the silence before a word stays the pause it is.
            sound = next((later for later in marks[index + 1 :] if later.phoneme), mark)
            named.append((WORD_SEPARATOR, sound.sample))
        elif mark.phoneme:
            named.append((mark.phoneme, mark.sample))
        elif not _inside_word(named, marks[index + 1 :]):
            named.append((PAUSE, mark.sample))
    starts = [min(max(start, 0), length) for _, start in named]
    ends = [*starts[1:], length]
    return [
        (phoneme, max(end - start, 0))
        for (phoneme, _), start, end in zip(named, starts, ends, strict=True)
    ]


def _inside_word(before: list[tuple[str, int]], after: list[_Mark]) -> bool:
    if before[-1][0] in (WORD_SEPARATOR, PAUSE):
        return False
    following = next((mark for mark in after if mark.phoneme != ""), None)
    return following is not None and following.phoneme is not None
