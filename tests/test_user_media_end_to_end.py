"""A user's own clips and images through the whole service: `t2v up`, the API, the real broker."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from common.documents import FootageManifest, load_document
from common.settings import Settings
from tests.local_service import local_service
from tests.media_checks import probe
from tests.user_media_files import write_clip, write_image

KEY = "a-users-key"
AS_USER = {"Authorization": f"Bearer {KEY}"}
STORY = "Children were chasing gulls along the shore. Fishermen carried baskets of silver fish."
SMALL = {"width": 96, "height": 160, "fps": 12}


@pytest.fixture(scope="module")
def service_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("media-e2e") / "data",
        amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}",
    )


@pytest.fixture(scope="module")
def service(service_settings: Settings) -> Iterator[str]:
    # API keys on, so the job's owner travels with it to the footage stage.
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("T2V_API_KEYS", KEY)
        log = service_settings.data_dir.parent / "up.log"
        with local_service(service_settings, log) as base:
            yield base


@pytest.fixture(scope="module")
def uploads(service: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A clip of gulls and a picture of fish, uploaded with descriptions: their ids."""
    folder = tmp_path_factory.mktemp("uploads")
    files = {
        "gulls": (write_clip(folder / "g.mp4", size=(64, 112)), "seagulls flying over the shore"),
        "fish": (write_image(folder / "f.png", size=(64, 112)), "a crate on a quay"),
    }
    ids = {}
    for name, (file, description) in files.items():
        response = requests.post(
            f"{service}/media",
            data=file.read_bytes(),
            params={"description": description},
            headers=AS_USER,
            timeout=10,
        )
        assert response.status_code == 201, response.text
        ids[name] = response.json()["media_id"]
    return ids


def run_job(service: str, options: dict[str, object]) -> str:
    response = requests.post(
        f"{service}/generate",
        json={"text": STORY, "options": {**SMALL, **options}},
        headers=AS_USER,
        timeout=10,
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = requests.get(f"{service}/status/{job_id}", headers=AS_USER, timeout=5).json()
        if status["status"] in ("completed", "failed"):
            assert status["status"] == "completed", status
            return job_id
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def sources(data_dir: Path, job_id: str) -> list[str]:
    manifest = data_dir / "work" / job_id / "footage" / "manifest.json"
    return [clip.source for clip in load_document(FootageManifest, manifest).clips]


def test_listed_media_are_shown_in_order(
    service: str, service_settings: Settings, uploads: dict[str, str]
) -> None:
    # Given a clip and a picture uploaded by the user
    # When a job lists the picture, then the clip, to be used in that order
    media = [{"id": uploads["fish"]}, {"id": uploads["gulls"]}]
    job_id = run_job(service, {"media": media, "media_order": "listed"})

    # Then the video is made and its first segments show them as listed
    shown = sources(service_settings.data_dir, job_id)
    expected = [f"media:{uploads['fish']}", f"media:{uploads['gulls']}"]
    assert shown[: len(expected)] == expected[: len(shown)]
    video = requests.get(f"{service}/download/{job_id}", headers=AS_USER, timeout=10)
    assert video.status_code == 200
    downloaded = service_settings.data_dir / f"{job_id}.mp4"
    downloaded.write_bytes(video.content)
    assert (probe(downloaded).width, probe(downloaded).height) == (96, 160)


def test_media_by_relevance_follow_what_is_said(
    service: str, service_settings: Settings, uploads: dict[str, str]
) -> None:
    # Given the same uploads, the picture described by the job as what the story says
    media = [
        {"id": uploads["fish"], "description": "baskets of fresh fish"},
        {"id": uploads["gulls"]},
    ]

    # When a job uses them by relevance
    job_id = run_job(service, {"media": media, "media_order": "relevance"})

    # Then the gulls are shown before the fish, as the story says them
    shown = sources(service_settings.data_dir, job_id)
    gulls, fish = f"media:{uploads['gulls']}", f"media:{uploads['fish']}"
    assert gulls in shown and fish in shown
    assert shown.index(gulls) < shown.index(fish)
