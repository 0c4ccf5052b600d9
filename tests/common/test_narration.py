"""Estimating how long a text takes to speak, from the text alone."""

import pytest

from common.narration import SECONDS_PER_WORD, spoken_seconds

STORY = "The old man sat by the sea and read a book."


def test_ordinary_words_take_the_voice_s_time_per_word() -> None:
    # Given 11 ordinary words, When they are estimated, Then each takes a word's time
    assert spoken_seconds(STORY) == pytest.approx(11 * SECONDS_PER_WORD)


def test_a_number_counts_as_the_words_it_is_read_as() -> None:
    # Given a number read as "one million two hundred thirty four thousand ..." (3.9 s by
    # the bundled voice), When it is estimated
    seconds = spoken_seconds("1234567")

    # Then it takes about as long as a dozen words, not as one
    assert 3.0 < seconds < 4.5
    # And a very long run of digits, read digit by digit, grows by about a word a digit
    assert spoken_seconds("9" * 115) - spoken_seconds("9" * 15) == pytest.approx(
        100 * 0.9 * SECONDS_PER_WORD
    )


def test_text_without_spaces_is_estimated_by_its_characters() -> None:
    # Given Japanese, written with no spaces between words
    sentence = "今日はとても良い天気ですね"

    # When it is estimated, Then each character counts, not the one "word" it looks like
    assert spoken_seconds(sentence) == pytest.approx(len(sentence) * 0.2)
    assert spoken_seconds(sentence * 10) == pytest.approx(10 * spoken_seconds(sentence))


def test_a_long_word_takes_longer_than_a_short_one() -> None:
    assert spoken_seconds("cat") == spoken_seconds("a") == SECONDS_PER_WORD
    assert spoken_seconds("a" * 600) == pytest.approx(100 * SECONDS_PER_WORD)


def test_punctuation_alone_is_not_spoken() -> None:
    assert spoken_seconds("... !!! -- ,") == 0


def test_a_faster_rate_shortens_speech_less_than_in_proportion() -> None:
    # Given one text at the voice's own pace, half of it and twice it
    own, slow, fast = (spoken_seconds(STORY, rate) for rate in (1.0, 0.5, 2.0))

    # Then, as the bundled voice does, half the rate takes about 1.7 times as long and
    # twice the rate about 0.6 times
    assert slow / own == pytest.approx(1.7, abs=0.05)
    assert fast / own == pytest.approx(0.6, abs=0.05)
