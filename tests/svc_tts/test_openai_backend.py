"""Voices behind an OpenAI-compatible speech endpoint, tested against a local server."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from common.artifacts import JobPaths
from common.errors import ProviderUnavailable, TransientError
from common.messages import JobOptions, StageMessage
from svc_tts.openai_backend import SAMPLE_RATE, OpenAISpeaker
from svc_tts.settings import TtsSettings
from svc_tts.speech import write_speech
from svc_tts.stage import TtsStage
from svc_tts.voices import Voices
from tests.svc_tts.speech_server import SpeechServer, speech_server, tone_wav


@pytest.fixture
def server() -> Iterator[SpeechServer]:
    with speech_server() as running:
        yield running


def settings_for(server: SpeechServer, data_dir: Path, **more: object) -> TtsSettings:
    return TtsSettings(
        data_dir=data_dir,
        speech_base_url=server.url,
        speech_model="tts-1",
        speech_voice="nova",
        speech_api_key=SecretStr("sk-local"),
        **more,  # type: ignore[arg-type]
    )


def test_the_endpoint_speaks_the_text_in_the_configured_voice(
    server: SpeechServer, tmp_path: Path
) -> None:
    # Given an endpoint that answers each request with half a second of 16 kHz audio
    speaker = OpenAISpeaker(settings_for(server, tmp_path), "nova")

    # When it speaks two sentences at a faster rate
    speech = write_speech(
        speaker, "The fox ran. The river was cold.", tmp_path / "a.wav", 0.25, 1.25
    )

    # Then it was asked once, with the model, voice, text, format and speed, and the key
    assert server.requests == [
        {
            "model": "tts-1",
            "voice": "nova",
            "input": "The fox ran. The river was cold.",
            "response_format": "wav",
            "speed": 1.25,
        }
    ]
    assert server.headers[0]["authorization"] == "Bearer sk-local"
    # And its audio, resampled to 24 kHz, is the narration, with no phoneme timing
    assert speech.sample_rate == SAMPLE_RATE
    assert speech.seconds == pytest.approx(0.5, abs=0.02)
    assert speech.timed_chunks is None


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (503, b'{"error": "busy"}', TransientError, "HTTP 503"),
        (429, b'{"error": "slow down"}', TransientError, "rate limited"),
        (400, b'{"error": "bad voice"}', ProviderUnavailable, "HTTP 400"),
        (200, b"this is not audio at all", ProviderUnavailable, "not audio"),
    ],
)
def test_a_failing_endpoint_says_how(
    server: SpeechServer,
    tmp_path: Path,
    status: int,
    body: bytes,
    error: type[Exception],
    message: str,
) -> None:
    # Given an endpoint answering with an error status, or with something that is not audio
    server.status, server.body = status, body
    speaker = OpenAISpeaker(settings_for(server, tmp_path), "nova")

    # When it is asked to speak, Then the failure is retried later or reported, in a few words
    with pytest.raises(error, match=message):
        write_speech(speaker, "Hello there.", tmp_path / "a.wav", 0.25, 1.0)
    assert not (tmp_path / "a.wav").exists()


def test_an_answer_over_the_size_limit_is_refused(server: SpeechServer, tmp_path: Path) -> None:
    # Given an endpoint answering with 10 s of audio, over a limit of 100 kB
    server.body = tone_wav(10.0)
    speaker = OpenAISpeaker(
        settings_for(server, tmp_path, speech_max_response_bytes=100_000), "nova"
    )

    # When it speaks, Then the answer is cut off and the piece fails
    with pytest.raises(ProviderUnavailable, match="over 100000 bytes"):
        write_speech(speaker, "Hello there.", tmp_path / "a.wav", 0.25, 1.0)


def test_an_endpoint_that_does_not_answer_in_time_is_retried_later(tmp_path: Path) -> None:
    # Given nothing listening where the endpoint should be
    settings = TtsSettings(
        data_dir=tmp_path, speech_base_url="http://127.0.0.1:9/v1", speech_model="tts-1"
    )

    # When it is asked to speak, Then the stage is to be tried again later
    with pytest.raises(TransientError, match="cannot connect"):
        write_speech(OpenAISpeaker(settings, "alloy"), "Hi.", tmp_path / "a.wav", 0.25, 1.0)


def test_the_configured_voice_is_listed_and_its_job_has_no_timing_file(
    server: SpeechServer, tmp_path: Path
) -> None:
    # Given the endpoint configured with its voice
    settings = settings_for(server, tmp_path)
    assert "openai:nova" in Voices(settings).ids

    # When a job asks for that voice
    stage = TtsStage(settings)
    job = StageMessage(
        job_id="speech1", text="Hello there.", options=JobOptions(voice="openai:nova")
    )
    paths = JobPaths(settings.data_dir, job.job_id)
    result = stage.run(job, paths, lambda note: None)

    # Then the audio is the endpoint's, and no timing file says the captions must listen
    assert result.provider == "openai (nova)"
    assert result.artifacts == {"audio": "work/speech1/audio_speech1.wav"}
    assert paths.audio.exists()
    assert not paths.speech_timing.exists()
