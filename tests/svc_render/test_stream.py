"""The render's stream: HLS segments a browser plays before the end, and the MP4 made of them."""

import io
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest
import requests

from common.artifacts import JobPaths, StreamFiles
from common.settings import Settings
from svc_footage.generated import write_generated_clip
from svc_render.background import FootageSpan
from svc_render.narration import Narration
from svc_render.render import CancelCheck, VideoFormat, render_video
from tests.local_service import Stack, delete_topology
from tests.svc_render.media import decoded_rgb

FPS = 12
SECONDS = 7.0
FORMAT = VideoFormat(width=64, height=64, fps=FPS, preset="ultrafast", crf=30)


def _listed(files: StreamFiles) -> list[str]:
    text = files.playlist.read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _decoded(files: StreamFiles, names: list[str]) -> tuple[int, int, list[np.ndarray]]:
    """Audio packets, video packets and video frames of init + ``names`` read as one file."""
    data = files.init.read_bytes() + b"".join((files.folder / name).read_bytes() for name in names)
    with av.open(io.BytesIO(data), format="mp4") as container:
        packets = list(container.demux())
        audio = sum(1 for p in packets if p.stream.type == "audio" and p.size)
    with av.open(io.BytesIO(data), format="mp4") as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    return audio, len(frames), frames


def _render(tmp_path: Path, cancelled: CancelCheck = lambda: False) -> tuple[Path, StreamFiles]:
    narration = Narration(
        samples=(np.sin(np.arange(16000 * SECONDS) / 20) * 0.2).astype(np.float32).reshape(-1, 1),
        sample_rate=16000,
    )
    clip = tmp_path / "clip.mp4"
    write_generated_clip(clip, seed=1, seconds=SECONDS, width=64, height=64, fps=FPS)
    target = tmp_path / "video.mp4"
    files = StreamFiles(tmp_path / "stream")
    render_video(
        target,
        narration,
        [],
        [FootageSpan(start=0.0, end=SECONDS, file=clip)],
        FORMAT,
        lambda note: None,
        cancelled=cancelled,
        cancel_check_seconds=0.0,
        stream=files,
    )
    return target, files


def test_a_playlist_read_mid_render_lists_only_whole_segments_that_play(tmp_path: Path) -> None:
    # Given a 7 s render that, between its frames, reads its own stream as a player would
    seen: list[tuple[str, list[str]]] = []

    def look() -> bool:
        files = StreamFiles(tmp_path / "stream")
        if files.playlist.exists():
            names = _listed(files)
            if not seen or seen[-1][1] != names:
                seen.append((files.playlist.read_text(), names))
                # Then every segment listed so far decodes, with sound, after the init
                audio, frame_count, _ = _decoded(files, names)
                assert frame_count == [FPS, 3 * FPS, 5 * FPS][len(names) - 1]
                assert audio > 0
        return False

    # When it renders
    _, files = _render(tmp_path, look)

    # Then the playlist grew one segment at a time, the first of one second, as an EVENT
    # playlist not yet ended
    assert [len(names) for _, names in seen] == [1, 2, 3]
    for text, _ in seen:
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text
        assert '#EXT-X-MAP:URI="init.mp4"' in text
        assert "#EXT-X-ENDLIST" not in text
    # And once done it lists all four segments, the first short (1+2+2+2 s), and ends
    final = files.playlist.read_text()
    assert final.rstrip().endswith("#EXT-X-ENDLIST")
    assert _listed(files) == [f"segment_{index:05d}.m4s" for index in range(4)]
    durations = [line for line in final.splitlines() if line.startswith("#EXTINF:")]
    assert durations == ["#EXTINF:1.000,", "#EXTINF:2.000,", "#EXTINF:2.000,", "#EXTINF:2.000,"]


def test_the_final_mp4_has_exactly_the_streamed_frames(tmp_path: Path) -> None:
    # Given a finished render with its stream
    target, files = _render(tmp_path)

    # When both are decoded
    audio, frame_count, streamed = _decoded(files, _listed(files))
    final = decoded_rgb(target)

    # Then they are the same frames, pixel for pixel: one encode, remuxed
    assert frame_count == len(final) == round(SECONDS * FPS)
    assert all(np.array_equal(a, b) for a, b in zip(streamed, final, strict=True))
    # And the final file has the streamed sound, and its index first (faststart)
    with av.open(str(target)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        final_audio = sum(1 for p in container.demux(audio=0) if p.size)
    assert final_audio == audio
    head = target.read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head


def test_a_restarted_render_starts_the_stream_afresh(tmp_path: Path) -> None:
    # Given a stream left by an earlier render with more segments than a new one makes,
    # and a half-written temporary file
    files = StreamFiles(tmp_path / "stream")
    files.folder.mkdir(parents=True)
    for index in range(9):
        files.segment(index).write_bytes(b"stale")
    files.playlist.write_text("#EXTM3U\nsegment_00008.m4s\n")
    (files.folder / ".segment_00009.abc.tmp.m4s").write_bytes(b"partial")

    # When the render runs again
    _render(tmp_path)

    # Then only its own segments are there, all listed
    assert sorted(path.name for path in files.folder.iterdir()) == sorted(
        ["init.mp4", "stream.m3u8"] + [f"segment_{index:05d}.m4s" for index in range(4)]
    )


def _stack(tmp_path: Path, environment: dict[str, str]) -> Iterator[Stack]:
    settings = Settings(data_dir=tmp_path / "data", amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}")
    stack = Stack(settings, tmp_path / "logs")
    stack.environment.update(environment)
    stack.start_all()
    yield stack
    stack.stop_all()
    delete_topology(settings)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    yield from _stack(tmp_path, {})


@pytest.fixture
def sharding_stack(tmp_path: Path) -> Iterator[Stack]:
    """The service with its render splitting any video longer than two seconds."""
    yield from _stack(tmp_path, {"T2V_RENDER_SHARD_SECONDS": "2"})


def _completed(stack: Stack, job_id: str) -> Callable[[], bool]:
    def ended() -> bool:
        status = requests.get(f"{stack.base_url}/status/{job_id}", timeout=5).json()
        assert status["status"] != "failed", status
        return bool(status["status"] == "completed")

    return ended


def _played_by_a_standard_player(playlist_url: str) -> int:
    """The frames FFmpeg's own HLS reader decodes from the playlist as the gateway serves it."""
    with av.open(playlist_url) as hls:
        return sum(1 for _ in hls.decode(video=0))


def _wait(check: Callable[[], bool], what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_a_render_killed_mid_stream_starts_it_again_and_completes_once(stack: Stack) -> None:
    # Given a job whose render has listed its first segments but not ended its playlist
    story = " ".join(["The keeper climbed the stairs and lit the lamp before the storm."] * 6)
    options = {"width": 160, "height": 288, "fps": 30}
    answer = requests.post(
        f"{stack.base_url}/generate", json={"text": story, "options": options}, timeout=10
    )
    job_id = answer.json()["job_id"]
    playlist_url = f"{stack.base_url}/jobs/{job_id}/stream.m3u8"

    def streaming() -> bool:
        playlist = requests.get(playlist_url, timeout=5)
        return playlist.status_code == 200 and "#EXT-X-ENDLIST" not in playlist.text

    _wait(streaming, "the render never listed a segment before its end")

    # When the render service is killed with SIGKILL there, and started again
    stack.kill("svc_render")
    stack.start("svc_render")

    # Then the job completes with one video
    _wait(_completed(stack, job_id), "the job did not complete")
    output_dir = stack.settings.data_dir / "output"
    assert sorted(p.name for p in output_dir.iterdir() if p.name.startswith("video_")) == [
        f"video_{job_id}.mp4"
    ]
    # And its stream is whole and ended, with no segment beyond what it lists, and the
    # video is the stream's frames
    files = JobPaths(stack.settings.data_dir, job_id).stream
    assert files.playlist.read_text().rstrip().endswith("#EXT-X-ENDLIST")
    names = _listed(files)
    assert sorted(p.name for p in files.folder.iterdir()) == sorted(
        ["init.mp4", "stream.m3u8", *names]
    )
    _, frame_count, _ = _decoded(files, names)
    assert frame_count == len(decoded_rgb(output_dir / f"video_{job_id}.mp4"))
    # And a standard HLS player plays the gateway's playlist to the same frames
    assert _played_by_a_standard_player(playlist_url) == frame_count


def test_a_video_rendered_in_shards_streams_to_a_standard_player(sharding_stack: Stack) -> None:
    # Given a job long enough to render in shards of about two seconds
    stack = sharding_stack
    story = "The keeper climbed the stairs and lit the lamp before the storm came in. " * 2
    options = {"width": 96, "height": 160, "fps": 12}
    answer = requests.post(
        f"{stack.base_url}/generate", json={"text": story, "options": options}, timeout=10
    )
    job_id = answer.json()["job_id"]

    # When it completes
    _wait(_completed(stack, job_id), "the job did not complete")

    # Then its playlist lists each shard's part after a discontinuity, and has ended
    playlist_url = f"{stack.base_url}/jobs/{job_id}/stream.m3u8"
    playlist = requests.get(playlist_url, timeout=5).text
    assert playlist.count("#EXT-X-DISCONTINUITY") >= 1
    assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
    # And a standard HLS player plays it through, every frame of the video
    video = stack.settings.data_dir / "output" / f"video_{job_id}.mp4"
    assert _played_by_a_standard_player(playlist_url) == len(decoded_rgb(video))
