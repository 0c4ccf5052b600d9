import itertools
import logging
from pathlib import Path

import pytest

from common.documents import Queries, load_document
from common.errors import MissingArtifact
from common.messages import JobOptions
from common.stage import REUSED, StageResult
from svc_queries.settings import QueriesSettings
from svc_queries.stage import QueriesStage
from tests.svc_queries.chat_server import ChatServer, terms_answer
from tests.svc_queries.jobs import (
    LIGHTHOUSE_KEYWORD_TERMS,
    LIGHTHOUSE_SEGMENT_TEXTS,
    job_with_captions,
)


def test_segments_cover_the_narration_with_keyword_terms(tmp_path: Path) -> None:
    # Given captions of a nine-second story about a lighthouse and the sea
    job, paths = job_with_captions(tmp_path, "q1")
    stage = QueriesStage(QueriesSettings(data_dir=tmp_path, segment_seconds=4.0))
    notes: list[str] = []

    # When the stage runs with the default provider
    result = stage.run(job, paths, notes.append)

    # Then the keyword extractor wrote the queries
    assert result == StageResult({"queries": "work/q1/queries.json"}, "keywords")
    assert notes == ["(3 segments)"]
    # And its segments run from 0 to the end with no gaps, one per sentence
    segments = load_document(Queries, paths.queries).segments
    assert (segments[0].start, segments[-1].end) == (0.0, 9.0)
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))
    assert [s.text for s in segments] == LIGHTHOUSE_SEGMENT_TEXTS
    # And each has the nouns it speaks of, or the story's subject when it speaks of none
    assert [s.terms for s in segments] == LIGHTHOUSE_KEYWORD_TERMS


def test_a_narration_with_no_captions_is_one_segment_of_the_story(tmp_path: Path) -> None:
    # Given a job whose transcription heard nothing
    job, paths = job_with_captions(
        tmp_path, "q2", story="A red kite over the windy beach.", groups=[], duration=3.0
    )

    # When the stage runs
    QueriesStage(QueriesSettings(data_dir=tmp_path)).run(job, paths, lambda _: None)

    # Then one segment covers the whole narration with the story's terms
    [segment] = load_document(Queries, paths.queries).segments
    assert (segment.start, segment.end) == (0.0, 3.0)
    assert segment.terms == ["windy beach", "red kite"]


def test_queries_already_on_disk_are_reused(tmp_path: Path, chat_server: ChatServer) -> None:
    # Given a job whose queries an earlier attempt wrote
    job, paths = job_with_captions(tmp_path, "q3")
    settings = QueriesSettings(
        data_dir=tmp_path, query_provider="llm", llm_base_url=chat_server.base_url, llm_model="m"
    )
    QueriesStage(QueriesSettings(data_dir=tmp_path)).run(job, paths, lambda _: None)
    written = paths.queries.read_bytes()

    # When the stage runs again, this time with a chat model configured
    result = QueriesStage(settings).run(job, paths, lambda _: None)

    # Then it reports them reused, leaves them as they were and asks no model
    assert result == StageResult({"queries": "work/q3/queries.json"}, REUSED)
    assert paths.queries.read_bytes() == written
    assert chat_server.requests == []


def test_a_job_without_captions_fails(tmp_path: Path) -> None:
    # Given a job whose captions file is gone
    job, paths = job_with_captions(tmp_path, "q4")
    paths.captions.unlink()

    # When the stage runs, then it says which artifact is missing
    with pytest.raises(MissingArtifact, match="captions"):
        QueriesStage(QueriesSettings(data_dir=tmp_path)).run(job, paths, lambda _: None)


def test_a_job_may_ask_for_the_chat_model(tmp_path: Path, chat_server: ChatServer) -> None:
    # Given a service that uses keywords unless a job says otherwise, with a model configured
    settings = QueriesSettings(data_dir=tmp_path, llm_base_url=chat_server.base_url, llm_model="m")
    chat_server.replies = [terms_answer(["lighthouse"], ["surf"], ["sunset"])]
    job, paths = job_with_captions(tmp_path, "q5", options=JobOptions(query_provider="llm"))

    # When a job that asks for the llm provider runs
    result = QueriesStage(settings).run(job, paths, lambda _: None)

    # Then the chat model wrote its queries
    assert result.provider == "llm (m)"
    terms = [s.terms for s in load_document(Queries, paths.queries).segments]
    assert terms == [["lighthouse"], ["surf"], ["sunset"]]


def test_a_job_may_ask_for_keywords(tmp_path: Path, chat_server: ChatServer) -> None:
    # Given a service whose default provider is the chat model
    settings = QueriesSettings(
        data_dir=tmp_path, query_provider="llm", llm_base_url=chat_server.base_url, llm_model="m"
    )
    job, paths = job_with_captions(tmp_path, "q6", options=JobOptions(query_provider="keywords"))

    # When a job that asks for keywords runs
    result = QueriesStage(settings).run(job, paths, lambda _: None)

    # Then keywords wrote its queries and the model was never asked
    assert result.provider == "keywords"
    assert chat_server.requests == []


def test_a_job_asking_for_an_unconfigured_model_gets_keywords(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a service with no chat model configured
    stage = QueriesStage(QueriesSettings(data_dir=tmp_path))
    job, paths = job_with_captions(tmp_path, "q7", options=JobOptions(query_provider="llm"))

    # When a job that asks for the llm provider runs
    with caplog.at_level(logging.WARNING, logger="svc_queries"):
        result = stage.run(job, paths, lambda _: None)

    # Then keywords wrote its queries, and both the result and the log say why
    assert result.provider == "keywords (llm not configured)"
    terms = [s.terms for s in load_document(Queries, paths.queries).segments]
    assert terms == LIGHTHOUSE_KEYWORD_TERMS
    assert "no chat model is configured" in caplog.text
