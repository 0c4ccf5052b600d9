import pytest

from svc_footage.settings import FootageSettings


def test_providers_and_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a provider list and a key in the environment
    monkeypatch.setenv("T2V_FOOTAGE_PROVIDERS", " Pixabay , library")
    monkeypatch.setenv("T2V_PIXABAY_API_KEY", "secret-pixabay-key")
    monkeypatch.delenv("T2V_PEXELS_API_KEY", raising=False)

    # When the settings are read
    settings = FootageSettings()

    # Then the list is split on commas, and the key is there but never shown
    assert settings.footage_providers == ("pixabay", "library")
    assert settings.pixabay_api_key is not None
    assert settings.pixabay_api_key.get_secret_value() == "secret-pixabay-key"
    assert settings.pexels_api_key is None
    assert "secret-pixabay-key" not in repr(settings)


def test_an_unknown_provider_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T2V_FOOTAGE_PROVIDERS", "pexels,youtube")
    with pytest.raises(ValueError, match="footage_providers"):
        FootageSettings()


def test_the_defaults_reach_the_real_services_and_cache_on_the_shared_volume(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("FOOTAGE_PROVIDERS", "PEXELS_BASE_URL", "PIXABAY_BASE_URL"):
        monkeypatch.delenv(f"T2V_{name}", raising=False)
    settings = FootageSettings()
    assert settings.footage_providers == ("pexels", "pixabay", "library", "generated")
    assert settings.pexels_base_url == "https://api.pexels.com"
    assert settings.pixabay_base_url == "https://pixabay.com/api"
    assert settings.footage_cache_dir == settings.data_dir / "cache" / "footage"
