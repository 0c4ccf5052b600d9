"""A job's stream while it renders: its playlist and segments, through the running gateway."""

from fastapi.testclient import TestClient

from common.artifacts import JobPaths, write_bytes_atomic
from common.hls import MediaPlaylist, Segment
from gateway.settings import GatewaySettings
from tests.gateway.helpers import API, GatewayStarter, submit

PLAYLIST = MediaPlaylist("init.mp4", (Segment("segment_00000.m4s", 1.0),), ended=False)


def _write_stream(settings: GatewaySettings, job_id: str) -> None:
    files = JobPaths(settings.data_dir, job_id).stream
    files.folder.mkdir(parents=True)
    write_bytes_atomic(files.init, b"init bytes")
    write_bytes_atomic(files.segment(0), b"segment bytes")
    write_bytes_atomic(files.playlist, PLAYLIST.text().encode())


def test_the_playlist_and_segments_are_served_with_their_types_and_caching(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job whose render has written its first segment
    job_id = submit(client)
    _write_stream(gateway_settings, job_id)

    # When the playlist is asked for, and then the files it names, relative to it
    playlist = client.get(f"{API}/jobs/{job_id}/stream.m3u8")
    named = [line.split('"')[1] for line in playlist.text.splitlines() if "URI=" in line]
    named += [line for line in playlist.text.splitlines() if line and not line.startswith("#")]
    assert named == ["stream/init.mp4", "stream/segment_00000.m4s"]
    init, segment = (client.get(f"{API}/jobs/{job_id}/{name}") for name in named)

    # Then each is there with its type; the playlist is fetched afresh, segments revalidated
    assert playlist.status_code == 200, playlist.text
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert playlist.headers["cache-control"] == "no-cache"
    assert playlist.text == PLAYLIST.text("stream/")
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


def _write_part(settings: GatewaySettings, job_id: str, index: int, seconds: list[float],
                ended: bool) -> None:  # fmt: skip
    part = JobPaths(settings.data_dir, job_id).stream.part(index)
    part.folder.mkdir(parents=True, exist_ok=True)
    segments = tuple(Segment(part.segment(i).name, s) for i, s in enumerate(seconds))
    for segment in segments:
        write_bytes_atomic(part.folder / segment.name, b"segment bytes")
    write_bytes_atomic(part.init, f"init of part {index}".encode())
    playlist = MediaPlaylist(part.init.name, segments, ended)
    write_bytes_atomic(part.playlist, playlist.text().encode())


def _listed(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def test_a_render_in_shards_streams_its_parts_in_order_as_each_ends(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job rendered in three shards: the first still rendering, the third done
    job_id = submit(client)
    stream = JobPaths(gateway_settings.data_dir, job_id).stream
    stream.folder.mkdir(parents=True)
    write_bytes_atomic(stream.parts_count, b"3")
    url = f"{API}/jobs/{job_id}/stream.m3u8"
    assert client.get(url).status_code == 404
    _write_part(gateway_settings, job_id, 0, [1.0, 2.0], ended=False)
    _write_part(gateway_settings, job_id, 2, [1.0, 2.0], ended=True)

    # When the playlist is asked for, Then it lists the first part's segments only
    first = client.get(url)
    assert first.status_code == 200, first.text
    assert _listed(first.text) == [
        "stream/part_000_segment_00000.m4s",
        "stream/part_000_segment_00001.m4s",
    ]
    assert "#EXT-X-ENDLIST" not in first.text

    # Given the first part ends and the second is written in full
    _write_part(gateway_settings, job_id, 0, [1.0, 2.0, 0.5], ended=True)
    _write_part(gateway_settings, job_id, 1, [1.0], ended=True)

    # When asked again, Then all three parts follow each other, each after a discontinuity
    # and its own init, and the playlist ends
    final = client.get(url).text
    assert len(_listed(final)) == 6
    assert final.count("#EXT-X-DISCONTINUITY") == 2
    maps = [line for line in final.splitlines() if line.startswith("#EXT-X-MAP")]
    assert maps == [f'#EXT-X-MAP:URI="stream/part_00{k}_init.mp4"' for k in range(3)]
    assert final.rstrip().endswith("#EXT-X-ENDLIST")
    assert "#EXT-X-TARGETDURATION:2" in final
    # And each part's files are served by the names listed
    init = client.get(f"{API}/jobs/{job_id}/stream/part_001_init.mp4")
    assert init.content == b"init of part 1"
    assert client.get(f"{API}/jobs/{job_id}/stream/part_002_segment_00001.m4s").status_code == 200


def test_a_parts_count_that_is_not_one_gives_no_stream(
    client: TestClient, gateway_settings: GatewaySettings
) -> None:
    # Given a job's stream folder whose parts count is not a number of parts
    job_id = submit(client)
    stream = JobPaths(gateway_settings.data_dir, job_id).stream
    stream.folder.mkdir(parents=True)
    _write_part(gateway_settings, job_id, 0, [1.0], ended=True)
    for count in (b"0", b"-1", b"many", b"1" * 20, b"1001"):
        write_bytes_atomic(stream.parts_count, count)

        # When its playlist is asked for, Then there is none, and nothing breaks
        answer = client.get(f"{API}/jobs/{job_id}/stream.m3u8")
        assert answer.status_code == 404, count
        assert answer.json()["error"].startswith("No stream")


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
