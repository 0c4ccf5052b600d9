"""What a dead-lettered stage message means for its job, read from its x-death headers."""

from typing import Any

from common.messages import StageMessage
from common.settings import Settings
from gateway.dead_letters import poison_failure

SETTINGS = Settings(amqp_prefix="t2v", delivery_limit=3)
BODY = StageMessage(job_id="job", text="A story.").to_bytes()


def _death(reason: str, queue: str) -> dict[str, Any]:
    return {"reason": reason, "queue": queue, "count": 1, "exchange": "t2v.jobs"}


def test_a_message_past_its_delivery_limit_fails_its_job_at_its_stage() -> None:
    # Given a message that waited in a retry queue once, then reached the tts queue's limit
    headers = {
        "x-death": [
            _death("delivery_limit", "t2v.stage.tts"),
            _death("expired", "t2v.retry.5000ms"),
        ]
    }

    # When the gateway reads it
    event = poison_failure(SETTINGS, headers, BODY)

    # Then the job fails at tts, saying how often the worker stopped
    assert event is not None
    assert (event.job_id, event.status, event.stage) == ("job", "failed", "tts")
    assert event.message == "Failed at tts: the tts worker stopped 3 times on this job"


def test_other_dead_letters_leave_the_job_alone() -> None:
    cases: list[tuple[dict[str, Any] | None, bytes]] = [
        # A stage failed and rejected it: it has already told the gateway.
        ({"x-death": [_death("rejected", "t2v.stage.tts")]}, BODY),
        # The latest death is what counts, not the first.
        (
            {"x-death": [_death("rejected", "t2v.stage.tts"), _death("delivery_limit", "x")]},
            BODY,
        ),
        # Another deployment's queue, or no stage's at all.
        ({"x-death": [_death("delivery_limit", "other.stage.tts")]}, BODY),
        ({"x-death": [_death("delivery_limit", "t2v.gateway.progress")]}, BODY),
        # Headers that are not what RabbitMQ writes, and a body that is not a stage message.
        ({"x-death": "delivery_limit"}, BODY),
        ({"x-death": []}, BODY),
        (None, BODY),
        ({"x-death": [_death("delivery_limit", "t2v.stage.tts")]}, b"not json"),
    ]
    for headers, body in cases:
        assert poison_failure(SETTINGS, headers, body) is None, headers
