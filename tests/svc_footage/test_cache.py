"""The shared clip cache keeps track of use, so that unused clips expire and, past its size
cap, the least recently used go first."""

import os
import time
from pathlib import Path

import pytest

from svc_footage.cache import ClipCache


def test_taking_a_clip_from_the_cache_marks_it_used(tmp_path: Path) -> None:
    # Given a clip cached a month ago
    cache = ClipCache(tmp_path / "cache", max_bytes=10**6)
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
    cache = ClipCache(tmp_path / "cache", max_bytes=10**6)
    with pytest.raises(FileNotFoundError):
        cache.reuse(cache.folder / "pixabay-9-64x112.mp4", tmp_path / "clip.mp4")


def _cached_a_while_ago(cache: ClipCache, name: str, size: int, minutes_ago: float) -> Path:
    clip = cache.folder / name
    clip.parent.mkdir(parents=True, exist_ok=True)
    clip.write_bytes(bytes(size))
    then = time.time() - minutes_ago * 60
    os.utime(clip, (then, then))
    return clip


def _download(tmp_path: Path, name: str, size: int) -> Path:
    downloaded = tmp_path / "job" / name
    downloaded.parent.mkdir(parents=True, exist_ok=True)
    downloaded.write_bytes(bytes(size))
    return downloaded


def test_adding_past_the_cap_removes_the_least_recently_used_clips(tmp_path: Path) -> None:
    # Given a 1,000-byte cache holding three 300-byte clips used 30, 20 and 10 minutes ago
    cache = ClipCache(tmp_path / "cache", max_bytes=1000)
    oldest = _cached_a_while_ago(cache, "pexels-1-64x112.mp4", 300, minutes_ago=30)
    older = _cached_a_while_ago(cache, "pexels-2-64x112.mp4", 300, minutes_ago=20)
    recent = _cached_a_while_ago(cache, "pexels-3-64x112.mp4", 300, minutes_ago=10)

    # When a fourth clip of 300 bytes is added
    newest = cache.folder / "pixabay-4-64x112.mp4"
    cache.add(_download(tmp_path, "clip_000.mp4", 300), newest)

    # Then only the least recently used one goes, which brings the cache under its cap
    assert not oldest.exists()
    assert older.exists() and recent.exists() and newest.exists()
    assert sum(clip.stat().st_size for clip in cache.folder.iterdir()) <= 1000


def test_a_clip_taken_from_the_cache_outlives_older_unused_ones(tmp_path: Path) -> None:
    # Given a full cache whose oldest clip a job has just taken
    cache = ClipCache(tmp_path / "cache", max_bytes=600)
    taken = _cached_a_while_ago(cache, "pexels-1-64x112.mp4", 300, minutes_ago=30)
    untouched = _cached_a_while_ago(cache, "pexels-2-64x112.mp4", 300, minutes_ago=20)
    cache.reuse(taken, tmp_path / "job" / "clip_000.mp4")

    # When another clip is added
    cache.add(_download(tmp_path, "clip_001.mp4", 300), cache.folder / "pexels-3-64x112.mp4")

    # Then the clip nobody used since goes, not the one just taken
    assert taken.exists()
    assert not untouched.exists()
    # And the job's own copy never depended on the cache keeping it
    assert (tmp_path / "job" / "clip_000.mp4").stat().st_size == 300


def test_a_clip_larger_than_the_cap_is_kept_until_the_next_one(tmp_path: Path) -> None:
    # Given a cache whose cap is smaller than one clip
    cache = ClipCache(tmp_path / "cache", max_bytes=100)
    first = cache.folder / "pexels-1-64x112.mp4"

    # When two such clips are added in turn
    cache.add(_download(tmp_path, "clip_000.mp4", 300), first)
    assert first.exists()
    second = cache.folder / "pexels-2-64x112.mp4"
    cache.add(_download(tmp_path, "clip_001.mp4", 300), second)

    # Then the cache holds only the newest
    assert not first.exists()
    assert second.exists()


def test_downloads_being_linked_in_are_left_alone(tmp_path: Path) -> None:
    # Given a full cache where another copy of the service is linking a download into place
    cache = ClipCache(tmp_path / "cache", max_bytes=300)
    in_flight = _cached_a_while_ago(cache, ".pexels-1-64x112.0123abcd.tmp.mp4", 300, 60)

    # When a clip is added
    cache.add(_download(tmp_path, "clip_000.mp4", 300), cache.folder / "pexels-2-64x112.mp4")

    # Then the other copy's temporary file is not touched
    assert in_flight.exists()
