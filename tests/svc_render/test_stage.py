import io
import logging
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from common.artifacts import JobPaths, atomic_path
from common.documents import (
    CaptionGroup,
    Captions,
    FootageClip,
    FootageManifest,
    Word,
    save_document,
)
from common.errors import JobCancelled, StageError
from common.messages import CaptionStyle, JobOptions, StageMessage
from common.settings import Settings
from common.stage import REUSED, StageResult
from svc_footage.generated import write_generated_clip
from svc_render.background import FootageSpan
from svc_render.frames import frame_from_rgb
from svc_render.narration import Narration
from svc_render.render import VideoFormat, _jpeg_of, render_video
from svc_render.settings import RenderSettings
from svc_render.stage import RenderStage
from tests.media_checks import probe
from tests.svc_render.media import decoded_rgb, write_tone

OPTIONS = JobOptions(width=144, height=256, fps=12)
NARRATION_SECONDS = 2.3
CAPTION = CaptionGroup(text="waves at night", start=0.5, end=1.5, words=[])


def _prepare_job(
    settings: Settings,
    job_id: str,
    captions: list[CaptionGroup],
    broken_first_clip: bool = False,
    options: JobOptions = OPTIONS,
) -> tuple[StageMessage, JobPaths]:
    """A job with its narration, captions and two clips: 0-1 s, and 1-1.8 s looped."""
    paths = JobPaths(settings.data_dir, job_id)
    write_tone(paths.audio, NARRATION_SECONDS)
    save_document(Captions(duration=NARRATION_SECONDS, words=[], groups=captions), paths.captions)
    first, second = paths.footage_dir / "clip_000.mp4", paths.footage_dir / "clip_001.mov"
    first.parent.mkdir(parents=True)
    if broken_first_clip:
        first.write_bytes(b"\x00\x00\x00\x20ftypisom" + b"\xff" * 3000)
    else:
        write_generated_clip(first, seed=1, seconds=1.0, width=72, height=128, fps=12)
    # Landscape and shorter than its segment: it must be cropped to cover, and looped.
    write_generated_clip(second, seed=2, seconds=0.4, width=96, height=48, fps=24)
    manifest = FootageManifest(
        clips=[
            FootageClip(
                start=0.0, end=1.0, path=paths.relative(first), source="generated", term="a"
            ),
            FootageClip(
                start=1.0, end=1.8, path=paths.relative(second), source="generated", term="b"
            ),
        ]
    )
    save_document(manifest, paths.footage_manifest)
    job = StageMessage(
        job_id=job_id,
        text="a story",
        options=options,
        artifacts={
            "audio": paths.relative(paths.audio),
            "captions": paths.relative(paths.captions),
            "footage": paths.relative(paths.footage_manifest),
        },
    )
    return job, paths


@pytest.fixture
def stage(settings: Settings) -> RenderStage:
    return RenderStage(RenderSettings(data_dir=settings.data_dir, font_path=None))


def test_renders_h264_and_aac_as_long_as_the_narration(
    stage: RenderStage, settings: Settings
) -> None:
    # Given a job whose footage ends before its 2.3 s of narration
    job, paths = _prepare_job(settings, "r1", [CAPTION])

    # When the stage renders it
    result = stage.run(job, paths, lambda note: None)

    # Then the video is an H.264 + AAC MP4 of the job's size and rate, as long as the audio
    assert result == StageResult({"video": "output/video_r1.mp4"}, "libx264 veryfast")
    facts = probe(paths.video)
    assert (facts.video_codec, facts.audio_codec) == ("h264", "aac")
    assert (facts.width, facts.height, facts.fps) == (144, 256, 12)
    assert abs(facts.duration - NARRATION_SECONDS) <= 1 / 12  # one frame
    # And every frame, to the end, shows footage rather than black
    frames = decoded_rgb(paths.video)
    assert len(frames) == round(NARRATION_SECONDS * 12)
    assert min(frame.mean() for frame in frames) > 30


def test_captions_are_burned_into_the_lower_third(stage: RenderStage, settings: Settings) -> None:
    # Given the same job rendered with and without its caption
    captioned_job, captioned_paths = _prepare_job(settings, "r2", [CAPTION])
    plain_job, plain_paths = _prepare_job(settings, "r3", [])
    stage.run(captioned_job, captioned_paths, lambda note: None)
    stage.run(plain_job, plain_paths, lambda note: None)

    # When frames are compared while the caption is on screen, and after it
    captioned = decoded_rgb(captioned_paths.video)
    plain = decoded_rgb(plain_paths.video)

    def changed(frame: int, rows: slice) -> float:
        """The share of pixels that changed far more than encoding noise does."""
        difference = np.abs(captioned[frame][rows].astype(int) - plain[frame][rows]).max(axis=2)
        return float((difference > 60).mean())

    lower_third, above_it = slice(256 * 2 // 3, 256), slice(0, 256 * 2 // 3)
    at_caption, after_caption = 12, 22  # 1.0 s and 1.83 s

    # Then the caption changed the lower third, and only while it was shown
    assert changed(at_caption, lower_third) > 0.02
    assert changed(at_caption, above_it) < 0.005
    assert changed(after_caption, lower_third) < 0.005


def test_a_corrupt_clip_does_not_stop_the_render(
    stage: RenderStage, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a job whose first clip is not a decodable video
    job, paths = _prepare_job(settings, "r4", [CAPTION], broken_first_clip=True)

    # When the stage renders it
    with caplog.at_level(logging.WARNING):
        stage.run(job, paths, lambda note: None)

    # Then the video is complete, its first second shows a background, not black,
    # and the bad file is named in a warning
    frames = decoded_rgb(paths.video)
    assert len(frames) == round(NARRATION_SECONDS * 12)
    assert min(frame.mean() for frame in frames[:12]) > 30
    assert "clip_000.mp4" in caplog.text


def test_running_again_keeps_the_existing_video(stage: RenderStage, settings: Settings) -> None:
    # Given a job already rendered
    job, paths = _prepare_job(settings, "r5", [])
    stage.run(job, paths, lambda note: None)
    first_write = paths.video.stat().st_mtime_ns

    # When the same message is delivered again
    result = stage.run(job, paths, lambda note: None)

    # Then the video is reused, not rendered again
    assert result == StageResult({"video": paths.relative(paths.video)}, REUSED)
    assert paths.video.stat().st_mtime_ns == first_write


def test_unreadable_audio_fails_with_a_readable_reason(
    stage: RenderStage, settings: Settings
) -> None:
    # Given a job whose audio file is not a WAV
    job, paths = _prepare_job(settings, "r6", [])
    paths.audio.write_bytes(b"ID3 this is an mp3, or nothing at all")

    # When the stage runs, Then it fails with one readable line and leaves no video
    with pytest.raises(StageError, match="not a readable WAV") as failure:
        stage.run(job, paths, lambda note: None)
    assert "\n" not in str(failure.value)
    assert not paths.video.exists()
    assert not list(paths.video.parent.glob("*"))  # no temporary file left behind either


def test_the_output_is_a_valid_file_for_players(stage: RenderStage, settings: Settings) -> None:
    # Given a rendered job
    job, paths = _prepare_job(settings, "r7", [CAPTION])
    stage.run(job, paths, lambda note: None)

    # When its bytes and audio are read
    # Then the index comes before the media (a browser plays it while downloading)
    # and the audio decodes to the narration's length
    content = paths.video.read_bytes()
    assert 0 < content.find(b"moov") < content.find(b"mdat")
    with av.open(str(paths.video)) as container:
        decoded_audio = sum(frame.samples for frame in container.decode(audio=0))
    assert abs(decoded_audio / 16000 - NARRATION_SECONDS) < 0.1


def _is_highlight(rgb: np.ndarray) -> np.ndarray:
    """Pixels of the default highlight colour (#FFD21F) after encoding."""
    red, green, blue = (rgb[..., channel].astype(int) for channel in range(3))
    return (red > 180) & (green > 140) & (blue < 110)


def test_the_spoken_word_is_highlighted_as_it_is_spoken(
    stage: RenderStage, settings: Settings
) -> None:
    # Given a two-word caption, "gold" spoken from 0.5 s and "sky" from 1.0 s, in large type
    words = [Word(text="gold", start=0.5, end=0.9), Word(text="sky", start=1.0, end=1.5)]
    caption = CaptionGroup(text="gold sky", start=0.5, end=1.5, words=words)
    options = JobOptions(
        width=288, height=512, fps=12, captions=CaptionStyle(font_size=56, box=False)
    )
    job, paths = _prepare_job(settings, "r7", [caption], options=options)

    # When the stage renders it
    stage.run(job, paths, lambda note: None)

    # Then the highlight colour is on the left word while "gold" is spoken, then on the right
    frames = decoded_rgb(paths.video)
    first, second = _is_highlight(frames[8]), _is_highlight(frames[15])  # 0.67 s, 1.25 s
    assert first.sum() > 100 and second.sum() > 100
    assert np.nonzero(first)[1].mean() < np.nonzero(second)[1].mean()
    # And no highlight shows before the caption or after it
    assert _is_highlight(frames[2]).sum() == 0 and _is_highlight(frames[24]).sum() == 0


@pytest.mark.parametrize(
    "captions",
    [
        [],
        [
            CaptionGroup(
                text="late words",
                start=2.0,
                end=3.5,  # past the 2.3 s of narration
                words=[
                    Word(text="late", start=2.0, end=2.0),
                    Word(text="words", start=2.9, end=3.5),
                ],
            )
        ],
    ],
    ids=["no captions", "zero-length words past the end"],
)
def test_awkward_captions_still_render_the_whole_narration(
    stage: RenderStage, settings: Settings, captions: list[CaptionGroup]
) -> None:
    # Given captions that are empty, or have zero-length words running past the audio
    job, paths = _prepare_job(settings, "r8", captions)

    # When the stage renders it
    stage.run(job, paths, lambda note: None)

    # Then the video is whole and exactly as long as the narration
    facts = probe(paths.video)
    assert abs(facts.duration - NARRATION_SECONDS) <= 1 / 12
    assert len(decoded_rgb(paths.video)) == round(NARRATION_SECONDS * 12)


def test_a_cancelled_render_stops_between_frames_and_leaves_no_file(tmp_path: Path) -> None:
    # Given a render of 48 frames whose job is cancelled by the time of its fifth look
    narration = Narration(samples=np.zeros((16000 * 4, 1), np.float32), sample_rate=16000)
    clip = tmp_path / "clip.mp4"
    write_generated_clip(clip, seed=1, seconds=1.0, width=64, height=64, fps=12)
    looks = 0

    def cancelled() -> bool:
        nonlocal looks
        looks += 1
        return looks == 5

    target = tmp_path / "output" / "video_job.mp4"
    video_format = VideoFormat(width=64, height=64, fps=12, preset="ultrafast", crf=30)

    # When it renders, looking before every frame
    with pytest.raises(JobCancelled, match="after 4 frames"), atomic_path(target) as partial:
        render_video(
            partial,
            narration,
            [CAPTION],
            [FootageSpan(start=0.0, end=4.0, file=clip)],
            video_format,
            lambda note: None,
            cancelled=cancelled,
            cancel_check_seconds=0.0,
        )

    # Then it stopped at that look, and its partial output is gone
    assert looks == 5
    assert list(target.parent.iterdir()) == []


def test_the_render_writes_a_poster_of_the_frame_at_one_second(
    stage: RenderStage, settings: Settings
) -> None:
    # Given a job with a caption on screen at 1 s
    job, paths = _prepare_job(settings, "r9", [CAPTION])

    # When the stage renders it
    stage.run(job, paths, lambda note: None)

    # Then beside the video lies a JPEG of the video's size
    with Image.open(paths.thumbnail) as poster:
        assert (poster.format, poster.size) == ("JPEG", (144, 256))
        pixels = np.asarray(poster.convert("RGB"), dtype=np.float32)
    # And it is not blank, and shows the frame at 1 s as encoded
    assert pixels.std() > 10
    frame_at_one_second = decoded_rgb(paths.video)[12].astype(np.float32)
    assert np.abs(pixels - frame_at_one_second).mean() < 12


def test_a_wide_poster_is_scaled_to_640_pixels() -> None:
    # Given a 1280x720 frame
    frame = frame_from_rgb(np.full((720, 1280, 3), 128, dtype=np.uint8))
    # When it becomes a poster, Then it is 640 pixels wide, in proportion
    with Image.open(io.BytesIO(_jpeg_of(frame))) as poster:
        assert poster.size == (640, 360)
