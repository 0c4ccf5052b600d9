from svc_captions.alignment import match_tokens, text_tokens, timed_tokens
from svc_captions.heard import HeardWord
from svc_captions.phonemes import Phonemizer

PHONEMIZER = Phonemizer("en-us")


def _heard(*timed: tuple[str, float, float]) -> list[HeardWord]:
    """Words as a timing source reports them: spelled its way, sounded out, with times."""
    heard = []
    for index, (text, start, end) in enumerate(timed):
        (sound,) = PHONEMIZER.sounds([text])[0]
        heard.append(HeardWord(sound, start, end, heard_in=index))
    return heard


def test_a_token_spoken_as_several_words_spans_all_of_them() -> None:
    # Given "42" in the text, heard as "forty" and "two"
    tokens = text_tokens("He paid 42 dollars.")
    heard = _heard(
        ("he", 0.0, 0.2), ("paid", 0.25, 0.5), ("forty", 0.55, 0.9), ("two", 0.95, 1.2),
        ("dollars", 1.25, 1.7),
    )  # fmt: skip

    # When the tokens are timed
    words = timed_tokens(tokens, PHONEMIZER.sounds(tokens), heard, duration=2.0)

    # Then each keeps its spelling, and "42" runs from "forty" to "two"
    assert [(w.text, w.start, w.end) for w in words] == [
        ("He", 0.0, 0.2), ("paid", 0.25, 0.5), ("42", 0.55, 1.2), ("dollars.", 1.25, 1.7),
    ]  # fmt: skip


def test_misheard_words_share_the_time_they_were_heard_in() -> None:
    # Given a name heard as two other words ("Mara" as "more uh")
    tokens = text_tokens("Mara ran home")
    heard = _heard(("more", 0.0, 0.3), ("uh", 0.3, 0.4), ("ran", 0.5, 0.8), ("home", 0.9, 1.3))

    # When the tokens are matched to what was heard
    spans = match_tokens(PHONEMIZER.sounds(tokens), heard)

    # Then the name takes the whole misheard stretch, the rest their own words
    assert [(s.start, s.end) if s else None for s in spans] == [
        (0.0, 0.4), (0.5, 0.8), (0.9, 1.3),
    ]  # fmt: skip


def test_a_word_nobody_heard_is_placed_between_its_neighbours() -> None:
    # Given "big" in the text and a gap where it was said but nothing heard there
    tokens = text_tokens("the big park")
    heard = _heard(("the", 0.0, 0.2), ("park", 0.6, 1.0))

    # When the tokens are timed
    the, big, park = timed_tokens(tokens, PHONEMIZER.sounds(tokens), heard, duration=1.5)

    # Then "big" fills the gap
    assert (big.start, big.end) == (0.2, 0.6)
    assert (the.end, park.start) == (0.2, 0.6)


def test_tokens_heard_as_one_word_share_it_in_the_texts_order() -> None:
    # Given "42 dollars" heard as whisper writes it, "$42": one word that sounds out
    # as "dollar forty two", though "forty two" was said first
    tokens = text_tokens("paid 42 dollars")
    dollar, forty, two = PHONEMIZER.sounds(["$42"])[0]
    heard = [
        *_heard(("paid", 0.0, 0.3)),
        HeardWord(dollar, 0.3, 0.6, heard_in=1),
        HeardWord(forty, 0.6, 0.9, heard_in=1),
        HeardWord(two, 0.9, 1.1, heard_in=1),
    ]

    # When the tokens are timed
    _, number, dollars = timed_tokens(tokens, PHONEMIZER.sounds(tokens), heard, 2.0)

    # Then "42" takes the whole heard word rather than starting at its "forty" sound, and
    # "dollars", heard in no word of its own, follows it
    assert (number.start, number.end) == (0.3, 1.1)
    assert dollars.start == 1.1
