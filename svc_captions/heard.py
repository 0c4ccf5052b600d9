"""What each timing source says was spoken, and when: a list of words by sound."""

from dataclasses import dataclass

from common.documents import SpeechTiming, Word
from svc_captions.phonemes import Phonemizer, sound_key, word_ranges


@dataclass(frozen=True)
class HeardWord:
    sound: str  # a sound key (see phonemes.sound_key)
    start: float
    end: float
    # Which word of the source this sound was heard in: whisper's "$42" is three sounds of
    # one word, and their order need not be the order they were spoken in.
    heard_in: int


def heard_in_timing(timing: SpeechTiming) -> list[HeardWord]:
    """The words the voice spoke, timed by its own phoneme alignment."""
    heard: list[HeardWord] = []
    for sentence in timing.sentences:
        phonemes = sentence.phonemes
        for word in word_ranges([timed.phoneme for timed in phonemes]):
            sound = sound_key([phonemes[index].phoneme for index in word])
            if sound:
                start, end = phonemes[word[0]].start, phonemes[word[-1]].end
                heard.append(HeardWord(sound, start, end, heard_in=len(heard)))
    return heard


def heard_in_transcript(recognised: list[Word], phonemizer: Phonemizer) -> list[HeardWord]:
    """The words whisper recognised, each split into the spoken words its spelling stands for.

    Whisper writes "forty two" as ``42``: its one timed word becomes two sounds, sharing its
    time in proportion to their length.
    """
    heard: list[HeardWord] = []
    sounds_of_words = phonemizer.sounds([word.text for word in recognised])
    for index, (word, sounds) in enumerate(zip(recognised, sounds_of_words, strict=True)):
        total = sum(len(sound) for sound in sounds)
        start = word.start
        for sound in sounds:
            end = start + (word.end - word.start) * len(sound) / total
            heard.append(HeardWord(sound, start, end, heard_in=index))
            start = end
    return heard


def by_phoneme(heard: list[HeardWord]) -> list[HeardWord]:
    """Each heard word cut into its phonemes, sharing its time, still heard in that word.

    In a language written without spaces the text's words (a tokenizer's) and the voice's
    words (espeak-ng's) are cut in different places; matched phoneme by phoneme, each text
    word takes the time of the sounds that are its own.
    """
    phonemes: list[HeardWord] = []
    for word in heard:
        step = (word.end - word.start) / len(word.sound)
        for index, phoneme in enumerate(word.sound):
            start = word.start + index * step
            phonemes.append(HeardWord(phoneme, start, start + step, word.heard_in))
    return phonemes
