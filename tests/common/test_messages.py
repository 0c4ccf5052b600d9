"""Stage messages and progress events are untrusted input: every field is bounded."""

import json
import re
from typing import Any

import pytest

from common.errors import InvalidMessage, StageError
from common.messages import (
    MAX_ARTIFACTS,
    MAX_MESSAGE_BYTES,
    MAX_NOTE_CHARS,
    MAX_PATH_CHARS,
    MAX_TEXT_CHARS,
    parse_progress_event,
    parse_stage_message,
)
from common.progress import completed_event, failed_event, stage_event

STAGE_MESSAGE = {"job_id": "job", "text": "A story."}


def _stage_message(**changes: Any) -> bytes:
    return json.dumps({**STAGE_MESSAGE, **changes}).encode()


def _event(**changes: Any) -> bytes:
    event = json.loads(stage_event("job", "captions").to_bytes())
    return json.dumps({**event, **changes}).encode()


def test_the_messages_the_stages_send_are_well_formed() -> None:
    # Given every kind of event and a stage message at its limits
    events = [
        stage_event("job", "tts", "x" * 2 * MAX_NOTE_CHARS),
        completed_event("job", "render"),
        failed_event("job", "footage", StageError("y" * 2 * MAX_NOTE_CHARS)),
    ]
    largest = _stage_message(
        text="\U0001f600" * MAX_TEXT_CHARS,
        artifacts={f"name_{'a' * n}": "p" * MAX_PATH_CHARS for n in range(MAX_ARTIFACTS)},
    )

    # When each goes over the wire, Then it reads back as it was sent
    for event in events:
        assert parse_progress_event(event.to_bytes()) == event
    assert len(parse_stage_message(largest).text) == MAX_TEXT_CHARS


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text"),
        ({"artifacts": {"audio": "p" * (MAX_PATH_CHARS + 1)}}, "artifacts.audio"),
        ({"artifacts": {"audio": ""}}, "artifacts.audio"),
        ({"artifacts": {"Audio/../x": "work/job/a"}}, "artifacts.Audio/../x"),
        ({"artifacts": {f"a{'a' * n}": "p" for n in range(MAX_ARTIFACTS + 1)}}, "artifacts"),
        ({"attempt": 10**9}, "attempt"),
        ({"job_id": "../other"}, "job_id"),
    ],
)
def test_an_oversized_or_malformed_stage_message_is_refused(
    changes: dict[str, Any], where: str
) -> None:
    # When a stage message breaks a bound, Then it is refused, naming the field
    with pytest.raises(InvalidMessage, match=re.escape(f"invalid StageMessage: {where}")):
        parse_stage_message(_stage_message(**changes))


def test_a_body_over_the_size_limit_is_refused_before_it_is_parsed() -> None:
    body = b'{"job_id": "job", "text": "' + b" " * MAX_MESSAGE_BYTES + b'"}'

    with pytest.raises(InvalidMessage, match="over"):
        parse_stage_message(body)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"stage": "mining"}, "stage"),
        ({"message": "x" * (MAX_NOTE_CHARS + 1)}, "message"),
        ({"status": "queued"}, "status"),
        ({"progress": 99}, "is at 40%"),  # a stage stands for one progress number
        ({"status": "completed"}, "is at 100%"),
        ({"status": "failed"}, "error exactly when"),  # a failure without a reason
        ({"error": {"stage": "captions", "reason": "no"}}, "error exactly when"),
        ({"at": float("inf")}, "at"),
        ({"report": {"provider": "p" * 1000, "seconds": 1.0}}, "report.provider"),
        ({"report": {"provider": "piper", "seconds": -1.0}}, "report.seconds"),
    ],
)
def test_a_progress_event_that_is_not_well_formed_is_refused(
    changes: dict[str, Any], where: str
) -> None:
    # When an event breaks a bound or contradicts itself, Then it is refused
    with pytest.raises(InvalidMessage, match=re.escape(where)):
        parse_progress_event(_event(**changes))


def test_a_failure_names_a_known_stage() -> None:
    failed = json.loads(failed_event("job", "captions", StageError("no")).to_bytes())
    failed["error"]["stage"] = "elsewhere"

    with pytest.raises(InvalidMessage, match=re.escape("error.stage")):
        parse_progress_event(json.dumps(failed).encode())
