"""A job's captions as SRT and WebVTT, and its poster image, through the running gateway."""

import time
from pathlib import Path

from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.artifacts import JobPaths, write_bytes_atomic
from common.documents import CaptionGroup, Captions, Word, save_document
from common.messages import JobOptions
from common.progress import completed_event
from gateway.retention import Retention, remove_expired_files
from gateway.settings import GatewaySettings
from gateway.store import JobStore
from tests.gateway.helpers import API, create_job, publish_progress, submit, wait_for_status

CAPTIONS = Captions(
    duration=4.0,
    words=[],
    groups=[
        CaptionGroup(
            text="Once upon",
            start=0.0,
            end=1.25,
            words=[Word(text="Once", start=0.0, end=0.5), Word(text="upon", start=0.5, end=1.2)],
        ),
        CaptionGroup(text="a  time", start=1.25, end=2.5, words=[]),
    ],
)
JPEG = b"\xff\xd8\xff\xe0" + b"poster" * 10 + b"\xff\xd9"


def _paths(settings: GatewaySettings, job_id: str) -> JobPaths:
    return JobPaths(settings.data_dir, job_id)


def test_captions_are_served_as_srt_and_vtt(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job whose captions stage wrote its captions
    job_id = submit(client)
    save_document(CAPTIONS, _paths(gateway_settings, job_id).captions)

    # When both files are asked for
    srt = client.get(f"{API}/jobs/{job_id}/captions.srt")
    vtt = client.get(f"{API}/jobs/{job_id}/captions.vtt")

    # Then each holds the groups as shown, with its type and a download name
    assert srt.status_code == 200, srt.text
    assert srt.headers["content-type"] == "application/x-subrip"
    assert f'filename="captions_{job_id}.srt"' in srt.headers["content-disposition"]
    assert srt.text == (
        "1\n00:00:00,000 --> 00:00:01,250\nOnce upon\n\n"
        "2\n00:00:01,250 --> 00:00:02,500\na time\n\n"
    )
    assert vtt.status_code == 200, vtt.text
    assert vtt.headers["content-type"] == "text/vtt; charset=utf-8"
    assert f'filename="captions_{job_id}.vtt"' in vtt.headers["content-disposition"]
    assert vtt.text == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nOnce upon\n\n"
        "00:00:01.250 --> 00:00:02.500\na time\n\n"
    )


def test_captions_before_they_are_made_and_after_they_are_gone(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given a job still waiting for its captions
    job_id = submit(client)
    # When its captions are asked for, Then they are not ready yet
    early = client.get(f"{API}/jobs/{job_id}/captions.vtt")
    assert (early.status_code, early.json()) == (400, {"error": "Captions not ready"})

    # Given the job finished and its work folder is gone
    publish_progress(broker, completed_event(job_id, "render"))
    wait_for_status(client, job_id, lambda status: status["status"] == "completed")
    # When its captions are asked for, Then they are no longer available
    late = client.get(f"{API}/jobs/{job_id}/captions.srt")
    assert (late.status_code, late.json()) == (404, {"error": "Captions not available"})

    # And an unknown job's captions are not found
    unknown = client.get(f"{API}/jobs/no-such-job/captions.srt")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Job not found"})


def test_a_broken_captions_document_is_not_served(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job whose captions file is not a captions document
    job_id = submit(client)
    write_bytes_atomic(_paths(gateway_settings, job_id).captions, b'{"groups": 3}')
    # When it is asked for, Then the answer is a clean 404
    response = client.get(f"{API}/jobs/{job_id}/captions.srt")
    assert (response.status_code, response.json()) == (404, {"error": "Captions not available"})


def test_the_thumbnail_is_served_once_rendered(
    client: TestClient, broker: BrokerSession, gateway_settings: GatewaySettings
) -> None:
    # Given a job still rendering
    job_id = submit(client)
    url = f"{API}/jobs/{job_id}/thumbnail.jpg"
    # When its thumbnail is asked for, Then it is not ready
    early = client.get(url)
    assert (early.status_code, early.json()) == (400, {"error": "Thumbnail not ready"})

    # Given the render wrote its poster and the job completed
    write_bytes_atomic(_paths(gateway_settings, job_id).thumbnail, JPEG)
    publish_progress(broker, completed_event(job_id, "render"))
    wait_for_status(client, job_id, lambda status: status["status"] == "completed")
    # When it is asked for, Then it is the JPEG
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == JPEG


def test_a_completed_job_without_a_poster_has_no_thumbnail(
    client: TestClient, broker: BrokerSession
) -> None:
    # Given a completed job with no poster on disk
    job_id = submit(client)
    publish_progress(broker, completed_event(job_id, "render"))
    wait_for_status(client, job_id, lambda status: status["status"] == "completed")
    # When its thumbnail is asked for, Then it is not available
    response = client.get(f"{API}/jobs/{job_id}/thumbnail.jpg")
    assert (response.status_code, response.json()) == (404, {"error": "Thumbnail not available"})


def test_the_poster_expires_with_the_video(store: JobStore, data_dir: Path) -> None:
    # Given a job that completed more than the output retention ago, with video and poster
    now = time.time()
    create_job(store, "old", "A story.", JobOptions())
    assert store.apply(completed_event("old", "render").model_copy(update={"at": now - 100.0}))
    paths = JobPaths(data_dir, "old")
    for path in (paths.video, paths.thumbnail):
        write_bytes_atomic(path, b"stand-in")
    # When the files are swept
    removed = remove_expired_files(
        store, data_dir, Retention(work_seconds=10.0, output_seconds=50.0), now
    )
    # Then the poster goes with the video
    assert paths.video in removed and paths.thumbnail in removed
    assert not paths.thumbnail.exists()
