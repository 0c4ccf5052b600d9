"""`t2v generate --media DIR`: the user's own clips and images, checked as uploads are."""

from pathlib import Path

import pytest

from cli.main import main
from common.documents import FootageManifest, load_document
from tests.media_checks import probe
from tests.user_media_files import write_clip, write_image

# Each sentence long enough (about 3 s) to be a footage segment of its own, however fast
# the voice speaks it this time.
STORY = (
    "A bright red kite flew high over the green hills above the quiet town. "
    "Two old fishermen carried heavy baskets of silver fish along the pier."
)
SMALL = ["--width", "96", "--height", "160", "--fps", "12"]


def shown_files(data_dir: Path) -> list[tuple[str, bytes | None]]:
    """Each segment's source and, for the user's media, the bytes it showed."""
    (manifest_path,) = data_dir.glob("work/*/footage/manifest.json")
    clips = load_document(FootageManifest, manifest_path).clips
    return [
        (
            clip.source,
            (data_dir / clip.path).read_bytes() if clip.source.startswith("media:") else None,
        )
        for clip in clips
    ]


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    """A clip of fish and a picture of a kite, each described beside it, in name order."""
    folder = tmp_path / "mine"
    folder.mkdir()
    write_clip(folder / "a_harbour.mp4", seconds=1.0, size=(64, 112))
    (folder / "a_harbour.txt").write_text("baskets of fresh fish\n", encoding="utf-8")
    write_image(folder / "b_sky.png", size=(64, 112))
    (folder / "b_sky.txt").write_text("a red kite\nhigh in the sky", encoding="utf-8")
    (folder / "notes.md").write_text("not media, and not taken for it")
    return folder


def test_media_by_relevance_go_where_they_are_said(tmp_path: Path, media_dir: Path) -> None:
    # Given a story about a kite and then fish, and a folder of a fish clip then a kite picture
    output, data_dir = tmp_path / "story.mp4", tmp_path / "data"

    # When `t2v generate --media` runs, by relevance (the default)
    code = main(
        ["generate", STORY, "-o", str(output), *SMALL, "--data-dir", str(data_dir),
         "--keep-work", "--media", str(media_dir)]
    )  # fmt: skip

    # Then the video is made, the kite shown before the fish, as the story says them
    assert code == 0
    assert probe(output).width == 96
    shown = [body for source, body in shown_files(data_dir) if body is not None]
    kite, fish = (media_dir / "b_sky.png").read_bytes(), (media_dir / "a_harbour.mp4").read_bytes()
    assert kite in shown and fish in shown
    assert shown.index(kite) < shown.index(fish)
    # And the run's copies of the media are gone; the user's folder is as it was
    assert list((data_dir / "media").iterdir()) == []
    assert sorted(path.name for path in media_dir.iterdir()) == [
        "a_harbour.mp4", "a_harbour.txt", "b_sky.png", "b_sky.txt", "notes.md",
    ]  # fmt: skip


def test_listed_media_come_in_name_order(tmp_path: Path, media_dir: Path) -> None:
    # When `t2v generate --media --media-order listed` runs
    data_dir = tmp_path / "data"
    code = main(
        ["generate", STORY, "-o", str(tmp_path / "story.mp4"), *SMALL, "--data-dir",
         str(data_dir), "--keep-work", "--media", str(media_dir), "--media-order", "listed"]
    )  # fmt: skip

    # Then the first segments show the files in name order
    assert code == 0
    shown = shown_files(data_dir)
    expected = [(media_dir / name).read_bytes() for name in ("a_harbour.mp4", "b_sky.png")]
    assert [body for _, body in shown[: len(expected)]] == expected[: len(shown)]


def test_a_file_that_is_not_media_stops_the_run(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a clip that was cut off half way
    whole = (media_dir / "a_harbour.mp4").read_bytes()
    (media_dir / "c_cut.mp4").write_bytes(whole[: len(whole) // 2])
    output = tmp_path / "story.mp4"

    # When `t2v generate --media` runs
    code = main(
        ["generate", STORY, "-o", str(output), *SMALL, "--data-dir", str(tmp_path / "data"),
         "--media", str(media_dir)]
    )  # fmt: skip

    # Then nothing is made, and the message names the file and what is wrong
    assert code == 2
    assert not output.exists()
    assert "--media: c_cut.mp4: Invalid media: the video " in capsys.readouterr().err
