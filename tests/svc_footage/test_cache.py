"""The shared clip cache keeps track of use, so that unused clips can expire."""

import os
import time
from pathlib import Path

import pytest

from svc_footage.cache import ClipCache


def test_taking_a_clip_from_the_cache_marks_it_used(tmp_path: Path) -> None:
    # Given a clip cached a month ago
    cache = ClipCache(tmp_path / "cache")
    cached = cache.folder / "pexels-5-64x112.mp4"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"clip")
    month_ago = time.time() - 30 * 24 * 3600
    os.utime(cached, (month_ago, month_ago))

    # When a job takes it
    target = tmp_path / "job" / "clip_000.mp4"
    cache.reuse(cached, target)

    # Then the job has it, and the cache notes the use
    assert target.read_bytes() == b"clip"
    assert cached.stat().st_mtime > time.time() - 60


def test_a_clip_not_in_the_cache_is_reported_missing(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    with pytest.raises(FileNotFoundError):
        cache.reuse(cache.folder / "pixabay-9-64x112.mp4", tmp_path / "clip.mp4")
