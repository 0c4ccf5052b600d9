"""Cutting a text into pieces a voice speaks in bounded memory."""

import re
import unicodedata

import pytest

from common.narration import spoken_seconds
from svc_tts.pieces import Piece, spoken_pieces

PROSE = (
    "At the edge of a quiet fishing village stood an old lighthouse. Every evening, a girl "
    "named Mara climbed the hill behind her house to watch the ships pass far out at sea! "
)
NUMBERS = ", ".join(str(n * 7919 % 10**7) for n in range(1, 400))
UNPUNCTUATED = re.sub(r"[^\w\s]", "", PROSE * 20)
JAPANESE = "今日はとても良い天気ですね、公園に散歩に行きましょう。" * 40
LONG_WORD = "a" * 3000
COMBINING = "e\u0301" * 500  # é as e and a combining acute accent, with no space


def assert_is_cut_from(pieces: list[Piece], text: str) -> None:
    """The pieces are slices of the text, in order, with only whitespace between them."""
    position = 0
    for piece in pieces:
        found = text.index(piece.text, position)
        assert text[position:found].strip() == ""
        position = found + len(piece.text)
    assert text[position:].strip() == ""


@pytest.mark.parametrize(
    "text", [PROSE * 20, NUMBERS, UNPUNCTUATED, JAPANESE, LONG_WORD, COMBINING]
)
def test_every_piece_is_short_and_no_text_is_lost(text: str) -> None:
    # Given a long text of some kind, When it is cut for a limit of 5 s a piece
    pieces = list(spoken_pieces(text, max_seconds=5.0))

    # Then every piece takes at most 5 s to say, and together they are the whole text
    assert len(pieces) > 1
    assert all(spoken_seconds(piece.text) <= 5.0 for piece in pieces)
    assert_is_cut_from(pieces, text)
    # And no piece begins with a mark that belongs to the character before it
    assert not any(unicodedata.combining(piece.text[0]) for piece in pieces)


def test_a_text_that_fits_is_one_piece() -> None:
    pieces = list(spoken_pieces("The fox ran. The river was cold."))
    assert pieces == [Piece("The fox ran. The river was cold.", ends_sentence=True)]


def test_a_slower_rate_makes_more_pieces() -> None:
    # Given a text, When it is cut for the voice's own pace and for half of it
    at_own_pace = list(spoken_pieces(UNPUNCTUATED, speaking_rate=1.0, max_seconds=5.0))
    slower = list(spoken_pieces(UNPUNCTUATED, speaking_rate=0.5, max_seconds=5.0))

    # Then the slower speech, which takes longer to say, needs more and shorter pieces
    assert len(slower) > len(at_own_pace)


def test_a_cut_falls_at_a_sentence_end_before_a_comma() -> None:
    # Given a text of about 3.8 s with a full stop and, later, a comma
    text = "one two three. four five six, seven eight nine ten eleven twelve thirteen"

    # When it is cut for 3 s a piece
    pieces = list(spoken_pieces(text, max_seconds=3.0))

    # Then the first piece ends at the full stop, a sentence's end
    assert pieces == [
        Piece("one two three.", ends_sentence=True),
        Piece("four five six, seven eight nine ten eleven twelve thirteen", ends_sentence=True),
    ]


def test_a_cut_falls_at_a_comma_before_a_space() -> None:
    # Given a text with no full stop but a comma
    text = "one two three four five, six seven eight nine ten eleven twelve thirteen"

    # When it is cut for 3 s a piece
    pieces = list(spoken_pieces(text, max_seconds=3.0))

    # Then the cut follows the comma, and the piece does not end a sentence (no pause after)
    assert pieces[0] == Piece("one two three four five,", ends_sentence=False)
    assert pieces[-1].ends_sentence


def test_a_text_without_punctuation_is_cut_at_a_space() -> None:
    # Given words and no punctuation at all
    text = " ".join(["word"] * 25)

    # When it is cut for 3 s a piece (10 words of 0.29 s)
    pieces = list(spoken_pieces(text, max_seconds=3.0))

    # Then each piece is whole words, as many as fit
    assert [len(piece.text.split()) for piece in pieces] == [10, 10, 5]
    assert [piece.ends_sentence for piece in pieces] == [False, False, True]


def test_text_without_spaces_is_cut_after_its_own_marks() -> None:
    # Given Japanese, which has no spaces, with its comma and full stop
    # When it is cut for 5 s a piece
    pieces = list(spoken_pieces(JAPANESE, max_seconds=5.0))

    # Then every cut follows one of its marks
    assert all(piece.text[-1] in "、。" for piece in pieces)
    assert [piece.ends_sentence for piece in pieces].count(True) >= len(pieces) // 2
