"""Fixtures of the footage tests: a local stock footage server and real little videos."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from svc_footage.generated import write_generated_clip
from tests.svc_footage.stock_server import StockServer, running_stock_server

# Real H.264 MP4s of one second at 10 fps, as small as a test can make them.
PORTRAIT = (64, 112)
LANDSCAPE = (112, 64)


@pytest.fixture
def stock_server() -> Iterator[StockServer]:
    with running_stock_server() as server:
        yield server


@pytest.fixture(scope="session")
def portrait_clips(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Four different portrait videos, the shape of the tests' jobs."""
    return _clips(tmp_path_factory.mktemp("portrait"), PORTRAIT, count=4)


@pytest.fixture(scope="session")
def landscape_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _clips(tmp_path_factory.mktemp("landscape"), LANDSCAPE, count=1)[0]


def _clips(folder: Path, size: tuple[int, int], count: int) -> list[bytes]:
    clips = []
    for seed in range(count):
        path = folder / f"clip_{seed}.mp4"
        write_generated_clip(path, seed=seed, seconds=1.0, width=size[0], height=size[1], fps=10)
        clips.append(path.read_bytes())
    return clips
