import wave
from pathlib import Path

import pytest

from cli.main import main
from tests.media_checks import probe
from tests.svc_queries.chat_server import ChatServer, answer

KITE_STORY = "A red kite flew over the hills. The wind was strong."


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


def test_generate_from_a_topic_narrates_the_story_a_chat_model_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a chat model that writes a two-sentence story
    output = tmp_path / "out" / "kite.mp4"
    with ChatServer().running() as chat_server:
        chat_server.replies = [answer(f"# A kite\n\n{KITE_STORY}")]
        monkeypatch.setenv("T2V_LLM_BASE_URL", chat_server.base_url)
        monkeypatch.setenv("T2V_LLM_MODEL", "story-model")

        # When `t2v generate --topic` runs on a small frame
        code = main(
            [
                "generate", "--topic", "a kite on a windy day", "--target-seconds", "5",
                "--tone", "cheerful", "-o", str(output), "--width", "96", "--height", "160",
                "--fps", "12", "--data-dir", str(tmp_path / "data"),
            ]
        )  # fmt: skip

    # Then the video is made, and the story it narrates is kept beside it, without its title
    assert code == 0
    assert probe(output).width == 96
    assert output.with_suffix(".txt").read_text(encoding="utf-8") == KITE_STORY + "\n"
    # And the model was asked for the topic, in the tone asked for
    [request] = chat_server.requests
    question = request["messages"][-1]["content"]
    assert "a kite on a windy day" in question and "cheerful" in question


def test_generate_from_a_topic_names_the_settings_a_chat_model_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given no chat model configured
    monkeypatch.delenv("T2V_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("T2V_LLM_MODEL", raising=False)

    # When `t2v generate --topic` runs
    code = main(["generate", "--topic", "a kite", "-o", str(tmp_path / "x.mp4")])

    # Then nothing runs, and the message names the settings
    assert code == 2
    error = capsys.readouterr().err
    assert "T2V_LLM_BASE_URL" in error and "T2V_LLM_MODEL" in error
    assert not (tmp_path / "x.mp4").exists()


def test_generate_takes_a_text_or_a_topic_not_both(tmp_path: Path) -> None:
    assert main(["generate", "Hello.", "--topic", "a kite", "-o", str(tmp_path / "x.mp4")]) == 2
    assert main(["generate", "-o", str(tmp_path / "x.mp4")]) == 2
