"""Downloads serve byte ranges; a Range header that cannot be served gets a JSON 416."""

import pytest
from fastapi.testclient import TestClient

from common.amqp.session import BrokerSession
from common.artifacts import output_video_path
from common.progress import completed_event
from gateway.settings import GatewaySettings
from tests.gateway.helpers import API, publish_progress, submit, wait_for_status

VIDEO = bytes(range(100))


@pytest.fixture
def download(client: TestClient, broker: BrokerSession, gateway_settings: GatewaySettings) -> str:
    """The download URL of a completed job whose video is the 100 bytes of VIDEO."""
    job_id = submit(client)
    video = output_video_path(gateway_settings.data_dir, job_id)
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(VIDEO)
    publish_progress(broker, completed_event(job_id, "render"))
    wait_for_status(client, job_id, lambda status: status["status"] == "completed")
    return f"{API}/download/{job_id}"


@pytest.mark.parametrize(
    ("asked", "content_range", "body"),
    [
        ("bytes=0-9", "bytes 0-9/100", VIDEO[:10]),
        ("bytes=90-", "bytes 90-99/100", VIDEO[90:]),
        ("bytes=-5", "bytes 95-99/100", VIDEO[95:]),
        ("bytes=50-500", "bytes 50-99/100", VIDEO[50:]),
    ],
)
def test_a_valid_range_gets_its_bytes(
    client: TestClient, download: str, asked: str, content_range: str, body: bytes
) -> None:
    # When a client asks for part of the video, Then it gets that part
    response = client.get(download, headers={"Range": asked})
    assert response.status_code == 206
    assert response.headers["content-range"] == content_range
    assert response.content == body


def test_several_ranges_come_as_parts(client: TestClient, download: str) -> None:
    response = client.get(download, headers={"Range": "bytes=0-1,10-11"})
    assert response.status_code == 206
    assert response.headers["content-type"].startswith("multipart/byteranges")
    assert b"Content-Range: bytes 10-11/100" in response.content


UNSERVABLE = {
    "past the end": "bytes=100-200",
    "an empty suffix": "bytes=-0",
    "backwards": "bytes=9-3",
    "no bytes unit": "items=0-5",
    "no equals sign": "0-5",
    "not numbers": "bytes=abc-def",
    "nothing asked": "bytes=",
}


@pytest.mark.parametrize("asked", UNSERVABLE.values(), ids=UNSERVABLE.keys())
def test_a_range_that_cannot_be_served_is_a_json_416(
    client: TestClient, download: str, asked: str
) -> None:
    # When a client asks for a range the video cannot give
    response = client.get(download, headers={"Range": asked})

    # Then it is told so in the API's error form, with the video's size
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */100"
    assert response.headers["content-type"] == "application/json"
    (reason,) = response.json().values()
    assert list(response.json()) == ["error"]
    assert "100 bytes" in reason


def test_a_stale_if_range_gets_the_whole_video(client: TestClient, download: str) -> None:
    # Given a client whose copy is of another version of the file
    headers = {"Range": "bytes=9-3", "If-Range": '"an-old-etag"'}

    # When it asks for a range, Then it gets the whole video, whatever the range says
    response = client.get(download, headers=headers)
    assert response.status_code == 200
    assert response.content == VIDEO
