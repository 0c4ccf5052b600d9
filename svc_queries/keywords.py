"""Offline search terms: the most telling content words of a piece of text."""

import re
from collections import Counter

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")

STOP_WORDS = frozenset(
    """
    a about above after again against all almost also am an and any are as at be became because
    become been before being below between both but by can could did do does doing done down
    during each even ever every few for from further get got had has have having he her here
    hers herself him himself his how however i if in into is it its itself just least less let
    like made make many may me might more most much must my myself never no nor not now of off
    often on once one only or other our ours ourselves out over own perhaps put quite rather
    really said same say says see seem seemed she should since so some still such than that the
    their theirs them themselves then there these they thing things this those though through
    thus to too toward towards under until up upon us very was way we well went were what when
    where whether which while who whom whose why will with within without would yet you your
    yours yourself yourselves time times day days came come comes go goes going know knew
    look looked looking took take takes told tell asked began away back long little first last
    next new old two three four five six seven eight nine ten
    """.split()
)


def content_words(text: str) -> list[str]:
    words = (match.group().lower().strip("'-") for match in _WORD.finditer(text))
    return [word for word in words if len(word) > 2 and word not in STOP_WORDS]


def search_terms(text: str, limit: int = 3) -> list[str]:
    """Up to ``limit`` terms, most frequent first, longer words breaking ties."""
    counts = Counter(content_words(text))
    ranked = sorted(counts, key=lambda word: (-counts[word], -len(word)))
    return ranked[:limit]


def main_subject(text: str) -> str:
    """The story's most frequent content word: the fallback term for a segment with none."""
    terms = search_terms(text, limit=1)
    return terms[0] if terms else "nature"
