from typing import Self

from pydantic import Field, SecretStr, model_validator

from common.messages import QueryProvider
from common.settings import Settings


class QueriesSettings(Settings):
    # Background footage changes about this often (seconds); segments end at caption breaks.
    segment_seconds: float = 4.0
    # Who writes the search terms of jobs that choose none: the offline keyword extractor,
    # or the chat model below.
    query_provider: QueryProvider = "keywords"
    # Any OpenAI-compatible chat endpoint: https://api.openai.com/v1, Ollama's
    # http://localhost:11434/v1, a vLLM server's http://host:8000/v1.
    llm_base_url: str | None = None
    llm_model: str | None = None
    # Local servers take no key, but the client must send one; None sends a placeholder.
    llm_api_key: SecretStr | None = None
    # How long one request may take; a malformed answer is asked for once more, so a job
    # waits at most twice this before falling back to keywords.
    llm_timeout_seconds: float = Field(default=60.0, gt=0)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @model_validator(mode="after")
    def _llm_needs_an_endpoint(self) -> Self:
        if self.query_provider == "llm" and not self.llm_configured:
            raise ValueError(
                "T2V_QUERY_PROVIDER=llm needs T2V_LLM_BASE_URL and T2V_LLM_MODEL "
                "(an OpenAI-compatible endpoint and the model to ask)"
            )
        return self
