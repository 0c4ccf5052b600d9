from common.documents import Word
from svc_captions.grouping import group_words


def _words(*timed: tuple[str, float, float]) -> list[Word]:
    return [Word(text=text, start=start, end=end) for text, start, end in timed]


def test_groups_break_at_sentence_ends_and_pauses() -> None:
    # Given words with a sentence end after "ran." and a long pause before "Later"
    words = _words(
        ("The", 0.0, 0.2), ("fox", 0.2, 0.4), ("ran.", 0.4, 0.7),
        ("It", 0.8, 0.9), ("hid", 0.9, 1.1),
        ("Later", 2.0, 2.3), ("it", 2.3, 2.4), ("slept", 2.4, 2.8), ("well", 2.8, 3.0),
    )  # fmt: skip

    # When they are grouped three at most
    groups = group_words(words, max_words=3)

    # Then groups follow the speech's breaks and never exceed three words
    assert [g.text for g in groups] == ["The fox ran.", "It hid", "Later it slept", "well"]
    assert (groups[0].start, groups[0].end) == (0.0, 0.7)


def test_titles_do_not_end_a_sentence_and_closing_quotes_do_not_hide_one() -> None:
    # Given a title with a full stop, and a sentence ending inside quotation marks
    words = _words(
        ("Dr.", 0.0, 0.3), ("Hart", 0.35, 0.6), ("said", 0.65, 0.9),
        ('"Hello."', 0.95, 1.3), ("Then", 1.35, 1.6), ("left.", 1.65, 2.0),
    )  # fmt: skip

    # When they are grouped
    groups = group_words(words, max_words=3)

    # Then "Dr." stays with the name and the quoted sentence ends its group
    assert [g.text for g in groups] == ["Dr. Hart said", '"Hello."', "Then left."]
