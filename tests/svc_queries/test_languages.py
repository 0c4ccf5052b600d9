# ruff: noqa: RUF001  (text in other scripts is what these tests are about)
"""Search terms for stories in other languages, offline."""

from pathlib import Path
from urllib.parse import quote

import pytest

from common.documents import Queries, load_document
from common.messages import JobOptions
from svc_queries.keywords import LAST_RESORT_TERM, content_terms, keyword_terms, main_subject
from svc_queries.settings import QueriesSettings
from svc_queries.stage import QueriesStage
from tests.svc_queries.jobs import (
    LIGHTHOUSE_KEYWORD_TERMS,
    LIGHTHOUSE_SEGMENT_TEXTS,
    LIGHTHOUSE_STORY,
    job_with_captions,
)

JAPANESE_STORY = "私は昨日、古い灯台で海を見た。海はとても綺麗だった。"
JAPANESE_GROUPS = [
    ("私は昨日、", 0.2, 1.0), ("古い灯台で海を見た。", 1.1, 3.6),
    ("海はとても綺麗だった。", 3.9, 6.0),
]  # fmt: skip


def test_japanese_terms_are_the_nouns_the_dictionary_names() -> None:
    # Given a Japanese text about a lighthouse and the sea, yesterday
    # When its terms are found
    terms = content_terms(JAPANESE_STORY, "ja")

    # Then they are its nouns, the most mentioned first, without the time word "昨日"
    assert terms == ["海", "灯台"]


def test_chinese_terms_are_nouns() -> None:
    assert content_terms("我昨天在古老的灯塔看到了大海。", "zh-Hans-CN") == ["灯塔", "大海"]


@pytest.mark.parametrize(
    ("text", "language", "expected", "stop_words"),
    [
        (
            "Старый маяк стоял на скале, и маяк светил всю ночь.",
            "ru",
            "маяк",
            ["всю", "на", "и"],
        ),
        ("Ο φάρος ήταν πάνω στον βράχο και ο φάρος έλαμπε.", "el", "φάρος", ["και", "πάνω"]),
        ("كان البحر هادئا، وكان البحر أزرق في الليل.", "ar", "البحر", ["كان", "في"]),
        ("समुद्र बहुत शांत था और समुद्र नीला था।", "hi", "समुद्र", ["और", "बहुत"]),
        ("ประภาคารเก่าตั้งอยู่บนหน้าผา ประภาคารส่องแสง", "th", "ประภาคาร", ["บน"]),
    ],
)
def test_stop_words_are_left_out_and_the_most_mentioned_word_comes_first(
    text: str, language: str, expected: str, stop_words: list[str]
) -> None:
    # Given a text in a language with spaces, naming one thing twice
    # When its terms are found
    terms = content_terms(text, language)

    # Then the thing mentioned twice leads, and the language's stop words are no terms
    assert terms[0] == expected
    assert not set(terms) & set(stop_words)


def test_arabic_and_is_not_part_of_a_term() -> None:
    # "والمنارة" is "and the lighthouse": the term is "the lighthouse"
    assert content_terms("والمنارة القديمة", "ar")[0] == "المنارة"


def test_terms_are_safe_in_a_url_query() -> None:
    # Given text full of characters that mean something in a URL
    text = "Маяк&маяк? #маяк% скала+волна/ночь=тьма"

    # When its terms are found
    terms = content_terms(text, "ru")

    # Then no term has any of them: each percent-encodes as letters only
    assert terms
    assert all(set("&?#%+/=").isdisjoint(term) for term in terms)
    assert all(quote(term, safe="") == quote(term, safe="-'") for term in terms)


def test_a_text_with_no_words_gets_the_stories_subject_or_the_last_resort() -> None:
    assert keyword_terms(["。。。"], JAPANESE_STORY, "ja") == [["海"]]
    assert main_subject("…", "ru") == LAST_RESORT_TERM


def test_no_language_is_english() -> None:
    # Given the English story, with and without saying it is English
    texts = LIGHTHOUSE_SEGMENT_TEXTS

    # Then the terms are the same English noun phrases
    assert keyword_terms(texts, LIGHTHOUSE_STORY, None) == LIGHTHOUSE_KEYWORD_TERMS
    assert keyword_terms(texts, LIGHTHOUSE_STORY, "en-GB") == LIGHTHOUSE_KEYWORD_TERMS


def test_a_japanese_job_gets_segments_without_inserted_spaces_and_japanese_terms(
    tmp_path: Path,
) -> None:
    # Given captions of a Japanese story, in three groups
    job, paths = job_with_captions(
        tmp_path, "qja", JAPANESE_STORY, JAPANESE_GROUPS, 6.5, JobOptions(language="ja")
    )
    stage = QueriesStage(QueriesSettings(data_dir=tmp_path, segment_seconds=3.0))

    # When the stage runs with the keyword extractor
    stage.run(job, paths, lambda note: None)

    # Then the segments' texts are the story as written, and their terms its nouns
    segments = load_document(Queries, paths.queries).segments
    assert "".join(s.text for s in segments) == JAPANESE_STORY
    assert [s.terms for s in segments] == [["灯台", "海"], ["海"]]
