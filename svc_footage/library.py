"""A local folder of video files, matched to search terms by the words in their file names."""

import logging
import re
from pathlib import Path
from typing import NamedTuple

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".mkv"})


class LibraryMatch(NamedTuple):
    term: str
    file: Path


def library_files(folder: Path | None) -> list[Path]:
    """The video files directly in ``folder``, in name order so choices are repeatable."""
    if folder is None:
        return []
    if not folder.is_dir():
        logger.warning("footage folder %s does not exist; generating every clip", folder)
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in VIDEO_SUFFIXES and path.is_file()
    )


def choose_file(files: list[Path], terms: list[str], used: set[Path]) -> LibraryMatch | None:
    """The first file matching the earliest term it can, preferring files not used yet.

    Terms come in order of relevance, so an earlier term's match wins over a later one's;
    a file already shown is reused only when nothing fresh matches.
    """
    matches = [
        LibraryMatch(term, file) for term in terms for file in files if name_matches(term, file)
    ]
    fresh = [match for match in matches if match.file not in used]
    candidates = fresh or matches
    return candidates[0] if candidates else None


def name_matches(term: str, file: Path) -> bool:
    """Whether the term's words appear, in order and as whole words, in the file's name."""
    term_words = _words(term)
    return bool(term_words) and f" {term_words} " in f" {_words(file.stem)} "


def _words(text: str) -> str:
    # Underscores, dashes and dots separate words in file names just as spaces do.
    return " ".join(re.findall(r"[^\W_]+", text.lower()))
