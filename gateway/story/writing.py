"""A story from a topic: the question to the chat model, and its answer made safe to narrate.

The answer is untrusted text: markup is stripped (a narrator would read it aloud),
control characters and unpaired surrogates are dropped, its length is bounded at a
sentence end, and an answer with nothing left is refused. The ``t2v generate`` command
and the gateway's story worker both write stories here.
"""

import re
import unicodedata

from common.errors import ProviderUnavailable
from common.llm import ChatClient, ChatMessages
from common.narration import SECONDS_PER_WORD
from gateway.store import StoryTopic

# What a request may ask for (docs/api-contract.md states the same bounds).
MAX_TOPIC_CHARS = 1000
MAX_TONE_CHARS = 40
MIN_TARGET_SECONDS = 5.0
DEFAULT_TARGET_SECONDS = 60.0

INSTRUCTIONS = """\
You write the narration of a short narrated video: a story about the topic the user
gives. Write plain prose to be read aloud, in paragraphs: no title, no headings, no
lists, no markdown, no stage directions, no notes before or after the story."""

_FENCE_LINE = re.compile(r"^\s*```.*$", re.MULTILINE)
# A heading is a title, which the instructions ask the model to leave out.
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t].*$", re.MULTILINE)
_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,200}>")
_LINE_MARKUP = re.compile(r"^[ \t]*(?:[-*+][ \t]+|>[ \t]?|\d{1,3}[.)][ \t]+)", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|`+|~~)")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f\u0964][\"'\u201d\u2019)]?(?=\s|$)")


def story_messages(topic: StoryTopic, language: str | None) -> ChatMessages:
    """What the model is asked: the topic, how long, in which language and tone."""
    words = max(10, round(topic.target_seconds / SECONDS_PER_WORD))
    written_in = f"the language with BCP 47 tag {language}" if language else "English"
    tone = f" The tone: {topic.tone}." if topic.tone else ""
    question = (
        f"Topic: {topic.topic}\n\n"
        f"Write it in {written_in}, about {words} words "
        f"(about {topic.target_seconds:g} seconds read aloud).{tone}"
    )
    return [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": question},
    ]


def write_story(chat: ChatClient, topic: StoryTopic, language: str | None, max_chars: int) -> str:
    """The story, clean; ProviderUnavailable says why there is none.

    An answer with no story in it is asked for once more, as models sometimes refuse or
    answer with markup only.
    """
    messages = story_messages(topic, language)
    for _ in range(2):
        story = clean_story(chat.ask(messages), max_chars)
        if story:
            return story
    raise ProviderUnavailable("the model wrote no story twice")


def clean_story(answer: str, max_chars: int) -> str:
    """``answer`` as narration: plain text of at most ``max_chars``; empty if nothing is left."""
    text = unicodedata.normalize("NFC", _valid_characters(answer))
    text = _FENCE_LINE.sub("", text)
    text = _HEADING_LINE.sub("", text)
    text = _TAG.sub("", text)
    text = _LINE_MARKUP.sub("", text)
    text = _EMPHASIS.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return _bounded(text, max_chars)


def _valid_characters(text: str) -> str:
    # Surrogates (category Cs) cannot be stored or spoken as UTF-8; control characters
    # other than line breaks and tabs would reach the captions; private-use ones have no
    # meaning a voice knows.
    return "".join(
        character
        for character in text
        if character in "\n\t" or unicodedata.category(character) not in ("Cc", "Cs", "Co")
    )


def _bounded(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    ends = list(_SENTENCE_END.finditer(cut))
    # A story cut at a sentence end reads as an ending; cut mid-sentence only when no
    # sentence ends in the first half.
    if ends and ends[-1].end() > max_chars // 2:
        cut = cut[: ends[-1].end()]
    return cut.strip()
