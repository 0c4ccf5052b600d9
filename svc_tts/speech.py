"""What every voice backend produces: a WAV written sentence by sentence, and its timing."""

import dataclasses
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
    # False where a long sentence was cut (see svc_tts.pieces): no pause belongs after it.
    ends_sentence: bool = True


@dataclass(frozen=True)
class TimedChunk:
    """When one chunk was spoken, kept small: a long narration has 100,000s of phonemes,
    which as documents would take more memory than the voice itself."""

    offset: int  # samples of audio before it
    length: int
    phonemes: tuple[str, ...]
    samples: np.ndarray  # int32, the length of each phoneme

    def sentence(self, rate: int) -> SpokenSentence:
        ends = self.offset + np.cumsum(self.samples, dtype=np.int64)
        starts = ends - self.samples
        return SpokenSentence(
            start=self.offset / rate,
            end=(self.offset + self.length) / rate,
            phonemes=[
                TimedPhoneme(phoneme=phoneme, start=start / rate, end=end / rate)
                for phoneme, start, end in zip(
                    self.phonemes, starts.tolist(), ends.tolist(), strict=True
                )
            ],
        )


@dataclass(frozen=True)
class Speech:
    seconds: float
    sample_rate: int
    # None when the backend cannot say when it spoke what.
    timed_chunks: list[TimedChunk] | None

    @property
    def timing(self) -> SpeechTiming | None:
        """The whole timing as one document (:meth:`save_timing` writes it in flat memory)."""
        if self.timed_chunks is None:
            return None
        return SpeechTiming(
            sentences=[chunk.sentence(self.sample_rate) for chunk in self.timed_chunks]
        )

    def save_timing(self, target: Path) -> None:
        """Write the timing as a SpeechTiming document, a sentence at a time."""
        assert self.timed_chunks is not None, "only speech with a timing has one to save"
        with atomic_path(target) as temporary, temporary.open("w") as document:
            document.write('{"sentences": [')
            for index, chunk in enumerate(self.timed_chunks):
                document.write(
                    ("," if index else "") + chunk.sentence(self.sample_rate).model_dump_json()
                )
            document.write("]}")


class Voice(Protocol):
    """A loaded voice of some backend, ready to speak."""

    sample_rate: int

    def speak(self, text: str, speaking_rate: float) -> Iterable[SpokenChunk]:
        """Yield the text's audio sentence by sentence, so memory stays flat."""
        ...


def ending_piece(chunks: Iterable[SpokenChunk], ends_sentence: bool) -> Iterator[SpokenChunk]:
    """The chunks a voice spoke for one piece of the text, the last one ending as the piece does."""
    previous: SpokenChunk | None = None
    for chunk in chunks:
        if previous is not None:
            yield previous
        previous = chunk
    if previous is not None:
        yield dataclasses.replace(previous, ends_sentence=ends_sentence)


def check_speakable(text: str) -> None:
    # Speech engines read symbols and emoji aloud by name; a text without a single letter
    # or digit would come out as "exclamation mark" or "smiling face", never as the story.
    if not any(character.isalnum() for character in text):
        raise StageError("the text has nothing the voice can speak (no letters or digits)")


def write_speech(
    voice: Voice,
    text: str,
    target: Path,
    sentence_pause: float,
    speaking_rate: float,
    max_seconds: float = float("inf"),
) -> Speech:
    """Speak ``text`` into a mono 16-bit WAV at ``target``, with a pause between sentences.

    Speech that runs past ``max_seconds`` fails the stage as soon as it does, and no file
    is left behind.
    """
    check_speakable(text)
    rate = voice.sample_rate
    pause = np.zeros(int(sentence_pause * rate), dtype=np.int16)
    timed_chunks: list[TimedChunk] | None = []
    samples = 0
    pause_due = False
    with _wav_writer(target, rate) as wav:
        for chunk in voice.speak(text, speaking_rate):
            if pause_due:
                wav.writeframes(pause.tobytes())
                samples += len(pause)
            pause_due = chunk.ends_sentence
            wav.writeframes(chunk.audio.tobytes())
            if chunk.phonemes is None:
                timed_chunks = None
            elif timed_chunks is not None:
                timed_chunks.append(_timed_chunk(chunk.phonemes, samples, len(chunk.audio)))
            samples += len(chunk.audio)
            if samples > max_seconds * rate:
                raise StageError(
                    f"the narration reached {samples / rate:.0f} s, over the limit of "
                    f"{max_seconds:g} s (T2V_MAX_VIDEO_SECONDS)"
                )
        if samples == 0:
            raise StageError("the text has nothing the voice can speak")
    return Speech(seconds=samples / rate, sample_rate=rate, timed_chunks=timed_chunks or None)


@contextmanager
def _wav_writer(target: Path, sample_rate: int) -> Iterator[wave.Wave_write]:
    with atomic_path(target) as temporary, wave.open(str(temporary), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        yield wav


def _timed_chunk(phonemes: list[tuple[str, int]], offset: int, length: int) -> TimedChunk:
    return TimedChunk(
        offset=offset,
        length=length,
        phonemes=tuple(phoneme for phoneme, _ in phonemes),
        samples=np.array([samples for _, samples in phonemes], dtype=np.int32),
    )
