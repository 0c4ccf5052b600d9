"""Fixtures shared by the whole suite.

Broker tests run against the real RabbitMQ named by ``T2V_BROKER_URL`` (default: the local
one). Each test gets its own exchange and queue prefix, deleted afterwards, so tests never
see each other's messages.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.amqp.session import BrokerSession
from common.errors import BrokerUnavailable
from common.settings import Settings
from tests.local_service import delete_topology


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data directory and its own broker names."""
    return Settings(
        data_dir=tmp_path / "data",
        amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}",
        retry_delays=(0.2, 0.4),  # retries within a test's patience
    )


@pytest.fixture
def broker(settings: Settings) -> Iterator[BrokerSession]:
    """An open session with the test's topology declared; everything is deleted afterwards."""
    session = BrokerSession(settings)
    try:
        session.open()
    except BrokerUnavailable as exc:
        pytest.fail(f"RabbitMQ must be running for broker tests: {exc}")
    yield session
    delete_topology(settings)
    session.close()


@pytest.fixture(scope="session")
def narration(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A real narration WAV spoken by the bundled voice, and the text it says."""
    from svc_tts.piper_backend import PiperSpeaker, bundled_model
    from svc_tts.speech import write_speech

    text = "The dog ran to the park. The sun was warm and the sky was blue."
    wav = tmp_path_factory.mktemp("narration") / "narration.wav"
    write_speech(PiperSpeaker(bundled_model()), text, wav, sentence_pause=0.25, speaking_rate=1.0)
    return wav, text
