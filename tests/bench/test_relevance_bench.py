"""bench/relevance.py's reading of the rendered video: which clip each frame shows."""

from pathlib import Path

import av
import numpy as np

from bench.relevance import CLIPS, clips_on_screen, counted_clips, write_library
from common.animation import Animation

SIZE = (256, 144)  # height, width: the bench's frames


def first_frame(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        picture = frame.reformat(SIZE[1], SIZE[0]).to_ndarray(format="rgb24")
    return picture


def flat(colour: tuple[int, int, int]) -> np.ndarray:
    return np.full((*SIZE, 3), colour, dtype=np.uint8)


def blend(arriving: np.ndarray, leaving: np.ndarray, weight: float) -> np.ndarray:
    return (arriving * weight + leaving * (1 - weight)).round().astype(np.uint8)


def test_each_encoded_clip_reads_back_as_itself(tmp_path: Path) -> None:
    """Given the library's clips as H.264 files, when a frame of each is read, then each
    maps back to its own clip and to no other."""
    # Given
    colours = write_library(tmp_path)
    palette = np.array(list(colours.values()), dtype=np.float64)
    # When
    read = [clips_on_screen(first_frame(tmp_path / name), palette) for name in CLIPS]
    # Then
    assert read == [(index,) for index in range(len(CLIPS))]


def test_a_crossfade_counts_for_the_clip_it_brings_on(tmp_path: Path) -> None:
    """Given frames of clip 0, a crossfade to clip 5 starting at weight 0, then clip 5,
    when they are counted, then every frame from the crossfade's first counts for clip 5."""
    # Given
    colours = write_library(tmp_path)
    palette = np.array(list(colours.values()), dtype=np.float64)
    names = list(CLIPS)
    leaving, coming = flat(colours[names[0]]), flat(colours[names[5]])
    weights = [0.0, 0.25, 0.5, 0.75]
    frames = [leaving, *(blend(coming, leaving, weight) for weight in weights), coming]
    # When
    counted = counted_clips([clips_on_screen(frame, palette) for frame in frames])
    # Then
    assert counted == [0, 5, 5, 5, 5, 5]


def test_a_generated_background_matches_no_clip(tmp_path: Path) -> None:
    """Given the render's generated backgrounds, when read, then none maps to a clip."""
    # Given
    palette = np.array(list(write_library(tmp_path).values()), dtype=np.float64)
    pictures = [
        Animation(seed, SIZE[1], SIZE[0]).frame_at(seconds)
        for seed in range(20)
        for seconds in (0.0, 2.5)
    ]
    # When
    read = [clips_on_screen(picture, palette) for picture in pictures]
    # Then
    assert read == [()] * len(pictures)
