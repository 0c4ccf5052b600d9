import pytest
from pydantic import ValidationError

from svc_queries.settings import QueriesSettings


def test_keywords_are_the_default_and_need_nothing_configured() -> None:
    settings = QueriesSettings()
    assert settings.query_provider == "keywords"
    assert not settings.llm_configured


def test_the_llm_provider_without_an_endpoint_stops_the_service_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an environment that chooses the chat model but names only the model
    monkeypatch.setenv("T2V_QUERY_PROVIDER", "llm")
    monkeypatch.setenv("T2V_LLM_MODEL", "llama3.2")

    # When the settings are read, then the error names what is missing
    with pytest.raises(ValidationError, match="T2V_LLM_BASE_URL and T2V_LLM_MODEL"):
        QueriesSettings()


def test_the_llm_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an environment that points at a local Ollama server
    monkeypatch.setenv("T2V_QUERY_PROVIDER", "llm")
    monkeypatch.setenv("T2V_LLM_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("T2V_LLM_MODEL", "llama3.2")
    monkeypatch.setenv("T2V_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("T2V_LLM_TIMEOUT_SECONDS", "20")

    # When the settings are read
    settings = QueriesSettings()

    # Then they are taken, and the key never shows in their text
    assert settings.llm_configured
    assert settings.llm_timeout_seconds == 20.0
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == "sk-secret"
    assert "sk-secret" not in repr(settings)
