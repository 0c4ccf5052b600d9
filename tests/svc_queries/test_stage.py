import itertools

from common.documents import CaptionGroup, Captions, Word
from svc_queries.keywords import STOP_WORDS, search_terms
from svc_queries.stage import build_queries


def _captions(*groups: tuple[str, float, float], duration: float) -> Captions:
    caption_groups = []
    for text, start, end in groups:
        words = [Word(text=word, start=start, end=end) for word in text.split()]
        caption_groups.append(CaptionGroup(text=text, start=start, end=end, words=words))
    return Captions(
        duration=duration, words=[w for g in caption_groups for w in g.words], groups=caption_groups
    )


def test_segments_cover_the_narration_with_content_terms() -> None:
    # Given captions of a story about a lighthouse and the sea, nine seconds long
    captions = _captions(
        ("The old lighthouse", 0.2, 1.4), ("stood on the cliff.", 1.5, 3.0),
        ("Waves crashed against", 3.3, 4.6), ("the dark rocks.", 4.6, 6.0),
        ("And then it was over.", 6.3, 8.5),
        duration=9.0,
    )  # fmt: skip
    story = "The old lighthouse stood on the cliff. Waves crashed against the dark rocks."

    # When queries are built with four-second segments
    queries = build_queries(captions, story, segment_seconds=4.0)

    # Then segments run from 0 to the end with no gaps
    segments = queries.segments
    assert (segments[0].start, segments[-1].end) == (0.0, 9.0)
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))
    # And each has one to three terms, none of them a stop word
    assert all(1 <= len(s.terms) <= 3 for s in segments)
    assert not {t for s in segments for t in s.terms} & STOP_WORDS
    assert "lighthouse" in segments[0].terms


def test_a_segment_without_content_words_uses_the_story_subject() -> None:
    # Given a story whose last sentence has only stop words
    captions = _captions(
        ("Dragons dragons dragons", 0.0, 3.0), ("fly high.", 3.0, 4.5),
        ("And it was so.", 5.0, 9.0),
        duration=9.5,
    )  # fmt: skip

    # When queries are built
    queries = build_queries(captions, "Dragons dragons dragons fly high. And it was so.", 4.0)

    # Then the empty segment falls back to the story's main subject
    assert queries.segments[-1].terms == ["dragons"]


def test_search_terms_rank_frequent_and_long_words_first() -> None:
    assert search_terms("the forest and the forest river at night") == ["forest", "river", "night"]
