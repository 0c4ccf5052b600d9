import pytest

from common.errors import ModelUnavailable
from svc_captions.phonemes import Phonemizer, sound_key, word_ranges


def test_a_token_sounds_as_the_words_a_voice_says_for_it() -> None:
    # Given tokens as users write them
    phonemizer = Phonemizer("en-us")

    # When each is sounded out on its own
    dr, number, ampersand, percent, dash, quoted = phonemizer.sounds(
        ["Dr.", "42", "&", "10%", "-", '"Hello,"']
    )

    # Then numbers and symbols become the words spoken for them, punctuation none
    assert len(dr) == 1
    assert len(number) == 2  # forty two
    assert len(ampersand) == 1  # and
    assert len(percent) == 2  # ten percent
    assert dash == []
    assert quoted == phonemizer.sounds(["hello"])[0]


def test_stress_and_length_marks_do_not_change_a_words_sound() -> None:
    # Given the same word spoken stressed and unstressed
    # When their sound keys are taken, Then they are the same
    stressed = ["\N{MODIFIER LETTER VERTICAL LINE}", "æ", "n", "d"]
    assert sound_key(stressed) == sound_key(["æ", "n", "d"]) == "ænd"


def test_spoken_words_are_split_at_spaces_pauses_and_sentence_bounds() -> None:
    # Given a sentence as the voice reports it, with its boundary and pause phonemes
    phonemes = ["^", "h", "i", ",", " ", "w", "ɛ", "n", "t", ".", "$"]

    # When it is split into words
    words = [[phonemes[i] for i in word] for word in word_ranges(phonemes)]

    # Then only the sounds of the words remain
    assert words == [["h", "i"], ["w", "ɛ", "n", "t"]]


def test_an_espeak_voice_that_is_not_there_is_refused_at_once() -> None:
    # Given a setting naming a voice espeak-ng does not have
    # When the phonemizer is made, Then it says which setting to change
    with pytest.raises(ModelUnavailable, match="T2V_ESPEAK_VOICE"):
        Phonemizer("xx-nowhere")
