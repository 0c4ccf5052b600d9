"""A stage message naming a file outside its job's folder fails the job (gateway and stage)."""

import pytest
from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.artifacts import JobPaths
from common.messages import StageMessage, parse_stage_message
from common.service import StageService
from gateway.settings import GatewaySettings
from svc_queries.settings import QueriesSettings
from svc_queries.stage import QueriesStage
from tests.broker_helpers import drain_queue, get_message_from_queue, publish_stage, running
from tests.gateway.helpers import submit, wait_for_status


@pytest.mark.parametrize(
    ("named", "why"),
    [
        ("/etc/hostname", "is not a plain relative path"),
        ("work/{job_id}/../../jobs.sqlite3", "is not a plain relative path"),
        ("work/{job_id}/captions.json", "leads outside the job's folder"),  # a link out
    ],
)
def test_a_message_naming_a_file_outside_its_job_is_dead_lettered_and_fails_the_job(
    client: TestClient,
    gateway_settings: GatewaySettings,
    broker: BrokerSession,
    named: str,
    why: str,
) -> None:
    # Given a job, and a link in its folder to another job's captions
    job_id = submit(client)
    paths = JobPaths(gateway_settings.data_dir, job_id)
    elsewhere = JobPaths(gateway_settings.data_dir, "another-job").captions
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text('{"duration": 1, "words": [], "groups": []}')
    paths.work_dir.mkdir(parents=True)
    paths.captions.symlink_to(elsewhere)
    hostile = named.format(job_id=job_id)

    # When a message for the job names that file as its captions
    message = StageMessage(job_id=job_id, text="A story.", artifacts={"captions": hostile})
    with running(StageService(QueriesStage(QueriesSettings()), gateway_settings)):
        topology = broker.topology
        publish_stage(broker, "queries", message.to_bytes())

        # Then the message is dead-lettered, not run or retried
        dead = parse_stage_message(get_message_from_queue(broker, topology.dead_letter_queue))
        status = wait_for_status(client, job_id, lambda status: status["status"] == "failed")
    assert dead.job_id == job_id
    assert drain_queue(broker, topology.stage_queue("footage")) == []
    # And the job reads as failed at that stage, saying why
    assert status["status"] == "failed"
    assert status["message"] == f"Failed at queries: the artifact path {hostile!r} {why}"
