# ruff: noqa: RUF001  (text in other scripts is what these tests are about)
import pytest

from common.languages import (
    chinese_nouns,
    is_unspaced,
    japanese_nouns,
    join_words,
    primary_language,
    screen_width,
    split_words,
)

JAPANESE = "私は昨日、古い灯台でiPhone 15を見た。「海」が綺麗だった！"
CHINESE = "我昨天在古老的灯塔看到了大海。"


def test_japanese_is_split_into_dictionary_words_with_punctuation_attached() -> None:
    # Given a Japanese sentence with no spaces, a Latin name and brackets
    # When it is split into words
    words = split_words(JAPANESE, "ja")

    # Then the words are the dictionary's, and punctuation stays with its word
    assert words[:6] == ["私", "は", "昨日、", "古い", "灯台", "で"]
    assert "「海」" in words
    assert words[-1] == "た！"


def test_chinese_is_split_into_dictionary_words() -> None:
    # Given a Chinese sentence
    # When it is split into words
    words = split_words(CHINESE, "zh-Hans-CN")

    # Then multi-character words stay whole
    assert "灯塔" in words and "昨天" in words and words[-1] == "大海。"


def test_thai_is_split_into_dictionary_words() -> None:
    # Given a Thai phrase: "the old lighthouse stands on the cliff"
    # When it is split into words, Then they are whole dictionary words
    assert split_words("ประภาคารเก่าตั้งอยู่บนหน้าผา", "th") == [
        "ประภาคาร",
        "เก่า",
        "ตั้งอยู่",
        "บน",
        "หน้าผา",
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (JAPANESE, "ja"),
        (CHINESE, "zh"),
        ("ทะเลสวยมาก", "th"),
        ("Море было тихим, а маяк светил.", "ru-RU"),
        ("كان البحر هادئا.", "ar"),
        ("The sea was calm.", None),
    ],
)
def test_joined_words_are_the_text_exactly(text: str, language: str | None) -> None:
    # Given a text in a language, with or without spaces between its words
    # When it is split into words and joined again
    joined = join_words(split_words(text, language), language)

    # Then nothing was inserted or lost
    assert joined == text


def test_a_job_without_a_language_is_english_and_split_by_spaces() -> None:
    # Given no language
    # Then the text is English: split at spaces, joined with them
    assert primary_language(None) == "en"
    assert not is_unspaced(None)
    assert split_words("Dr. Smith paid $42.", None) == ["Dr.", "Smith", "paid", "$42."]


def test_wide_characters_take_two_columns() -> None:
    assert screen_width("海 sea") == 6


def test_nouns_come_from_the_dictionary() -> None:
    # Given Japanese and Chinese sentences about a lighthouse and the sea
    # Then their nouns are found, without time words ("昨日") or pronouns ("私")
    assert japanese_nouns("私は昨日、古い灯台で海を見た。") == ["灯台", "海"]
    assert chinese_nouns(CHINESE) == ["灯塔", "大海"]
