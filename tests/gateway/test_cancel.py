"""DELETE /api/v1/jobs/<job_id>: a job stops at its next stage boundary and reads as failed."""

from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.artifacts import JobPaths
from common.errors import StageError
from common.progress import completed_event, failed_event, stage_event
from gateway.settings import GatewaySettings
from tests.gateway.helpers import API, publish_progress, submit, wait_for_status

ALREADY_FINISHED = {"error": "Job already finished"}


def test_a_queued_job_is_cancelled(client: TestClient, gateway_settings: GatewaySettings) -> None:
    # Given a queued job
    job_id = submit(client)

    # When the client cancels it
    response = client.delete(f"{API}/jobs/{job_id}")

    # Then it is accepted, and the job reads as failed with the reason
    assert response.status_code == 202
    assert response.json() == {"job_id": job_id, "status": "failed", "message": "Cancelled"}
    status = client.get(f"{API}/status/{job_id}").json()
    assert (status["status"], status["progress"], status["message"]) == ("failed", 0, "Cancelled")

    # And the marker every stage looks for is on the shared volume
    assert JobPaths(gateway_settings.data_dir, job_id).cancel_marker.is_file()


def test_a_running_job_keeps_its_progress_and_later_events_cannot_revive_it(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given a job at the search-query stage
    job_id = submit(client)
    publish_progress(broker, stage_event(job_id, "queries"))
    wait_for_status(client, job_id, lambda status: status["progress"] == 60)

    # When it is cancelled, and the stage that was running reports, then the last one completes
    assert client.delete(f"{API}/jobs/{job_id}").status_code == 202
    publish_progress(broker, stage_event(job_id, "footage"))
    publish_progress(broker, completed_event(job_id, "render"))
    # A marker event afterwards shows when the ones before it have been consumed.
    marker_id = submit(client)
    publish_progress(broker, stage_event(marker_id, "tts"))
    wait_for_status(client, marker_id, lambda status: status["progress"] == 20)

    # Then it still reads as cancelled where it stopped, and offers no video
    status = client.get(f"{API}/status/{job_id}").json()
    assert (status["status"], status["progress"], status["message"]) == ("failed", 60, "Cancelled")
    assert "output_file" not in client.get(f"{API}/jobs").json()["jobs"][job_id]


def test_a_finished_job_cannot_be_cancelled(
    client: TestClient, broker: BrokerSession, gateway_settings: GatewaySettings
) -> None:
    # Given a completed job and a failed one
    completed, failed = submit(client), submit(client)
    publish_progress(broker, completed_event(completed, "render"))
    publish_progress(broker, failed_event(failed, "tts", StageError("no voice")))
    for job_id in (completed, failed):
        wait_for_status(client, job_id, lambda status: status["status"] != "queued")

    for job_id in (completed, failed):
        # When the client tries to cancel it
        response = client.delete(f"{API}/jobs/{job_id}")

        # Then it is told the job is over, and nothing changes
        assert response.status_code == 409
        assert response.json() == ALREADY_FINISHED
        assert not JobPaths(gateway_settings.data_dir, job_id).cancel_marker.exists()
    assert client.get(f"{API}/status/{completed}").json()["status"] == "completed"
    assert client.get(f"{API}/status/{failed}").json()["message"] == "Failed at tts: no voice"


def test_cancelling_twice_is_refused_the_second_time(client: TestClient) -> None:
    job_id = submit(client)

    first = client.delete(f"{API}/jobs/{job_id}")
    second = client.delete(f"{API}/jobs/{job_id}")

    assert first.status_code == 202
    assert (second.status_code, second.json()) == (409, ALREADY_FINISHED)
