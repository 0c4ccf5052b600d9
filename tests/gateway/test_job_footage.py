"""The job detail lists each segment's clip, its source and its score, from the manifest."""

import shutil

import httpx
import pytest
from fastapi.testclient import TestClient

from common.artifacts import JobPaths
from common.documents import MAX_MANIFEST_BYTES, FootageClip, FootageManifest, save_document
from gateway.settings import GatewaySettings
from tests.gateway.helpers import API, call, submit
from tests.gateway.test_mcp import mcp_session


def _write_manifest(settings: GatewaySettings, job_id: str, *clips: FootageClip) -> JobPaths:
    paths = JobPaths(settings.data_dir, job_id)
    save_document(FootageManifest(clips=list(clips)), paths.footage_manifest)
    return paths


def _clip(start: float, end: float, source: str, term: str, **fields: object) -> FootageClip:
    return FootageClip.model_validate(
        {
            "start": start,
            "end": end,
            "path": "work/x/footage/clip.mp4",
            "source": source,
            "term": term,
            **fields,
        }
    )


def test_the_detail_lists_each_segments_clip_source_and_score(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job whose footage stage chose a library clip, a generated one, and has a
    # stock clip still downloading
    job_id = submit(client)
    assert "footage" not in client.get(f"{API}/jobs/{job_id}").json()
    _write_manifest(
        gateway_settings,
        job_id,
        _clip(0.0, 4.0, "library:market_square.mp4", "market square", score=0.942),
        _clip(4.0, 8.0, "generated", "voices"),
        _clip(8.0, 11.5, "pending", "gulls", pending=True),
    )

    # When a client asks for the job's detail
    detail = client.get(f"{API}/jobs/{job_id}").json()

    # Then each segment's clip is listed in order, with its score where a matcher chose it,
    # and the one still downloading says so
    assert detail["footage"] == [
        {
            "start": 0.0,
            "end": 4.0,
            "source": "library:market_square.mp4",
            "term": "market square",
            "score": 0.942,
        },
        {"start": 4.0, "end": 8.0, "source": "generated", "term": "voices"},
        {"start": 8.0, "end": 11.5, "source": "pending", "term": "gulls", "pending": True},
    ]


def test_no_footage_is_listed_once_the_work_folder_expired(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job with footage whose work folder was then removed
    job_id = submit(client)
    paths = _write_manifest(gateway_settings, job_id, _clip(0.0, 2.0, "generated", "sea"))
    assert "footage" in client.get(f"{API}/jobs/{job_id}").json()
    shutil.rmtree(paths.work_dir)

    # When a client asks for the detail, Then it answers without footage
    response = client.get(f"{API}/jobs/{job_id}")
    assert response.status_code == 200
    assert "footage" not in response.json()


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"clips": [{"start": -1}]}', b" " * (MAX_MANIFEST_BYTES + 1)],
    ids=["not json", "not a manifest", "too large"],
)
def test_a_broken_manifest_lists_nothing_and_the_detail_still_answers(
    client: TestClient, gateway_settings: GatewaySettings, content: bytes
) -> None:
    # Given a job whose manifest is broken
    job_id = submit(client)
    manifest = JobPaths(gateway_settings.data_dir, job_id).footage_manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_bytes(content)

    # When a client asks for the detail, Then it gets the rest of it, without footage
    response = client.get(f"{API}/jobs/{job_id}")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert "footage" not in response.json()


@pytest.mark.anyio
async def test_the_mcp_get_job_lists_the_footage_too(
    served_gateway: str, gateway_settings: GatewaySettings
) -> None:
    # Given a job with its footage chosen
    job_id = httpx.post(f"{served_gateway}{API}/generate", json={"text": "Gulls."}).json()["job_id"]
    _write_manifest(
        gateway_settings, job_id, _clip(0.0, 3.0, "library:gulls.mp4", "gulls", score=1.0)
    )

    # When an agent gets the job
    async with mcp_session(served_gateway) as session:
        detail = await call(session, "get_job", job_id=job_id)

    # Then it lists the footage as the HTTP detail does (MCP answers keep empty fields)
    (clip,) = detail["footage"]
    assert {field: value for field, value in clip.items() if value is not None} == {
        "start": 0.0,
        "end": 3.0,
        "source": "library:gulls.mp4",
        "term": "gulls",
        "score": 1.0,
    }
