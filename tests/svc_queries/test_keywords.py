from svc_queries.keywords import (
    LAST_RESORT_TERM,
    keyword_terms,
    main_subject,
    noun_phrases,
    proper_names,
    search_terms,
)


def _phrases(text: str) -> list[str]:
    return [phrase.text for phrase in noun_phrases(text, proper_names(text))]


def test_nouns_keep_the_word_that_describes_them() -> None:
    text = "The old lighthouse stood on the cliff. Waves crashed against the dark rocks."
    assert _phrases(text) == ["old lighthouse", "cliff", "waves", "dark rocks"]


def test_a_noun_before_a_noun_describes_it_unless_it_is_plural() -> None:
    assert _phrases("The lighthouse keeper lit the lamp.") == ["lighthouse keeper", "lamp"]
    assert _phrases("Dragons fly over mountains") == ["dragons", "mountains"]


def test_verbs_adjectives_alone_pronouns_and_numbers_are_no_terms() -> None:
    text = "She ran quickly because it was very cold. They waited 3 hours, then 7 more. Why?"
    assert _phrases(text) == ["hours"]
    assert search_terms("It was dark, quiet and strangely beautiful.") == []


def test_a_participle_is_a_describer_only_where_an_adjective_could_stand() -> None:
    assert _phrases("They found the frozen lake and an old abandoned mill.") == [
        "frozen lake",
        "abandoned mill",
    ]
    assert _phrases("The boat drifted. Running water filled the swimming pool.") == [
        "boat",
        "water",
        "swimming pool",
    ]


def test_nouns_that_end_like_verbs_or_adverbs_stay_nouns() -> None:
    assert _phrases("Lightning hit the building one evening; a butterfly") == [
        "lightning",
        "building",
        "evening",
        "butterfly",
    ]


def test_names_of_people_are_no_terms() -> None:
    # Given a story that names its fisherman mid-sentence
    story = "There lived an old fisherman named Elias. Elias sailed his wooden boat."

    # Then the name is known as one, and neither mention of it is a term
    assert proper_names(story) == {"elias"}
    assert _phrases(story) == ["old fisherman", "wooden boat"]


def test_a_possessive_ends_a_phrase() -> None:
    assert _phrases("the keeper's lamp and the sailors' ropes") == [
        "keeper",
        "lamp",
        "sailors",
        "ropes",
    ]


def test_terms_rank_the_most_mentioned_things_first() -> None:
    # Given a text that mentions a fox three times (once in the plural) and other things once
    text = "A fox ran past the barn. The fox hid in the tall grass. Foxes are quick."

    # Then the fox comes first, then the described grass, then the barn; "quick" is what
    # foxes are, no thing
    assert search_terms(text) == ["fox", "tall grass", "barn"]
    assert search_terms(text, limit=1) == ["fox"]


def test_a_thing_is_worded_as_its_most_telling_phrase() -> None:
    text = "The lighthouse was tall. The old lighthouse was dark. The lighthouse."
    assert search_terms(text) == ["old lighthouse"]


def test_the_main_subject_is_what_the_story_mentions_most() -> None:
    assert main_subject("A cat sat in the sun. The cat slept. Cats dream.") == "cat"
    assert main_subject("It was so, and then it was not.") == LAST_RESORT_TERM


def test_a_text_without_nouns_gets_the_story_subject() -> None:
    # Given a story whose last sentence names no thing
    story = "Dragons dragons dragons fly high. And it was so."

    # When terms are found for each sentence
    terms = keyword_terms(["Dragons dragons dragons fly high.", "And it was so."], story)

    # Then the last falls back to the story's main subject
    assert terms == [["dragons"], ["dragons"]]
