"""A key's own clips and images: uploaded, checked with PyAV, kept apart per key, expired."""

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.access import key_id
from gateway.retention import Retention, remove_expired_files
from gateway.settings import GatewaySettings
from gateway.store import JobStore
from tests.gateway.helpers import API, GatewayStarter
from tests.user_media_files import write_clip, write_image

ALICE, BOB = "alice-secret-key", "bob-secret-key"
KEYS = f"{ALICE},{BOB}"
DAY = 86400.0
NOT_FOUND = {"error": "Media not found"}


def as_key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def upload(
    client: TestClient, file: Path, key: str = ALICE, description: str | None = None
) -> dict[str, object]:
    params = {} if description is None else {"description": description}
    response = client.post(
        f"{API}/media", content=file.read_bytes(), params=params, headers=as_key(key)
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def files_of(settings: GatewaySettings, key: str) -> list[str]:
    """What lies in the key's media folder, its lock aside."""
    folder = settings.data_dir / "media" / key_id(key)
    if not folder.is_dir():
        return []
    return sorted(path.name for path in folder.iterdir() if path.name != ".lock")


def test_a_clip_and_a_picture_are_kept_with_what_they_are(
    gateway_with: GatewayStarter, gateway_settings: GatewaySettings, tmp_path: Path
) -> None:
    # Given a one-second H.264 clip and a PNG
    clip = write_clip(tmp_path / "harbour.mp4", seconds=1.0, size=(64, 48))
    picture = write_image(tmp_path / "shells.png", size=(80, 64))

    with gateway_with(api_keys=KEYS) as client:
        # When Alice uploads both, the clip with a description
        before = time.time()
        video = upload(client, clip, description="  boats in the harbour at dawn ")
        image = upload(client, picture)

        # Then each answer says what the file is, when it expires, and nothing more
        assert set(video) == {
            "media_id",
            "kind",
            "width",
            "height",
            "seconds",
            "bytes",
            "description",
            "created_at",
            "expires_at",
        }
        assert (video["kind"], video["width"], video["height"]) == ("video", 64, 48)
        assert video["seconds"] == pytest.approx(1.0, abs=0.11)
        assert video["bytes"] == clip.stat().st_size
        assert video["description"] == "boats in the harbour at dawn"
        created = float(str(video["created_at"]))
        assert before <= created <= time.time()
        assert float(str(video["expires_at"])) == pytest.approx(created + 30 * DAY)
        assert (image["kind"], image["width"], image["height"]) == ("image", 80, 64)
        # (fields without a value are left out)
        assert "seconds" not in image and "description" not in image

        # And the list has both, newest first, and each reads back alone
        listed = client.get(f"{API}/media", headers=as_key(ALICE)).json()
        assert [item["media_id"] for item in listed["media"]] == [
            image["media_id"],
            video["media_id"],
        ]
        assert "next_cursor" not in listed
        one = client.get(f"{API}/media/{video['media_id']}", headers=as_key(ALICE))
        assert one.status_code == 200
        assert one.json() == video

    # And the files lie in Alice's folder with their records beside them
    assert files_of(gateway_settings, ALICE) == sorted(
        [
            f"{video['media_id']}.mp4",
            f"{video['media_id']}.json",
            f"{image['media_id']}.png",
            f"{image['media_id']}.json",
        ]
    )


def test_the_list_comes_in_pages(gateway_with: GatewayStarter, tmp_path: Path) -> None:
    # Given three uploads
    picture = write_image(tmp_path / "one.jpg")
    with gateway_with(api_keys=KEYS) as client:
        ids = [upload(client, picture)["media_id"] for _ in range(3)]

        # When the list is read two at a time
        first = client.get(f"{API}/media", params={"limit": 2}, headers=as_key(ALICE)).json()
        second = client.get(
            f"{API}/media",
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=as_key(ALICE),
        ).json()
        unknown = client.get(f"{API}/media", params={"cursor": "nope"}, headers=as_key(ALICE))

    # Then the pages hold every item once, newest first, and a made-up cursor is refused
    assert [item["media_id"] for item in first["media"] + second["media"]] == ids[::-1]
    assert "next_cursor" not in second
    assert unknown.status_code == 400
    assert unknown.json() == {"error": "Invalid cursor: use the next_cursor of a previous page"}


UNSUPPORTED = {
    "error": "Unsupported media type: upload a video (MP4, MOV, WebM, MKV) "
    "or an image (JPEG, PNG, WebP)"
}


def test_what_is_not_a_clip_or_picture_is_refused_and_leaves_nothing(
    gateway_with: GatewayStarter, gateway_settings: GatewaySettings, tmp_path: Path
) -> None:
    # Given a text file, an MP4 cut in half, an image too wide, and a good clip
    text = tmp_path / "notes.mp4"
    text.write_text("These are my notes, not a video.")
    whole = write_clip(tmp_path / "whole.mp4").read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole[: len(whole) // 2])
    too_wide = write_image(tmp_path / "wide.png", size=(5000, 20))
    good = tmp_path / "whole.mp4"

    with gateway_with(api_keys=KEYS, media_max_bytes=20_000) as client:

        def post(body: bytes, **params: str) -> tuple[int, dict[str, str]]:
            response = client.post(
                f"{API}/media", content=body, params=params, headers=as_key(ALICE)
            )
            return response.status_code, response.json()

        # When each is uploaded
        answers = {
            "text": post(text.read_bytes()),
            "truncated": post(truncated.read_bytes()),
            "too wide": post(too_wide.read_bytes()),
            "too large": post(b"\0" * 20_001),
            "empty": post(b""),
            "long description": post(good.read_bytes(), description="sea " * 200),
            "two lines": post(good.read_bytes(), description="sea\nshore"),
        }
        form = client.post(
            f"{API}/media", files={"file": ("whole.mp4", whole)}, headers=as_key(ALICE)
        )

    # Then each is refused with what is wrong
    assert answers["text"] == (415, UNSUPPORTED)
    status, body = answers["truncated"]
    assert status == 400 and body["error"].startswith("Invalid media: the video ")
    assert str(tmp_path) not in body["error"]
    assert answers["too wide"] == (
        400,
        {
            "error": "Invalid media: the picture is 5000x20 pixels; each side must be 16 to "
            "4096 (T2V_MEDIA_MAX_SIDE)"
        },
    )
    assert answers["too large"] == (
        413,
        {"error": "Media file is too large: the limit is 20000 bytes (T2V_MEDIA_MAX_BYTES)"},
    )
    assert answers["empty"] == (
        400,
        {"error": "No file in the request body: send the clip or image itself as the body"},
    )
    assert answers["long description"] == (
        400,
        {"error": "Invalid description: at most 500 characters"},
    )
    assert answers["two lines"] == (
        400,
        {"error": "Invalid description: plain text on one line, without control characters"},
    )
    assert form.status_code == 415
    assert form.json()["error"].startswith("Unsupported content type multipart/form-data")
    # And no file stays behind, nor is anything listed
    assert files_of(gateway_settings, ALICE) == []


def test_a_key_over_its_quota_is_told_so(gateway_with: GatewayStarter, tmp_path: Path) -> None:
    # Given a key allowed two items, which has two
    picture = write_image(tmp_path / "one.png")
    with gateway_with(api_keys=KEYS, media_max_items_per_key=2) as client:
        first = upload(client, picture)
        upload(client, picture)

        # When it uploads a third
        refused = client.post(f"{API}/media", content=picture.read_bytes(), headers=as_key(ALICE))

        # Then it is refused, while another key may still upload
        assert refused.status_code == 429
        assert refused.json() == {
            "error": "Media quota reached: this key has 2 items, the limit is 2 "
            "(T2V_MEDIA_MAX_ITEMS_PER_KEY); delete some with DELETE /api/v1/media/<media_id>"
        }
        upload(client, picture, key=BOB)

        # And once it deletes one, it may upload again
        deleted = client.delete(f"{API}/media/{first['media_id']}", headers=as_key(ALICE))
        assert deleted.status_code == 204
        upload(client, picture)


def test_another_keys_media_does_not_exist_for_a_key(
    gateway_with: GatewayStarter, gateway_settings: GatewaySettings, tmp_path: Path
) -> None:
    # Given Alice's clip
    clip = write_clip(tmp_path / "harbour.mp4")
    with gateway_with(api_keys=KEYS) as client:
        alices = str(upload(client, clip)["media_id"])

        # When Bob lists, reads, deletes and uses it, and someone without a key lists
        bobs_list = client.get(f"{API}/media", headers=as_key(BOB)).json()
        read = client.get(f"{API}/media/{alices}", headers=as_key(BOB))
        deleted = client.delete(f"{API}/media/{alices}", headers=as_key(BOB))
        job = client.post(
            f"{API}/generate",
            json={"text": "Boats.", "options": {"media": [{"id": alices}]}},
            headers=as_key(BOB),
        )
        nameless = client.get(f"{API}/media")
        unknown_id = client.get(f"{API}/media/..%2F..%2Fjobs.sqlite3", headers=as_key(ALICE))

        # Then it does not exist for Bob, and without a key nothing is answered
        assert bobs_list == {"media": []}
        assert (read.status_code, read.json()) == (404, NOT_FOUND)
        assert (deleted.status_code, deleted.json()) == (404, NOT_FOUND)
        assert job.status_code == 400
        assert job.json() == {
            "error": f"Invalid options: media: no media {alices} for this key "
            "(GET /api/v1/media lists yours)"
        }
        assert nameless.status_code == 401
        assert unknown_id.status_code == 404

        # And it is still Alice's, whose job may list it
        assert files_of(gateway_settings, ALICE) == [f"{alices}.json", f"{alices}.mp4"]
        accepted = client.post(
            f"{API}/generate",
            json={"text": "Boats.", "options": {"media": [{"id": alices}]}},
            headers=as_key(ALICE),
        )
        assert accepted.status_code == 202, accepted.text


def test_a_job_naming_media_that_is_not_there_is_refused(client: TestClient) -> None:
    # Given an API without keys and no uploads
    # When a job names a well-formed id no one uploaded, and one that is not an id
    unknown = client.post(
        f"{API}/generate",
        json={"text": "Boats.", "options": {"media": [{"id": "0" * 32}]}},
    )
    malformed = client.post(
        f"{API}/generate",
        json={"text": "Boats.", "options": {"media": [{"id": "../../jobs"}]}},
    )

    # Then both are refused in the options' words
    assert unknown.status_code == 400
    assert unknown.json()["error"].startswith(f"Invalid options: media: no media {'0' * 32}")
    assert malformed.status_code == 400
    assert malformed.json()["error"].startswith("Invalid options: media: 0: id:")


def test_media_expire_with_the_retention_sweep(
    gateway_with: GatewayStarter,
    gateway_settings: GatewaySettings,
    tmp_path: Path,
    store: JobStore,
) -> None:
    # Given a picture kept for a day, and one kept for the default 30 days
    picture = write_image(tmp_path / "one.png")
    with gateway_with(api_keys=KEYS, media_retention_days=1) as client:
        short = upload(client, picture)
    with gateway_with(api_keys=KEYS) as client:
        long = upload(client, picture)

    # When the sweep runs two days later
    retention = Retention.of(gateway_settings)
    removed = remove_expired_files(
        store, gateway_settings.data_dir, retention, time.time() + 2 * DAY
    )

    # Then the first is gone, record and file, and the other stays
    folder = gateway_settings.data_dir / "media" / key_id(ALICE)
    assert sorted(removed) == sorted(
        [folder / f"{short['media_id']}.json", folder / f"{short['media_id']}.png"]
    )
    assert files_of(gateway_settings, ALICE) == [
        f"{long['media_id']}.json",
        f"{long['media_id']}.png",
    ]
