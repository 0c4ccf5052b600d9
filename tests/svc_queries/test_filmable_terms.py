"""Offline English search terms name things someone could film, the best pictures first."""

import re
from pathlib import Path

import pytest

from svc_queries.keywords import keyword_terms, search_terms

STORY = (Path(__file__).parents[2] / "bench" / "story.txt").read_text(encoding="utf-8")
STORY_SENTENCES = re.split(r"(?<=[.!?])\s+", " ".join(STORY.split()))
# The story cut every ten words, as four-second segments cut it mid-sentence.
STORY_WORDS = STORY.split()
STORY_CHUNKS = [" ".join(STORY_WORDS[i : i + 10]) for i in range(0, len(STORY_WORDS), 10)]
# The sentences of the story that pictured the wrong things.
ISSUE_SENTENCES = [
    "By noon, the market square was full of voices.",
    "The children were chasing gulls and collecting shells all summer.",
    "Fishermen carried baskets of silver fish.",
    "At the edge of a quiet fishing village stood an old lighthouse that had not been lit "
    "for twenty years.",
    "The wind tore across the harbour and the waves rose higher than the rooftops.",
    "A beam of golden light swept across the water.",
    "He waited at the corner.",
]
UNFILMABLE = {"edge", "corner", "summer", "rose higher", "rose", "years", "beam", "noon"}
TIME_WORDS = ["noon", "summer", "years", "morning", "evening", "week", "moment", "autumn"]
URL_SAFE_TERM = re.compile(r"[A-Za-z0-9][A-Za-z0-9 '-]{0,59}")


def _terms_of(texts: list[str]) -> list[list[str]]:
    return keyword_terms(texts, STORY)


def test_the_bench_story_segments_name_no_unfilmable_word() -> None:
    # Given the bench story, cut by sentence and cut every ten words
    for texts in (STORY_SENTENCES, STORY_CHUNKS):
        # When each piece gets its terms
        terms = _terms_of(texts)

        # Then no piece's terms hold a time, a bare part of a thing or a verb
        assert not {term for piece in terms for term in piece} & UNFILMABLE


def test_the_issue_sentences_get_the_things_in_them() -> None:
    # Given the sentences whose terms named times, parts and verbs
    # When they get their terms
    terms = keyword_terms(ISSUE_SENTENCES, " ".join(ISSUE_SENTENCES))

    # Then each names the things in it, and nothing unfilmable
    assert terms[0] == ["market square"]  # not "noon", and voices are not seen
    assert set(terms[1]) == {"children", "gulls", "shells"}
    assert set(terms[2]) == {"fishermen", "baskets", "silver fish"}
    assert terms[3] == ["fishing village", "old lighthouse"]
    assert "rose higher" not in terms[4] and "waves" in terms[4]
    assert terms[5] == ["golden light", "water"]
    assert not {term for sentence in terms for term in sentence} & UNFILMABLE


@pytest.mark.parametrize("time_word", TIME_WORDS)
def test_a_time_word_is_never_a_term_on_its_own(time_word: str) -> None:
    # Given sentences where a time is said alone, with a plain word in front, and beside a thing
    texts = [
        f"The {time_word} came at last.",
        f"It was an early {time_word}.",
        f"Every {time_word} the boats left the harbour.",
    ]

    # When they get their terms
    terms = keyword_terms(texts, " ".join(texts))

    # Then the time is none of them, and the thing beside it is
    assert not {term for sentence in terms for term in sentence} & {time_word}
    assert "boats" in terms[2]


def test_a_time_or_a_part_is_a_term_where_a_visible_word_says_what_to_film() -> None:
    assert search_terms("He waited at the street corner.") == ["street corner"]
    assert search_terms("They walked out on a rainy morning.") == ["rainy morning"]
    assert search_terms("She stood at the edge of the cliff.") == ["cliff"]
    assert search_terms("He waited in the corner on a summer morning.") == []


def test_a_concrete_noun_ranks_before_an_abstract_one() -> None:
    # Given a sentence naming an abstract thing first, then a concrete one
    # When it gets its terms
    terms = search_terms("The legend of the lighthouse.")

    # Then the lighthouse, which footage can show, comes first
    assert terms == ["lighthouse", "legend"]


def test_a_described_thing_ranks_before_a_bare_one() -> None:
    assert search_terms("With trembling hands she lit the great lamp.") == ["great lamp", "hands"]


def test_sounds_and_feelings_are_no_terms() -> None:
    assert search_terms("The voices and the music filled the hall with joy.") == ["hall"]


def test_a_verb_that_is_also_a_noun_is_read_by_where_it_stands() -> None:
    assert search_terms("The waves rose higher than the rooftops.") == ["rooftops", "waves"]
    assert search_terms("She picked a red rose.") == ["red rose"]


def test_terms_are_url_safe_and_one_to_three_per_segment() -> None:
    # Given every way the bench story and the issue's sentences are cut
    for texts in (STORY_SENTENCES, STORY_CHUNKS, ISSUE_SENTENCES, TIME_WORDS):
        # When they get their terms
        terms = _terms_of(texts)

        # Then every piece has one to three terms, each safe in a URL query
        assert len(terms) == len(texts)
        for piece in terms:
            assert 1 <= len(piece) <= 3
            assert all(URL_SAFE_TERM.fullmatch(term) for term in piece), piece
