"""Search terms from a chat model behind an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM).

Every failure leaves here as a :class:`ProviderUnavailable` whose message says in a few
words what went wrong, for the stage to fall back to keywords and to tell the user why.
"""

import logging
from typing import Annotated

import openai
from openai.types.chat import ChatCompletionMessageParam
from pydantic import AfterValidator, BaseModel, Field, StringConstraints, ValidationError

from common.errors import ProviderUnavailable

logger = logging.getLogger(__name__)

INSTRUCTIONS = """\
You pick stock-footage search terms for a narrated short video. The narration is cut into
numbered segments. For each segment give 1 to 3 search terms for what could be on screen
while it is spoken: concrete, visual things and scenes, as nouns or short noun phrases
("old lighthouse", "stormy sea", "city street at night"). No abstract ideas, no names of
people, no sentences; at most 4 words a term.
Reply with JSON only, one entry per segment, in order:
{"segments": [{"segment": 1, "terms": ["old lighthouse", "rocky cliff"]}, ...]}"""

MAX_WORDS_PER_TERM = 4


def _few_words(term: str) -> str:
    if len(term.split()) > MAX_WORDS_PER_TERM:
        raise ValueError(f"a term has more than {MAX_WORDS_PER_TERM} words")
    return term


Term = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(_few_words),
]


class SegmentTerms(BaseModel):
    segment: int | None = None  # the model numbers its entries; checked where it does
    terms: list[Term] = Field(min_length=1, max_length=3)


class TermsAnswer(BaseModel):
    segments: list[SegmentTerms]


class ChatMessage(BaseModel):
    content: str | None = None  # None when the model refused


class ChatChoice(BaseModel):
    message: ChatMessage


class ChatCompletionBody(BaseModel):
    """The part of a chat completion this stage reads."""

    choices: list[ChatChoice] = Field(min_length=1)


class ChatTermWriter:
    """Asks a chat model for the search terms of each segment of a narration."""

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
            # a job rather falls back to keywords at once.
            max_retries=0,
        )

    @property
    def provider(self) -> str:
        return f"llm ({self.model})"

    def terms(self, texts: list[str]) -> list[list[str]]:
        """One to three terms for each text, asking once more if the first answer is unusable."""
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": _numbered(texts)},
        ]
        answer = self._ask(messages)
        try:
            return parse_terms(answer, len(texts))
        except ValueError as problem:
            logger.info("the chat model's answer was unusable (%s); asking once more", problem)
            messages += [
                {"role": "assistant", "content": answer},
                {"role": "user", "content": _correction(problem, len(texts))},
            ]
        answer = self._ask(messages)
        try:
            return parse_terms(answer, len(texts))
        except ValueError as problem:
            raise ProviderUnavailable("malformed answer twice") from problem

    def _ask(self, messages: list[ChatCompletionMessageParam]) -> str:
        """The model's reply; empty when the server's answer is not a chat completion."""
        try:
            # The raw response, because the client's own parsing fails on a body that is not
            # a chat completion with errors outside its error tree.
            response = self._client.chat.completions.with_raw_response.create(
                model=self.model,
                messages=messages,
                # JSON mode: OpenAI, Ollama and vLLM all take it; the answer is checked anyway.
                response_format={"type": "json_object"},
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
            completion = ChatCompletionBody.model_validate_json(response.content)
        except ValidationError:
            logger.info("the chat endpoint answered with something other than a chat completion")
            return ""
        return completion.choices[0].message.content or ""


def parse_terms(answer: str, segment_count: int) -> list[list[str]]:
    """The terms of each segment in a model's answer; ValueError says what is wrong with it."""
    # Models often wrap JSON in a code fence or a sentence, even in JSON mode.
    start, end = answer.find("{"), answer.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the answer holds no JSON object")
    try:
        parsed = TermsAnswer.model_validate_json(answer[start : end + 1])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        raise ValueError(f"{where}: {first['msg']}") from None
    if len(parsed.segments) != segment_count:
        raise ValueError(f"{len(parsed.segments)} entries for {segment_count} segments")
    numbers = [entry.segment for entry in parsed.segments]
    if None not in numbers and numbers != list(range(1, segment_count + 1)):
        raise ValueError(f"the entries are numbered {numbers}, not 1 to {segment_count}")
    return [entry.terms for entry in parsed.segments]


def _numbered(texts: list[str]) -> str:
    lines = [f"Segment {number}: {text}" for number, text in enumerate(texts, start=1)]
    return f"{len(texts)} segments:\n" + "\n".join(lines)


def _correction(problem: ValueError, segment_count: int) -> str:
    return (
        f"That reply could not be used ({problem}). Reply again with only the JSON object: "
        f"exactly {segment_count} entries, each with 1 to 3 terms of at most "
        f"{MAX_WORDS_PER_TERM} words."
    )
