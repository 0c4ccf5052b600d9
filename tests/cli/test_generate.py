import wave
from pathlib import Path

import pytest

from cli.main import main
from tests.media_checks import probe


def test_generate_makes_a_narrated_video_without_a_broker(tmp_path: Path) -> None:
    # Given a two-sentence story and a small frame size
    output = tmp_path / "out" / "story.mp4"
    data_dir = tmp_path / "data"

    # When `t2v generate` runs with --keep-work
    code = main(
        [
            "generate", "A red kite flew over the hills. The wind was strong.",
            "-o", str(output), "--width", "96", "--height", "160", "--fps", "12",
            "--data-dir", str(data_dir), "--keep-work",
        ]
    )  # fmt: skip

    # Then an H.264 + AAC video of the requested size, as long as the narration, is written
    assert code == 0
    facts = probe(output)
    assert (facts.video_codec, facts.audio_codec) == ("h264", "aac")
    assert (facts.width, facts.height) == (96, 160)
    (audio,) = data_dir.glob("work/*/audio_*.wav")
    with wave.open(str(audio)) as wav:
        narration = wav.getnframes() / wav.getframerate()
    assert abs(facts.duration - narration) <= 0.1


def test_generate_refuses_an_empty_text(tmp_path: Path) -> None:
    assert main(["generate", "   ", "-o", str(tmp_path / "x.mp4")]) == 2
    assert not (tmp_path / "x.mp4").exists()


def test_generate_explains_an_invalid_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a user asks for an odd frame width
    code = main(["generate", "Hello.", "-o", str(tmp_path / "x.mp4"), "--width", "101"])

    # Then nothing runs and the message names the option
    assert code == 2
    assert "invalid option width: Input should be a multiple of 2" in capsys.readouterr().err
