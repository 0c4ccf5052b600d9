"""Search terms from a chat model behind an OpenAI-compatible endpoint (see :mod:`common.llm`).

The terms are English whatever the story's language: stock libraries search best in
English. The story's language is passed to the model so it reads the narration right.

Every failure leaves here as a :class:`ProviderUnavailable` whose message says in a few
words what went wrong, for the stage to fall back to keywords and to tell the user why.
"""

import logging
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, ValidationError

from common.errors import ProviderUnavailable
from common.llm import ChatClient, ChatMessages

logger = logging.getLogger(__name__)

INSTRUCTIONS = """\
You pick stock-footage search terms for a narrated short video. The narration, in any
language, is cut into numbered segments. For each segment give 1 to 3 English search
terms for what could be on screen while it is spoken: concrete, visual things and
scenes, as nouns or short noun phrases ("old lighthouse", "stormy sea", "city street at
night"), the one that pictures the segment best first. No abstract ideas, no times or
seasons on their own ("noon", "summer", "years"), no verbs, no names of people, no
sentences; at most 4 words a term.
Always write the terms in English, whatever the language of the narration: stock
libraries search best in English.
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


class ChatTermWriter:
    """Asks a chat model for the search terms of each segment of a narration."""

    def __init__(
        self, base_url: str, model: str, api_key: str | None, timeout_seconds: float
    ) -> None:
        self.model = model
        self._chat = ChatClient(base_url, model, api_key, timeout_seconds)

    @property
    def provider(self) -> str:
        return f"llm ({self.model})"

    def terms(self, texts: list[str], language: str | None = None) -> list[list[str]]:
        """One to three English terms for each text of a story in ``language`` (BCP 47),
        asking once more if the first answer is unusable."""
        messages: ChatMessages = [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": _numbered(texts, language)},
        ]
        answer = self._chat.ask(messages, json_mode=True)
        try:
            return parse_terms(answer, len(texts))
        except ValueError as problem:
            logger.info("the chat model's answer was unusable (%s); asking once more", problem)
            messages += [
                {"role": "assistant", "content": answer},
                {"role": "user", "content": _correction(problem, len(texts))},
            ]
        answer = self._chat.ask(messages, json_mode=True)
        try:
            return parse_terms(answer, len(texts))
        except ValueError as problem:
            raise ProviderUnavailable("malformed answer twice") from problem


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


def _numbered(texts: list[str], language: str | None) -> str:
    lines = [f"Segment {number}: {text}" for number, text in enumerate(texts, start=1)]
    # The story's language helps the model read it; the terms stay English regardless.
    written_in = f"The narration is in {language} (BCP 47); write the terms in English.\n"
    return (written_in if language else "") + f"{len(texts)} segments:\n" + "\n".join(lines)


def _correction(problem: ValueError, segment_count: int) -> str:
    return (
        f"That reply could not be used ({problem}). Reply again with only the JSON object: "
        f"exactly {segment_count} entries, each with 1 to 3 terms of at most "
        f"{MAX_WORDS_PER_TERM} words."
    )
