"""Choosing a voice: the list the TTS service published, and jobs that name one."""

from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.documents import VoiceCatalog
from common.messages import parse_stage_message
from gateway.settings import GatewaySettings
from tests.broker_helpers import get_message_from_queue
from tests.gateway.helpers import API, CATALOG, publish_catalog


def test_before_the_tts_service_starts_there_is_no_voice_list(client: TestClient) -> None:
    response = client.get(f"{API}/voices")
    assert response.status_code == 503
    assert "TTS service" in response.json()["error"]


def test_the_voices_the_tts_service_published_are_listed(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given the TTS service has published its catalog
    publish_catalog(gateway_settings.data_dir)

    # When a client asks for the voices, Then it gets the catalog as published
    response = client.get(f"{API}/voices")
    assert response.status_code == 200
    assert VoiceCatalog.model_validate(response.json()) == CATALOG


def test_a_job_naming_an_installed_voice_carries_it_to_the_tts_stage(
    client: TestClient, gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given a published catalog
    publish_catalog(gateway_settings.data_dir)

    # When a job names one of its voices and a speaking rate
    job = {"text": "Hello.", "options": {"voice": "piper:amy", "speaking_rate": 1.2}}
    response = client.post(f"{API}/generate", json=job)

    # Then it is accepted and the stage message says which voice, at which rate
    assert response.status_code == 202
    queue = broker.topology.stage_queue("tts")
    message = parse_stage_message(get_message_from_queue(broker, queue))
    assert (message.options.voice, message.options.speaking_rate) == ("piper:amy", 1.2)


def test_a_job_naming_an_unknown_voice_is_refused(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    publish_catalog(gateway_settings.data_dir)
    response = client.post(
        f"{API}/generate", json={"text": "Hello.", "options": {"voice": "piper:nobody"}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Unknown voice 'piper:nobody': GET /api/v1/voices lists the installed voices"
    }


def test_a_job_speaks_its_voices_language_unless_it_names_one(
    client: TestClient, gateway_settings: GatewaySettings, broker: BrokerSession
) -> None:
    # Given a published catalog of English voices and a Russian one
    publish_catalog(gateway_settings.data_dir)

    # When jobs name the Russian voice, no voice, and a voice with a language of their own
    jobs = [
        {"voice": "piper:denis"},
        {},
        {"voice": "piper:amy", "language": "pt-BR"},
    ]
    for options in jobs:
        response = client.post(f"{API}/generate", json={"text": "Hello.", "options": options})
        assert response.status_code == 202, response.text

    # Then each stage message carries the language the stages will use, as a BCP 47 tag
    queue = broker.topology.stage_queue("tts")
    languages = [
        parse_stage_message(get_message_from_queue(broker, queue)).options.language for _ in jobs
    ]
    assert languages == ["ru-RU", "en-US", "pt-BR"]


def test_a_language_that_is_not_a_language_tag_is_refused(client: TestClient) -> None:
    response = client.post(
        f"{API}/generate", json={"text": "Hello.", "options": {"language": "../../etc"}}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Invalid options: language:")
