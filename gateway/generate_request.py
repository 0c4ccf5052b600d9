"""The body of POST /generate, read by hand so every way it can be wrong gets the contract's answer.

The framework would answer 422 for a body without usable text; the contract answers 400 with
one fixed message. Any content type that can carry JSON is accepted, because existing curl
scripts post JSON with ``-d`` and no ``Content-Type`` of their own; a form upload cannot, and
is told so.
"""

import json
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from pydantic import TypeAdapter, ValidationError

from common.documents import VoiceCatalog
from common.messages import JobOptions, LanguageTag
from gateway.budget import estimate_pixel_frames, over_budget
from gateway.deps import SettingsDep
from gateway.schemas import GenerateRequest, TopicRequest
from gateway.settings import GatewaySettings
from gateway.store import StoryTopic
from gateway.story.writing import (
    DEFAULT_TARGET_SECONDS,
    MAX_TONE_CHARS,
    MAX_TOPIC_CHARS,
    MIN_TARGET_SECONDS,
)
from gateway.voices import read_voice_catalog
from gateway.webhooks.urls import WebhookRefused, check_webhook_url

NO_TEXT_MESSAGE = "No text provided in request body"
NO_CHAT_MODEL_MESSAGE = (
    "Stories from a topic need a chat model: the gateway needs T2V_LLM_BASE_URL and "
    "T2V_LLM_MODEL (and T2V_LLM_API_KEY if the endpoint asks for a key)"
)
FORM_UPLOAD_MESSAGE = (
    "Unsupported content type multipart/form-data: "
    'send JSON such as {"text": "..."} with Content-Type: application/json'
)
# A character may arrive as a 12-byte JSON escape (a surrogate pair); the rest is room
# for the options and the JSON around them.
_BYTES_PER_CHAR = 12
_BODY_OVERHEAD_BYTES = 64 * 1024
_LANGUAGE_TAG: TypeAdapter[str] = TypeAdapter(LanguageTag)


def body_limit(max_text_chars: int) -> int:
    return max_text_chars * _BYTES_PER_CHAR + _BODY_OVERHEAD_BYTES


async def read_generate_request(
    request: Request, settings: SettingsDep
) -> GenerateRequest | TopicRequest:
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        raise HTTPException(status_code=415, detail=FORM_UPLOAD_MESSAGE)
    body = await _read_body(request, body_limit(settings.max_text_chars))
    try:
        document = json.loads(body)
    # ValueError: invalid JSON or UTF-8; RecursionError: arrays nested thousands deep.
    except (ValueError, RecursionError):
        raise HTTPException(status_code=400, detail=NO_TEXT_MESSAGE) from None
    # With a text, a topic is one more field of the client's own, ignored as the contract
    # for text has always had it.
    if isinstance(document, dict) and "topic" in document and "text" not in document:
        return check_topic_document(document, settings)
    return check_generate_document(document, settings)


def check_generate_document(document: Any, settings: GatewaySettings) -> GenerateRequest:
    """A job from a decoded request body, or the HTTPException the API answers it with.

    Every door that takes jobs (POST /generate, the MCP tool) reads them here, so they
    accept and refuse the same jobs in the same words.
    """
    text = document.get("text") if isinstance(document, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise HTTPException(status_code=400, detail=NO_TEXT_MESSAGE)
    if len(text) > settings.max_text_chars:
        raise HTTPException(
            status_code=413,
            detail=f"Text is too long: {len(text)} characters, "
            f"the limit is {settings.max_text_chars}",
        )
    if not _is_valid_unicode(text):
        raise HTTPException(
            status_code=400, detail="Text is not valid Unicode: it has an unpaired surrogate"
        )
    options = _job_options(document.get("options"), settings)
    too_costly = over_budget(
        text, options, settings.max_video_seconds, settings.max_render_pixel_frames
    )
    if too_costly is not None:
        raise HTTPException(status_code=413, detail=too_costly)
    return GenerateRequest(text=text, options=options)


def check_topic_document(document: dict[str, Any], settings: GatewaySettings) -> TopicRequest:
    """A job asked for by topic (see gateway.story), or the HTTPException that refuses it."""
    if not settings.llm_configured:
        raise HTTPException(status_code=400, detail=NO_CHAT_MODEL_MESSAGE)
    topic = document["topic"]
    if not isinstance(topic, str) or not topic.strip():
        raise HTTPException(status_code=400, detail="Invalid topic: a non-empty string")
    if len(topic) > MAX_TOPIC_CHARS or not _is_valid_unicode(topic):
        raise HTTPException(
            status_code=400,
            detail=f"Invalid topic: at most {MAX_TOPIC_CHARS} characters of valid Unicode",
        )
    story = StoryTopic(
        topic=topic.strip(),
        target_seconds=_target_seconds(document.get("target_seconds"), settings),
        tone=_tone(document.get("tone")),
    )
    options = _job_options(document.get("options"), settings)
    # Checked again on the story itself once it is written.
    pixel_frames = estimate_pixel_frames(story.target_seconds, options)
    if pixel_frames > settings.max_render_pixel_frames:
        raise HTTPException(
            status_code=413,
            detail=f"Rendering {options.width}x{options.height} at {options.fps} fps for "
            f"{story.target_seconds:g} s is over the limit (T2V_MAX_RENDER_PIXEL_FRAMES): ask "
            "for a smaller size, fewer frames per second or a shorter target_seconds",
        )
    return TopicRequest(
        topic=story.topic, target_seconds=story.target_seconds, tone=story.tone, options=options
    )


def _target_seconds(value: Any, settings: GatewaySettings) -> float:
    longest = settings.max_video_seconds
    if value is None:
        return min(DEFAULT_TARGET_SECONDS, longest)
    # bool is an int to Python, not a number of seconds to a client.
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not MIN_TARGET_SECONDS <= value <= longest
    ):
        raise HTTPException(
            status_code=400,
            detail=f"Invalid target_seconds: a number from {MIN_TARGET_SECONDS:g} to "
            f"{longest:g} (T2V_MAX_VIDEO_SECONDS)",
        )
    return float(value)


def _tone(value: Any) -> str | None:
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_TONE_CHARS
        or not value.isprintable()
    ):
        raise HTTPException(
            status_code=400,
            detail=f"Invalid tone: a few words on one line, at most {MAX_TONE_CHARS} characters",
        )
    return value.strip()


async def _read_body(request: Request, limit: int) -> bytes:
    too_large = HTTPException(
        status_code=413, detail=f"Request body is too large: the limit is {limit} bytes"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    # Counting while reading keeps an endless upload from filling memory.
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _is_valid_unicode(text: str) -> bool:
    # JSON may escape half a surrogate pair ("\ud800"); such a string cannot be stored,
    # spoken or sent on as UTF-8.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _job_options(given: Any, settings: GatewaySettings) -> JobOptions:
    """A job's options as given, checked, with its language and webhook filled in."""
    options = _parse_options(given)
    catalog = read_voice_catalog(settings.data_dir)
    if options.voice is not None:
        _check_voice(options.voice, catalog)
    options = _with_language(options, catalog)
    return _with_webhook(options, settings)


def _check_voice(voice: str, catalog: VoiceCatalog | None) -> None:
    # Without a catalog yet, the TTS service is the one to refuse an unknown voice.
    if catalog is not None and voice not in {known.id for known in catalog.voices}:
        raise HTTPException(
            status_code=400,
            detail=f"Unknown voice {voice!r}: GET /api/v1/voices lists the installed voices",
        )


def _with_language(options: JobOptions, catalog: VoiceCatalog | None) -> JobOptions:
    """``options`` with the story's language: the job's own, else the language of its voice.

    Without a catalog yet, or for a voice that names no language, it stays unset and the
    stages take the voice's language, or English, themselves.
    """
    if options.language is not None or catalog is None:
        return options
    voice_id = options.voice if options.voice is not None else catalog.default
    voice = next((known for known in catalog.voices if known.id == voice_id), None)
    if voice is None or voice.language is None:
        return options
    # Voices write "en_US" (espeak's and Piper's way); a job's language is "en-US".
    try:
        language = _LANGUAGE_TAG.validate_python(voice.language.replace("_", "-"))
    except ValidationError:
        return options  # a catalog entry the stages would not accept either
    return options.model_copy(update={"language": language})


def _with_webhook(options: JobOptions, settings: GatewaySettings) -> JobOptions:
    """``options`` with the webhook its events go to, checked: its own or the default."""
    url = options.webhook_url if options.webhook_url is not None else settings.webhook_url
    if url is None:
        return options
    if settings.webhook_secret is None:
        raise HTTPException(
            status_code=400,
            detail="Invalid options: webhook_url: webhooks are off, "
            "as the gateway has no T2V_WEBHOOK_SECRET to sign them with",
        )
    try:
        check_webhook_url(url, settings.webhook_allow_private_addresses)
    except WebhookRefused as exc:
        raise HTTPException(
            status_code=400, detail=f"Invalid options: webhook_url: {exc}"
        ) from None
    # Stored with the job, so its events go where they went when it was accepted.
    return options.model_copy(update={"webhook_url": url})


def _parse_options(options: Any) -> JobOptions:
    if options is None:
        return JobOptions()
    try:
        return JobOptions.model_validate(options)
    except ValidationError as exc:
        problems = [
            ": ".join([*(str(part) for part in error["loc"]), error["msg"]])
            for error in exc.errors()
        ]
        raise HTTPException(
            status_code=400, detail=f"Invalid options: {'; '.join(problems)}"
        ) from None


GenerateRequestDep = Annotated[GenerateRequest | TopicRequest, Depends(read_generate_request)]
