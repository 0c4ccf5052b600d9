import json
import logging
import re
import socket
import time
from pathlib import Path

import pytest

from common.documents import Queries, load_document
from common.errors import ProviderUnavailable, TransientError
from svc_queries.llm import ChatTermWriter, parse_terms
from svc_queries.settings import QueriesSettings
from svc_queries.stage import QueriesStage
from tests.svc_queries.chat_server import ChatServer, Reply, answer, terms_answer
from tests.svc_queries.jobs import (
    LIGHTHOUSE_KEYWORD_TERMS,
    LIGHTHOUSE_SEGMENT_TEXTS,
    job_with_captions,
)

MODEL = "story-model"
# Short, so that a timeout test waits half a second, not a minute.
TIMEOUT_SECONDS = 0.5
GOOD_TERMS = (["old lighthouse", "sea cliff"], ["waves crashing on rocks"], ["calm sea at dusk"])


def _run_with_model(base_url: str, data_dir: Path) -> tuple[str, list[list[str]]]:
    """Run the stage on the lighthouse story with the chat model as the default provider."""
    settings = QueriesSettings(
        data_dir=data_dir,
        query_provider="llm",
        llm_base_url=base_url,
        llm_model=MODEL,
        llm_timeout_seconds=TIMEOUT_SECONDS,
    )
    job, paths = job_with_captions(data_dir, "llm-job")
    result = QueriesStage(settings).run(job, paths, lambda _: None)
    segments = load_document(Queries, paths.queries).segments
    return result.provider, [segment.terms for segment in segments]


def test_a_good_answer_gives_the_models_terms(tmp_path: Path, chat_server: ChatServer) -> None:
    # Given a chat model that answers with terms for each of the three segments
    chat_server.replies = [terms_answer(*GOOD_TERMS)]

    # When the stage runs
    provider, terms = _run_with_model(chat_server.base_url, tmp_path)

    # Then the queries carry the model's terms, and say which model wrote them
    assert provider == f"llm ({MODEL})"
    assert terms == list(GOOD_TERMS)
    # And the model was asked once, in JSON mode, for the segments in order
    [request] = chat_server.requests
    assert request["model"] == MODEL
    assert request["response_format"] == {"type": "json_object"}
    question = request["messages"][-1]["content"]
    for number, text in enumerate(LIGHTHOUSE_SEGMENT_TEXTS, start=1):
        assert f"Segment {number}: {text}" in question


def test_a_malformed_answer_is_asked_for_again(tmp_path: Path, chat_server: ChatServer) -> None:
    # Given a chat model that first answers in prose, then as asked
    prose = "Sure! Try: lighthouse, waves, sunset."
    chat_server.replies = [answer(prose), terms_answer(*GOOD_TERMS)]

    # When the stage runs
    provider, terms = _run_with_model(chat_server.base_url, tmp_path)

    # Then the second answer's terms are used
    assert provider == f"llm ({MODEL})"
    assert terms == list(GOOD_TERMS)
    # And the second request showed the model its first answer and what was wrong with it
    first, second = chat_server.requests
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assert second["messages"][-2] == {"role": "assistant", "content": prose}
    assert "no JSON object" in second["messages"][-1]["content"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


WRONG_COUNT = terms_answer(["lighthouse"], ["waves"])
TOO_MANY_TERMS = terms_answer(["a", "b", "c", "d"], ["waves"], ["sunset"])
NOT_A_COMPLETION = Reply(body="<html>502 Bad Gateway</html>", headers={"Content-Type": "text/html"})


@pytest.mark.parametrize(
    ("replies", "reason"),
    [
        ([WRONG_COUNT, TOO_MANY_TERMS], "malformed answer twice"),
        ([NOT_A_COMPLETION, NOT_A_COMPLETION], "malformed answer twice"),
        ([Reply(delay=2.0, content=json.dumps({"segments": []}))], "timeout"),
        ([Reply(status=429, content="Rate limit reached", headers={"Retry-After": "20"})],
         "rate limited"),
        ([Reply(status=500, content="The server had an error")], "HTTP 500"),
    ],
    ids=["malformed-twice", "not-a-completion", "timeout", "rate-limited", "server-error"],
)  # fmt: skip
def test_a_failing_model_leaves_the_job_to_keywords(
    tmp_path: Path,
    chat_server: ChatServer,
    caplog: pytest.LogCaptureFixture,
    replies: list[Reply],
    reason: str,
) -> None:
    # Given a chat model that fails in this way
    chat_server.replies = list(replies)

    # When the stage runs
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="svc_queries"):
        provider, terms = _run_with_model(chat_server.base_url, tmp_path)

    # Then the keyword extractor wrote the queries, and the provider says why
    assert provider == f"keywords (llm failed: {reason})"
    assert terms == LIGHTHOUSE_KEYWORD_TERMS
    # And a warning says so
    assert f"llm search terms failed ({reason}); using keywords instead" in caplog.text
    # And the job waited about the timeout at most: the client neither retried with backoff
    # nor waited out the Retry-After, and asked only as often as there were replies
    assert time.monotonic() - started < TIMEOUT_SECONDS + 1.0
    assert len(chat_server.requests) == len(replies)


def test_an_unreachable_model_leaves_the_job_to_keywords(tmp_path: Path) -> None:
    # Given a base URL where nothing listens
    base_url = f"http://127.0.0.1:{_free_port()}/v1"

    # When the stage runs
    provider, terms = _run_with_model(base_url, tmp_path)

    # Then the keyword extractor wrote the queries, and the provider says why
    assert provider == "keywords (llm failed: cannot connect)"
    assert terms == LIGHTHOUSE_KEYWORD_TERMS


def test_a_failing_model_is_an_unavailable_provider_not_a_stage_retry(
    chat_server: ChatServer,
) -> None:
    # Given a chat model that fails with a server error
    chat_server.replies = [Reply(status=503, content="Overloaded")]
    writer = ChatTermWriter(chat_server.base_url, MODEL, None, TIMEOUT_SECONDS)

    # When it is asked for terms
    with pytest.raises(ProviderUnavailable, match="HTTP 503") as failure:
        writer.terms(list(LIGHTHOUSE_SEGMENT_TEXTS))

    # Then the failure asks for the next provider, not for the stage to run again later
    assert not isinstance(failure.value, TransientError)


def test_an_answer_may_come_in_a_code_fence() -> None:
    fenced = '```json\n{"segments": [{"segment": 1, "terms": [" ferry boat ", "harbor"]}]}\n```'
    assert parse_terms(fenced, 1) == [["ferry boat", "harbor"]]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"segments": [{"segment": 2, "terms": ["a"]}]}', "numbered [2], not 1 to 1"),
        ('{"segments": [{"segment": 1, "terms": []}]}', "segments.0.terms"),
        ('{"segments": [{"segment": 1, "terms": ["  "]}]}', "segments.0.terms.0"),
        ('{"segments": [{"terms": ["a tall ship at sea today"]}]}', "more than 4 words"),
        ('{"terms": ["harbor"]}', "segments: Field required"),
        ('{"segments": [{"terms": ["harbor"]}', "Invalid JSON"),
    ],
    ids=["misnumbered", "no-terms", "blank-term", "long-term", "wrong-shape", "cut-short"],
)
def test_an_unusable_answer_says_what_is_wrong(content: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_terms(content, 1)


def test_the_terms_are_asked_in_english_with_the_storys_language(chat_server: ChatServer) -> None:
    # Given a chat model that answers with terms for each segment
    chat_server.replies = [terms_answer(*GOOD_TERMS)]
    writer = ChatTermWriter(chat_server.base_url, MODEL, None, TIMEOUT_SECONDS)

    # When it is asked for the terms of a story told in French
    writer.terms(list(LIGHTHOUSE_SEGMENT_TEXTS), language="fr-FR")

    # Then the instructions ask for English terms, and the question names the story's language
    [request] = chat_server.requests
    instructions, question = (message["content"] for message in request["messages"])
    assert "English search" in instructions
    assert "in English, whatever the language" in instructions
    assert "The narration is in fr-FR" in question
    assert "write the terms in English" in question
