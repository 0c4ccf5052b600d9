"""The fonts captions are drawn in, chosen character by character so none shows as a box.

Noto faces installed as Python packages cover Latin, Cyrillic and Greek (Noto Sans), Arabic,
Devanagari, Thai, and Chinese, Japanese and Korean (Noto Sans CJK). Each character takes the first
face whose character map has it, a configured font first; marks and joiners stay with the
character before them so a cluster is shaped by one face. A character no face has is left
out and logged rather than drawn as a missing-glyph box.
"""

import logging
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError
from PIL import ImageDraw, ImageFont, features

from common.errors import StageError

logger = logging.getLogger(__name__)

Box = tuple[float, float, float, float]  # left, top, right, bottom
RGB = tuple[int, int, int]

# (package, file inside it), in the order a character looks for its face.
BUNDLED_FONTS = (
    ("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf"),
    ("fontpkg_noto_sans_arabic", "files/NotoSansArabic[wdth,wght].ttf"),
    ("fontpkg_noto_sans_devanagari", "files/NotoSansDevanagari[wdth,wght].ttf"),
    ("fontpkg_noto_sans_thai", "files/NotoSansThai[wdth,wght].ttf"),
    ("cvttf_NotoSansCJK_Bold", "NotoSansCJKtc-Bold.otf"),
)
# Zero-width joiners and variation selectors belong to the character before them.
JOINERS = {0x200C, 0x200D, *range(0xFE00, 0xFE10)}
MARK_CATEGORIES = {"Mn", "Mc", "Me"}
RIGHT_TO_LEFT = {"R", "AL"}


@dataclass(frozen=True)
class FontFace:
    path: Path
    code_points: frozenset[int]

    def has(self, character: str) -> bool:
        return ord(character) in self.code_points


@dataclass(frozen=True)
class TextRun:
    """Part of a word drawn in one face, in one direction."""

    text: str
    face: int  # which of the caption's faces
    rtl: bool


def raqm_layout() -> bool:
    """Whether Pillow shapes text with libraqm: Arabic joined, right to left in order."""
    return bool(features.check("raqm"))


@cache
def font_face(path: Path) -> FontFace:
    """The face at ``path`` with the characters its character map gives a glyph."""
    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            best = font.getBestCmap() or {}
    except (OSError, TTLibError) as exc:
        raise StageError(f"cannot read the caption font {path}") from exc
    return FontFace(path, frozenset(code for code, name in best.items() if name != ".notdef"))


def bundled_font_paths() -> list[Path]:
    paths = []
    for package, name in BUNDLED_FONTS:
        try:
            path = Path(str(resources.files(package).joinpath(name)))
        except ModuleNotFoundError as exc:
            raise StageError(f"the caption font package {package} is not installed") from exc
        if not path.is_file():
            raise StageError(f"the caption font package {package} has no {name}")
        paths.append(path)
    return paths


def caption_faces(font_path: Path | None) -> tuple[FontFace, ...]:
    """The configured font, if any, then the bundled ones."""
    paths = ([font_path] if font_path is not None else []) + bundled_font_paths()
    return tuple(font_face(path) for path in paths)


def is_rtl(text: str) -> bool:
    """Whether ``text``'s first strongly directed character reads right to left."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in RIGHT_TO_LEFT:
            return True
        if direction == "L":
            return False
    return False


def written_language(text: str) -> str | None:
    """The language Han characters in ``text`` are most likely written in, from the scripts
    beside them: kana is Japanese, hangul Korean; Han alone Chinese, simplified (the most
    read). None for text with no Han, whose shapes do not depend on it.
    """
    scripts = {_script_of(character) for character in text}
    if "kana" in scripts:
        return "ja"
    if "hangul" in scripts:
        return "ko"
    return "zh-Hans" if "han" in scripts else None


def _script_of(character: str) -> str | None:
    code = ord(character)
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x3FFFF:
        return "han"
    return None


def has_direction(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in {"L", "R", "AL"} for c in text)


class CaptionFonts:
    """A caption's faces at one size: splitting words into runs, measuring and drawing them."""

    def __init__(self, faces: tuple[FontFace, ...], size: int, language: str | None = None) -> None:
        self.faces = faces
        self.size = size
        # Picks the language's own forms where a face has several (Japanese, Chinese and
        # Korean share characters but not always their shapes).
        self.language = language
        self._shaped = raqm_layout()
        self._fonts = [_loaded(face.path, size, self._shaped) for face in faces]
        self.space = self._fonts[_face_for(faces, " ") or 0].getlength(" ")

    def runs(self, word: str) -> list[TextRun]:
        """``word`` cut where its face changes, in reading order."""
        runs: list[TextRun] = []
        for character in word:
            face = self._face_of(character, runs[-1].face if runs else None)
            if face is None:
                _warn_missing(character)
                continue
            if runs and runs[-1].face == face:
                runs[-1] = TextRun(runs[-1].text + character, face, runs[-1].rtl)
            else:
                runs.append(TextRun(character, face, False))
        return [TextRun(run.text, run.face, is_rtl(run.text)) for run in runs]

    def length(self, run: TextRun) -> float:
        return float(
            self._fonts[run.face].getlength(
                run.text, direction=self._direction(run), language=self._language()
            )
        )

    def ink(self, run: TextRun, stroke_width: int) -> Box:
        """What drawing ``run`` at (0, 0), on its baseline, covers."""
        font = self._fonts[run.face]
        box = font.getbbox(
            run.text,
            anchor="ls",
            stroke_width=stroke_width,
            direction=self._direction(run),
            language=self._language(),
        )
        return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))

    def draw(
        self,
        draw: ImageDraw.ImageDraw,
        at: tuple[float, float],
        run: TextRun,
        color: RGB,
        stroke_width: int,
        stroke_color: RGB,
    ) -> None:
        draw.text(
            at,
            run.text,
            font=self._fonts[run.face],
            fill=color,
            anchor="ls",
            stroke_width=stroke_width,
            stroke_fill=stroke_color,
            direction=self._direction(run),
            language=self._language(),
        )

    def _face_of(self, character: str, previous: int | None) -> int | None:
        if previous is not None and (
            ord(character) in JOINERS
            or (
                unicodedata.category(character) in MARK_CATEGORIES
                and self.faces[previous].has(character)
            )
        ):
            return previous
        return _face_for(self.faces, character)

    def _language(self) -> str | None:
        return self.language if self._shaped else None

    def _direction(self, run: TextRun) -> str | None:
        # Pillow takes a direction only from libraqm; without it text is set left to right.
        if not self._shaped:
            return None
        return "rtl" if run.rtl else "ltr"


def _face_for(faces: tuple[FontFace, ...], character: str) -> int | None:
    return next((number for number, face in enumerate(faces) if face.has(character)), None)


@lru_cache(maxsize=64)
def _loaded(path: Path, size: int, shaped: bool) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if shaped else ImageFont.Layout.BASIC
    try:
        font = ImageFont.truetype(str(path), size, layout_engine=engine)
    except OSError as exc:
        raise StageError(f"cannot load the caption font {path}") from exc
    # A variable face stays at its default, regular weight: the layout thickens every face
    # alike with a stroke in the letters' own colour.
    return font


@cache
def _warn_missing(character: str) -> None:
    # Once a process: a caption language with no bundled font would say it on every word.
    logger.warning("no caption font has %r (U+%04X); left out", character, ord(character))


@cache
def warn_once_without_raqm() -> None:
    if not raqm_layout():
        logger.warning("Pillow has no libraqm: right-to-left captions are set left to right")
