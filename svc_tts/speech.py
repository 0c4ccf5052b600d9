"""What every voice backend produces: a WAV written sentence by sentence, and its timing."""

import wave
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from common.artifacts import atomic_path
from common.documents import SpeechTiming, SpokenSentence, TimedPhoneme
from common.errors import StageError


@dataclass(frozen=True)
class SpokenChunk:
    """One sentence of audio, and its phonemes with their lengths when the voice knows them."""

    audio: np.ndarray  # int16 mono
    phonemes: list[tuple[str, int]] | None  # (phoneme, samples)


@dataclass(frozen=True)
class Speech:
    seconds: float
    timing: SpeechTiming | None  # None when the backend cannot say when it spoke what


class Voice(Protocol):
    """A loaded voice of some backend, ready to speak."""

    sample_rate: int

    def speak(self, text: str, speaking_rate: float) -> Iterable[SpokenChunk]:
        """Yield the text's audio sentence by sentence, so memory stays flat."""
        ...


def check_speakable(text: str) -> None:
    # Speech engines read symbols and emoji aloud by name; a text without a single letter
    # or digit would come out as "exclamation mark" or "smiling face", never as the story.
    if not any(character.isalnum() for character in text):
        raise StageError("the text has nothing the voice can speak (no letters or digits)")


def write_speech(
    voice: Voice, text: str, target: Path, sentence_pause: float, speaking_rate: float
) -> Speech:
    """Speak ``text`` into a mono 16-bit WAV at ``target``, with a pause between sentences."""
    check_speakable(text)
    rate = voice.sample_rate
    pause = np.zeros(int(sentence_pause * rate), dtype=np.int16)
    sentences: list[SpokenSentence] = []
    samples = 0
    timed = True
    with _wav_writer(target, rate) as wav:
        for index, chunk in enumerate(voice.speak(text, speaking_rate)):
            if index:
                wav.writeframes(pause.tobytes())
                samples += len(pause)
            wav.writeframes(chunk.audio.tobytes())
            if chunk.phonemes is None:
                timed = False
            else:
                sentences.append(_timed_sentence(chunk.phonemes, samples, len(chunk.audio), rate))
            samples += len(chunk.audio)
        if samples == 0:
            raise StageError("the text has nothing the voice can speak")
    timing = SpeechTiming(sentences=sentences) if timed and sentences else None
    return Speech(seconds=samples / rate, timing=timing)


@contextmanager
def _wav_writer(target: Path, sample_rate: int) -> Iterator[wave.Wave_write]:
    with atomic_path(target) as temporary, wave.open(str(temporary), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        yield wav


def _timed_sentence(
    phonemes: list[tuple[str, int]], offset: int, length: int, rate: int
) -> SpokenSentence:
    timed = []
    position = offset
    for phoneme, samples in phonemes:
        timed.append(
            TimedPhoneme(phoneme=phoneme, start=position / rate, end=(position + samples) / rate)
        )
        position += samples
    return SpokenSentence(start=offset / rate, end=(offset + length) / rate, phonemes=timed)
