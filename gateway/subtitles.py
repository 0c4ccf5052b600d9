"""Captions as subtitle files: SubRip and WebVTT cues of the caption groups shown on screen.

The render shows each group with text, from its start to its end, its words joined by single
spaces; the files say exactly that, so a player's subtitles match the burned-in captions.
"""

from dataclasses import dataclass

from common.documents import CaptionGroup


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def cues_of(groups: list[CaptionGroup]) -> list[Cue]:
    """The groups as shown: those with text, in order of their start, never ending early."""
    shown = sorted((group for group in groups if group.text.strip()), key=lambda g: g.start)
    return [
        Cue(group.start, max(group.end, group.start), " ".join(group.text.split()))
        for group in shown
    ]


def subrip(cues: list[Cue]) -> str:
    """A SubRip file: numbered cues, times as ``HH:MM:SS,mmm``."""
    blocks = [
        f"{number}\n{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}\n{cue.text}\n\n"
        for number, cue in enumerate(cues, start=1)
    ]
    return "".join(blocks)


def webvtt(cues: list[Cue]) -> str:
    """A WebVTT file: times as ``HH:MM:SS.mmm``, text with ``&``, ``<`` and ``>`` escaped.

    Escaping ``>`` also keeps a ``-->`` in the text from reading as a cue's timing line.
    """
    blocks = [
        f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}\n{_vtt_text(cue.text)}\n\n"
        for cue in cues
    ]
    return "WEBVTT\n\n" + "".join(blocks)


def _timestamp(seconds: float, decimal_mark: str) -> str:
    milliseconds = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole_seconds, milliseconds = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole_seconds:02d}{decimal_mark}{milliseconds:03d}"


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
