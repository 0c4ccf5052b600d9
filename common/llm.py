"""A chat model behind an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM), and its settings.

Two parts of the service ask one: the queries stage (search terms) and the gateway (a
story from a topic). Both read the same ``T2V_LLM_*`` settings and talk through
:class:`ChatClient`, whose every failure leaves as a :class:`ProviderUnavailable` that says
in a few words what went wrong.
"""

import logging

import openai
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, Field, SecretStr, ValidationError

from common.errors import ProviderUnavailable
from common.settings import Settings

logger = logging.getLogger(__name__)

ChatMessages = list[ChatCompletionMessageParam]


class LlmSettings(Settings):
    # Any OpenAI-compatible chat endpoint: https://api.openai.com/v1, Ollama's
    # http://localhost:11434/v1, a vLLM server's http://host:8000/v1.
    llm_base_url: str | None = None
    llm_model: str | None = None
    # Local servers take no key, but the client must send one; None sends a placeholder.
    llm_api_key: SecretStr | None = None
    # How long one request may take; a malformed answer is asked for once more, so a job
    # waits at most about twice this.
    llm_timeout_seconds: float = Field(default=60.0, gt=0)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


class _ChatMessage(BaseModel):
    content: str | None = None  # None when the model refused


class _ChatChoice(BaseModel):
    message: _ChatMessage


class _ChatCompletionBody(BaseModel):
    """The part of a chat completion read here."""

    choices: list[_ChatChoice] = Field(min_length=1)


class ChatClient:
    """Asks one model; its answers are untrusted text, for the caller to check."""

    def __init__(
        self, base_url: str, model: str, api_key: str | None, timeout_seconds: float
    ) -> None:
        self.model = model
        self._client = openai.OpenAI(
            base_url=base_url,
            # The client refuses to start without a key, though local servers ignore it.
            api_key=api_key or "no-key",
            timeout=timeout_seconds,
            # Its own retries would multiply the timeout and wait out a 429's Retry-After;
            # callers rather fall back, or fail the job, at once.
            max_retries=0,
        )

    @classmethod
    def of(cls, settings: LlmSettings) -> "ChatClient | None":
        """The client the settings configure; None when they configure none."""
        if not (settings.llm_base_url and settings.llm_model):
            return None
        key = settings.llm_api_key
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            key.get_secret_value() if key is not None else None,
            settings.llm_timeout_seconds,
        )

    def ask(self, messages: ChatMessages, json_mode: bool = False) -> str:
        """The model's reply; empty when the server's answer is not a chat completion."""
        try:
            # The raw response, because the client's own parsing fails on a body that is not
            # a chat completion with errors outside its error tree.
            response = self._client.chat.completions.with_raw_response.create(
                model=self.model,
                messages=messages,
                # JSON mode: OpenAI, Ollama and vLLM all take it; the answer is checked anyway.
                response_format={"type": "json_object"} if json_mode else openai.omit,
            )
        except openai.APITimeoutError as exc:
            raise ProviderUnavailable("timeout") from exc
        except openai.APIConnectionError as exc:
            raise ProviderUnavailable("cannot connect") from exc
        except openai.RateLimitError as exc:
            raise ProviderUnavailable("rate limited") from exc
        except openai.APIStatusError as exc:
            raise ProviderUnavailable(f"HTTP {exc.status_code}") from exc
        except openai.OpenAIError as exc:
            raise ProviderUnavailable(type(exc).__name__) from exc
        try:
            completion = _ChatCompletionBody.model_validate_json(response.content)
        except ValidationError:
            logger.info("the chat endpoint answered with something other than a chat completion")
            return ""
        return completion.choices[0].message.content or ""
