"""Captions as SubRip and WebVTT: the caption groups on screen, timed and escaped."""

from common.documents import CaptionGroup
from gateway.subtitles import cues_of, subrip, webvtt


def _group(text: str, start: float, end: float) -> CaptionGroup:
    return CaptionGroup(text=text, start=start, end=end, words=[])


def test_subrip_numbers_cues_with_comma_milliseconds() -> None:
    # Given two groups, the second past an hour
    groups = [_group("once upon", 1.0, 2.5), _group("a time", 3723.4567, 3725.0)]
    # When they are written as SubRip
    text = subrip(cues_of(groups))
    # Then cues are numbered, with hours and comma-separated milliseconds
    assert text == (
        "1\n00:00:01,000 --> 00:00:02,500\nonce upon\n\n"
        "2\n01:02:03,457 --> 01:02:05,000\na time\n\n"
    )


def test_webvtt_has_its_header_and_dot_milliseconds() -> None:
    # Given a group past an hour
    groups = [_group("a time", 3723.4567, 3725.0)]
    # When written as WebVTT
    text = webvtt(cues_of(groups))
    # Then the file starts with its signature and times use dots
    assert text == "WEBVTT\n\n01:02:03.457 --> 01:02:05.000\na time\n\n"


def test_webvtt_escapes_arrows_and_markup() -> None:
    # Given text holding an arrow and markup characters
    groups = [_group("a --> b <i> & c", 0.0, 1.0)]
    # When written as WebVTT
    text = webvtt(cues_of(groups))
    # Then no cue text can read as a timing line or a tag
    assert text.splitlines()[3] == "a --&gt; b &lt;i&gt; &amp; c"
    assert text.count("-->") == 1


def test_cues_are_the_groups_shown_on_screen() -> None:
    # Given groups out of order, one blank, one with spread-out whitespace and an end
    # before its start
    groups = [
        _group("second", 2.0, 3.0),
        _group("   ", 0.5, 1.0),
        _group(" first \n  line ", 1.0, 0.8),
    ]
    # When they become cues
    cues = cues_of(groups)
    # Then the blank one is left out, the others come in order, joined by single spaces,
    # and none ends before it starts
    assert [(cue.text, cue.start, cue.end) for cue in cues] == [
        ("first line", 1.0, 1.0),
        ("second", 2.0, 3.0),
    ]


def test_no_groups_make_empty_files() -> None:
    # Given no groups, When written, Then SubRip is empty and WebVTT only its header
    assert subrip(cues_of([])) == ""
    assert webvtt(cues_of([])) == "WEBVTT\n\n"
