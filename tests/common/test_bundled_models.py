"""The multilingual whisper model joined from the multilingual extra's two packages."""

import os
import time
from pathlib import Path

import pytest

from common.bundled_models import (
    LEFTOVER_SECONDS,
    MODEL_BYTES,
    NAME,
    bundled_model_dir,
    bundled_model_installed,
)
from svc_captions.transcribe import load_model, models_cache_dir, multilingual_model

needs_parts = pytest.mark.skipif(
    not bundled_model_installed(),
    reason='the multilingual extra is not installed (".[multilingual]")',
)


@needs_parts
def test_the_parts_are_joined_once_into_a_model_whisper_loads(tmp_path: Path) -> None:
    # Given a cache folder with what a join stopped half-way long ago left, and a join
    # another process has under way
    cache = tmp_path / "models"
    leftover = cache / f".{NAME}.stopped.tmp"
    leftover.mkdir(parents=True)
    (leftover / "model.bin").write_bytes(b"half")
    long_ago = time.time() - LEFTOVER_SECONDS - 60
    os.utime(leftover, (long_ago, long_ago))
    under_way = cache / f".{NAME}.joining.tmp"
    under_way.mkdir()

    # When the bundled model is asked for twice
    first = bundled_model_dir(cache)
    assert first is not None
    joined_at = (first / "model.bin").stat().st_mtime_ns
    second = bundled_model_dir(cache)

    # Then it was joined once, whole, into the cache folder, and whisper loads it
    assert first == second == cache / NAME
    assert (first / "model.bin").stat().st_size == MODEL_BYTES
    assert (first / "model.bin").stat().st_mtime_ns == joined_at
    assert sorted(path.name for path in first.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]
    assert load_model(str(first), "cpu", "int8").model.is_multilingual
    # And the stale leftover is gone, the other join's folder untouched, and none of its own
    assert sorted(path.name for path in cache.iterdir()) == [under_way.name, NAME]


@needs_parts
def test_the_bundled_model_lies_in_the_data_directorys_cache(tmp_path: Path) -> None:
    model = multilingual_model(None, tmp_path)
    assert model == str(models_cache_dir(tmp_path) / NAME)


def test_a_configured_model_is_used_without_joining_the_bundled_one(tmp_path: Path) -> None:
    # Given a configured multilingual model, When the captions stage picks one,
    # Then it is the configured one and nothing was joined into the data directory
    assert multilingual_model("/models/whisper-small", tmp_path) == "/models/whisper-small"
    assert not models_cache_dir(tmp_path).exists()
