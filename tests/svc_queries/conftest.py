from collections.abc import Iterator

import pytest

from tests.svc_queries.chat_server import ChatServer

_QUERIES_ENVIRONMENT = (
    "T2V_QUERY_PROVIDER",
    "T2V_LLM_BASE_URL",
    "T2V_LLM_MODEL",
    "T2V_LLM_API_KEY",
    "T2V_LLM_TIMEOUT_SECONDS",
)


@pytest.fixture(autouse=True)
def _no_queries_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests set what they need; a developer's own chat model must not leak into them."""
    for name in _QUERIES_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    with ChatServer().running() as server:
        yield server
