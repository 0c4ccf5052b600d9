"""A local folder of video files, each described by its name and an optional sidecar text.

``harbour_at_dawn.mp4`` is described as "harbour at dawn"; a text file beside it with the
same stem (``harbour_at_dawn.txt``) adds what the name leaves out, in the words of
whoever filled the folder. The folder is the operator's, but its files are read as
untrusted: a sidecar is read only up to ``MAX_SIDECAR_BYTES``, and bytes that are not
UTF-8 are replaced rather than refused.
"""

import logging
import re
from pathlib import Path

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".mkv"})
SIDECAR_SUFFIX = ".txt"
# A few sentences about a clip; anything longer is cut there.
MAX_SIDECAR_BYTES = 4096


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


def description_of(file: Path) -> str:
    """The file's name as words, then its sidecar's text, if it has one, on the next line."""
    name = name_words(file.stem)
    sidecar = _sidecar_text(file.with_suffix(SIDECAR_SUFFIX))
    return f"{name}\n{sidecar}" if sidecar else name


def _sidecar_text(path: Path) -> str:
    # is_file() is false for a folder, a device or a pipe, whose reading could block.
    if not path.is_file():
        return ""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SIDECAR_BYTES)
    except OSError as exc:
        logger.warning("could not read the footage description %s: %s", path.name, exc)
        return ""
    # A cut may split a character: errors="replace" keeps the rest of the text.
    return " ".join(data.decode("utf-8", errors="replace").split())


def name_matches(term: str, file: Path) -> bool:
    """Whether the term's words appear, in order and as whole words, in the file's name."""
    return phrase_in(term, file.stem)


def phrase_in(term: str, text: str) -> bool:
    """Whether the term's words appear, in order and as whole words, in ``text``."""
    term_words = name_words(term)
    return bool(term_words) and f" {term_words} " in f" {name_words(text)} "


def name_words(text: str) -> str:
    """Lower-cased words; underscores, dashes and dots separate them as spaces do."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))
