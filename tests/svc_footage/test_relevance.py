"""Footage chosen by how well a clip's description matches what a segment says."""

from pathlib import Path

import pytest

from common.documents import QuerySegment
from common.settings import Settings
from svc_footage.relevance import (
    NameMatcher,
    WordMatcher,
    matcher_from,
    segment_said,
)
from svc_footage.settings import FootageSettings
from svc_footage.sources import LibrarySource, Slot
from svc_footage.words import stem_of

WORD_FLOOR = WordMatcher.floor

# Clips named as a person names them, for the issue's story.
NAMED_CLIPS = [
    "baskets of fresh fish",
    "desert highway at noon",
    "market square",
    "seagulls flying over the shore",
    "seashells on wet sand",
]


def _best(said: str, descriptions: list[str]) -> str | None:
    """The description the words matcher would choose, or None where all are under its floor."""
    matcher = WordMatcher()
    scores = matcher.scores(said, descriptions)
    best = max(range(len(descriptions)), key=lambda index: scores[index])
    return descriptions[best] if scores[best] >= matcher.floor else None


def _segment(text: str, *terms: str) -> QuerySegment:
    return QuerySegment(start=0.0, end=4.0, text=text, terms=list(terms) or [text])


@pytest.mark.parametrize(
    ("said", "chosen"),
    [
        ("chasing gulls", "seagulls flying over the shore"),
        ("collecting shells", "seashells on wet sand"),
        ("baskets of silver fish", "baskets of fresh fish"),
        ("By noon, the market square was full of voices", "market square"),
    ],
)
def test_the_issues_sentences_find_their_clips(said: str, chosen: str) -> None:
    # Given the issue's folder of clips, When a segment says this, Then this clip is chosen
    assert _best(said, NAMED_CLIPS) == chosen


def test_a_shared_time_of_day_brings_no_clip_about_something_else() -> None:
    # Given the issue's clips without the market square
    clips = [name for name in NAMED_CLIPS if name != "market square"]

    # When the segment shares only "noon" with one of them, Then none is chosen
    assert _best("By noon, the market square was full of voices", clips) is None


def test_plurals_and_inflections_meet() -> None:
    # Given words in their different forms, Then they reduce to the same stem
    for forms in (
        ("basket", "baskets"),
        ("shell", "shells"),
        ("fly", "flies", "flying", "flew"),
        ("city", "cities"),
        ("box", "boxes"),
        ("beach", "beaches"),
        ("leaf", "leaves"),
        ("child", "children"),
        ("run", "running"),
        ("shore", "shores"),
    ):
        assert len({stem_of(form) for form in forms}) == 1, forms
    # And different words stay apart
    assert stem_of("ocean") != stem_of("oceanic")
    assert stem_of("train") != stem_of("rain")


def test_compounds_meet_their_head_and_no_other_ending() -> None:
    matcher = WordMatcher()
    # Given compounds and their heads, When scored, Then they match in both directions
    assert matcher.scores("gulls", ["seagulls"]) == [1.0]
    assert matcher.scores("a sailboat", ["boat"]) == [1.0]
    # And a word that merely ends in another is no compound of it
    assert matcher.scores("rain", ["train", "brain", "grain"]) == [0.0, 0.0, 0.0]
    assert matcher.scores("light", ["flight"]) == [0.0]


@pytest.mark.parametrize(
    ("said", "description"),
    [
        ("at noon", "desert highway at noon"),
        ("late into the night", "city skyline at night"),
        ("one summer morning", "summer morning fields"),
        ("the birds were flying", "kites flying"),
        ("an old memory", "old memory box"),
        ("voices everywhere", "voices of children"),
        ("the edge of the village", "edge of a cliff"),
    ],
)
def test_times_verbs_adjectives_and_abstract_words_never_match_alone(
    said: str, description: str
) -> None:
    # Given a description sharing only such a word with what is said
    # When it is scored, Then it scores nothing
    assert WordMatcher().scores(said, [description]) == [0.0]


def test_a_thing_shared_with_a_description_about_other_things_is_refused() -> None:
    # Given a clip of a street full of things, one of which the segment mentions
    street = "busy city street with cars, buses, pedestrians and a fire truck"
    matcher = WordMatcher()

    # When a segment about a fire in a hearth is scored against it
    (score,) = matcher.scores("The fire crackled in the old stone hearth", [street])

    # Then it shares a word, but scores under the floor
    assert 0 < score < matcher.floor
    # While a clip about the fire itself clears it
    (fire,) = matcher.scores("The fire crackled in the old stone hearth", ["fire in a hearth"])
    assert fire >= matcher.floor


def test_a_time_of_day_adds_to_a_match_of_things() -> None:
    # Given the same square by day and by night
    said = "At night, the market square was empty"

    # When both are scored, Then the one at night scores higher
    by_day, by_night = WordMatcher().scores(said, ["market square", "market square at night"])
    assert by_night > by_day >= WORD_FLOOR


def test_what_a_segment_says_is_its_text_and_its_terms() -> None:
    segment = _segment("The keeper climbed the old lighthouse.", "old lighthouse", "keeper")
    assert segment_said(segment) == (
        "The keeper climbed the old lighthouse.\nold lighthouse\nkeeper"
    )


def test_the_names_matcher_keeps_whole_word_matching_of_terms() -> None:
    # Given the earlier behaviour: a term's words, whole and in order, in the name
    matcher = NameMatcher()
    said = segment_said(_segment("Gulls over the sea at the harbour.", "sea", "harbour"))

    # When names are scored, Then only whole words in order count, 1 or 0
    assert matcher.scores(said, ["calm sea waves", "seagulls", "harbour", "oceanic"]) == [
        1.0,
        0.0,
        1.0,
        0.0,
    ]
    assert matcher.scores("waves ocean", ["ocean waves"]) == [0.0]
    assert matcher.floor == 0.5


def test_the_matcher_is_chosen_by_setting(settings: Settings) -> None:
    def configured(name: str) -> FootageSettings:
        return FootageSettings(data_dir=settings.data_dir, footage_matcher=name)

    # (the meaning matcher's own tests choose it, where its extra is installed)
    assert FootageSettings(data_dir=settings.data_dir).footage_matcher == "words"
    assert matcher_from(configured("words")).name == "words"
    assert matcher_from(configured("names")).name == "names"


def _library(folder: Path, *names: str) -> list[Path]:
    files = []
    for name in names:
        file = folder / name
        file.write_bytes(b"not decoded by the footage stage")
        files.append(file)
    return sorted(files)


def _slot(folder: Path, index: int, segment: QuerySegment) -> Slot:
    return Slot(index, segment, folder / f"clip_{index:03d}")


def test_the_library_chooses_the_most_relevant_fresh_file(tmp_path: Path) -> None:
    # Given a library with two harbour clips and an unrelated one
    library = tmp_path / "library"
    library.mkdir()
    out = tmp_path / "footage"
    out.mkdir()
    _library(library, "a_harbour.mp4", "b_harbour_boats.mp4", "c_desert_road.mp4")
    source = LibrarySource(sorted(library.iterdir()), WordMatcher())
    boats = _segment("Boats rocked in the harbour.", "boats", "harbour")
    harbour = _segment("The harbour was quiet.", "harbour")

    # When three segments ask for clips
    first = source.fill(_slot(out, 0, boats), reuse=False)
    second = source.fill(_slot(out, 1, boats), reuse=False)
    third = source.fill(_slot(out, 2, harbour), reuse=False)

    # Then the best file comes first with its score, then the next best that is fresh,
    # and no file is shown twice while reuse is not allowed
    assert first is not None and second is not None
    assert (first.source, first.term) == ("library:b_harbour_boats.mp4", "boats")
    assert second.source == "library:a_harbour.mp4"
    assert first.score is not None and second.score is not None
    assert first.score > second.score >= WORD_FLOOR
    assert third is None
    # And with reuse allowed, the most relevant shown file comes again
    again = source.fill(_slot(out, 2, harbour), reuse=True)
    assert again is not None and again.source == "library:a_harbour.mp4"
    assert (out / "clip_002.mp4").read_bytes() == (library / "a_harbour.mp4").read_bytes()


def test_a_sidecar_description_makes_a_file_relevant(tmp_path: Path) -> None:
    # Given a clip whose name says little, with a sidecar saying what it shows
    _library(tmp_path, "IMG_0042.mov", "IMG_0043.mov")
    (tmp_path / "IMG_0043.txt").write_text("Gulls wheeling over a fishing boat")
    source = LibrarySource(sorted(tmp_path.glob("*.mov")), WordMatcher())

    # When a segment about gulls asks for a clip
    found = source.fill(_slot(tmp_path, 0, _segment("A gull cried above us.", "gull")), reuse=False)

    # Then the described clip is chosen
    assert found is not None and found.source == "library:IMG_0043.mov"


def test_equal_scores_go_by_name_order_and_nothing_under_the_floor(tmp_path: Path) -> None:
    # Given two equally named clips and an unrelated one
    _library(tmp_path, "rain_2.mp4", "rain_1.mp4", "noon_sky.mp4")
    source = LibrarySource(sorted(tmp_path.glob("*.mp4")), WordMatcher())

    # When segments ask, Then the first by name wins a tie, and a time alone finds nothing
    rain = source.fill(_slot(tmp_path, 0, _segment("Rain fell.", "rain")), reuse=False)
    assert rain is not None and rain.source == "library:rain_1.mp4"
    noon = _segment("By noon it was hot.", "noon")
    assert source.fill(_slot(tmp_path, 1, noon), reuse=True) is None


def test_the_names_matcher_chooses_library_files_as_before(tmp_path: Path) -> None:
    # Given a library matched by names
    _library(tmp_path, "Ocean_Waves-01.mp4", "seagulls.mp4")
    source = LibrarySource(sorted(tmp_path.glob("*.mp4")), NameMatcher())

    # When segments ask, Then a whole-word term match is chosen with score 1, and
    # "gulls" does not find "seagulls"
    ocean = source.fill(_slot(tmp_path, 0, _segment("the calm ocean", "ocean")), reuse=False)
    assert ocean is not None and (ocean.source, ocean.score) == (
        "library:Ocean_Waves-01.mp4",
        1.0,
    )
    gulls = _segment("gulls", "gulls")
    assert source.fill(_slot(tmp_path, 1, gulls), reuse=True) is None


def test_a_camera_s_file_name_says_nothing_of_the_picture() -> None:
    # Given a clip named by its camera, with a sidecar saying what it shows
    matcher = WordMatcher()
    sidecar = "Heavy rain falling on rooftops during a thunderstorm"
    said = "Heavy rain drummed on the roofs.\nheavy rain\nroofs"

    # When it is scored with its camera name and without
    named, bare = matcher.scores(said, [f"IMG_2041\n{sidecar}", sidecar])
    other_cameras = matcher.scores(said, [f"DSC_0193 GOPR0042 PXL_2024 clip final\n{sidecar}"])

    # Then the names change nothing, and the clip clears the floor
    assert named == bare == other_cameras[0]
    assert named >= matcher.floor
