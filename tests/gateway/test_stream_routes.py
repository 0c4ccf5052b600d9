"""A job's stream while it renders: its playlist and segments, through the running gateway."""

from fastapi.testclient import TestClient

from common.artifacts import JobPaths, write_bytes_atomic
from gateway.settings import GatewaySettings
from tests.gateway.helpers import API, GatewayStarter, submit

PLAYLIST = (
    "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n"
    '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.000,\nsegment_00000.m4s\n'
)


def _write_stream(settings: GatewaySettings, job_id: str) -> None:
    files = JobPaths(settings.data_dir, job_id).stream
    files.folder.mkdir(parents=True)
    write_bytes_atomic(files.init, b"init bytes")
    write_bytes_atomic(files.segment(0), b"segment bytes")
    write_bytes_atomic(files.playlist, PLAYLIST.encode())


def test_the_playlist_and_segments_are_served_with_their_types_and_caching(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job whose render has written its first segment
    job_id = submit(client)
    _write_stream(gateway_settings, job_id)

    # When the playlist, the init segment and the media segment are asked for
    playlist = client.get(f"{API}/jobs/{job_id}/stream.m3u8")
    init = client.get(f"{API}/jobs/{job_id}/stream/init.mp4")
    segment = client.get(f"{API}/jobs/{job_id}/stream/segment_00000.m4s")

    # Then each is there with its type; the playlist is fetched afresh, segments cached
    assert playlist.status_code == 200, playlist.text
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert playlist.headers["cache-control"] == "no-cache"
    assert playlist.text == PLAYLIST
    for answer, body in ((init, b"init bytes"), (segment, b"segment bytes")):
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "video/mp4"
        assert answer.headers["cache-control"] == "private, no-cache"
        assert answer.content == body


def test_no_stream_before_the_first_segment_nor_for_names_outside_the_pattern(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job whose render has not started
    job_id = submit(client)

    # When its playlist is asked for, Then there is none yet
    early = client.get(f"{API}/jobs/{job_id}/stream.m3u8")
    assert early.status_code == 404
    assert early.json()["error"].startswith("No stream: the render has not written")

    # Given its stream exists, and another file in the job's folder
    _write_stream(gateway_settings, job_id)
    paths = JobPaths(gateway_settings.data_dir, job_id)
    write_bytes_atomic(paths.stream.folder / "secret.txt", b"not a segment")
    # When names outside the segments' pattern are asked for, Then none is served
    for name in ("secret.txt", "segment_0.m4s", "..%2Fcaptions.json", "segment_00001.m4s"):
        answer = client.get(f"{API}/jobs/{job_id}/stream/{name}")
        # (a name with a slash in it reaches no stream route at all)
        assert answer.status_code == 404, name
        assert answer.json()["error"] in ("No such segment in the stream", "Job not found")


def test_a_sharded_render_says_it_has_no_stream(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job whose video renders in shards
    job_id = submit(client)
    JobPaths(gateway_settings.data_dir, job_id).render_shards_dir.mkdir(parents=True)

    # When its playlist is asked for, Then the answer says why there is none
    answer = client.get(f"{API}/jobs/{job_id}/stream.m3u8")
    assert answer.status_code == 404
    assert "renders in shards" in answer.json()["error"]


def test_another_keys_stream_does_not_exist(
    gateway_with: GatewayStarter, gateway_settings: GatewaySettings
) -> None:
    # Given Alice's job with a stream
    alice, bob = {"Authorization": "Bearer alice-key-1"}, {"Authorization": "Bearer bob-key-22"}
    with gateway_with(api_keys="alice-key-1,bob-key-22") as client:
        response = client.post(f"{API}/generate", json={"text": "Once upon"}, headers=alice)
        job_id = response.json()["job_id"]
        _write_stream(gateway_settings, job_id)

        # When Bob, or no key at all, asks for it, Then it is not there for them
        for headers, code in ((bob, 404), ({}, 401), (alice, 200)):
            for url in ("stream.m3u8", "stream/segment_00000.m4s"):
                answer = client.get(f"{API}/jobs/{job_id}/{url}", headers=headers)
                assert answer.status_code == code, (headers, url)
