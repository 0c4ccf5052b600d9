from typing import Self

from pydantic import model_validator

from common.llm import LlmSettings
from common.messages import QueryProvider


class QueriesSettings(LlmSettings):
    # Background footage changes about this often (seconds); segments end at caption breaks.
    segment_seconds: float = 4.0
    # Who writes the search terms of jobs that choose none: the offline keyword extractor,
    # or the chat model below.
    query_provider: QueryProvider = "keywords"
    # The chat model's settings (T2V_LLM_*) come from common.llm.LlmSettings.

    @model_validator(mode="after")
    def _llm_needs_an_endpoint(self) -> Self:
        if self.query_provider == "llm" and not self.llm_configured:
            raise ValueError(
                "T2V_QUERY_PROVIDER=llm needs T2V_LLM_BASE_URL and T2V_LLM_MODEL "
                "(an OpenAI-compatible endpoint and the model to ask)"
            )
        return self
