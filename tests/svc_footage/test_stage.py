from pathlib import Path

import av
import numpy as np
import pytest

from common.artifacts import JobPaths
from common.documents import FootageManifest, Queries, QuerySegment, load_document, save_document
from common.errors import MissingArtifact
from common.messages import JobOptions, StageMessage
from common.settings import Settings
from common.stage import REUSED, StageResult
from svc_footage.generated import write_generated_clip
from svc_footage.settings import FootageSettings
from svc_footage.stage import FootageStage

SMALL = JobOptions(width=64, height=112, fps=10)


def _job_with_queries(
    settings: Settings, job_id: str, *segments: tuple[float, float, list[str]]
) -> tuple[StageMessage, JobPaths]:
    paths = JobPaths(settings.data_dir, job_id)
    queries = Queries(
        segments=[
            QuerySegment(start=start, end=end, text=" ".join(terms), terms=terms)
            for start, end, terms in segments
        ]
    )
    save_document(queries, paths.queries)
    job = StageMessage(
        job_id=job_id,
        text="a story",
        options=SMALL,
        artifacts={"queries": paths.relative(paths.queries)},
    )
    return job, paths


def _first_frame(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_generates_a_clip_per_segment_without_a_library(settings: Settings) -> None:
    # Given queries for two segments and no footage folder
    job, paths = _job_with_queries(settings, "f1", (0.0, 1.2, ["ocean"]), (1.2, 2.0, ["city"]))
    stage = FootageStage(FootageSettings(data_dir=settings.data_dir, footage_dir=None))
    notes: list[str] = []

    # When the stage runs
    result = stage.run(job, paths, notes.append)

    # Then the manifest lists one generated clip per segment, timed like its segment
    assert result == StageResult({"footage": "work/f1/footage/manifest.json"}, "generated")
    clips = load_document(FootageManifest, paths.footage_manifest).clips
    assert [(c.start, c.end, c.source, c.term) for c in clips] == [
        (0.0, 1.2, "generated", "ocean"),
        (1.2, 2.0, "generated", "city"),
    ]
    # And each clip is a video at the job's size and rate, as long as its segment
    files = [paths.resolve(clip.path) for clip in clips]
    for file, seconds in zip(files, (1.2, 0.8), strict=True):
        with av.open(str(file)) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.width, stream.codec_context.height) == (64, 112)
            assert stream.average_rate == 10
            assert stream.frames == round(seconds * 10)
    # And the two segments look different
    difference = np.abs(_first_frame(files[0]).astype(int) - _first_frame(files[1])).mean()
    assert difference > 10
    assert notes == ["(clip 1 of 2)", "(clip 2 of 2)"]


def test_uses_a_library_file_whose_name_matches_a_term(settings: Settings, tmp_path: Path) -> None:
    # Given a footage folder with a clip named after one segment's second term
    library = tmp_path / "library"
    library.mkdir()
    waves = library / "Ocean_Waves.mp4"
    write_generated_clip(waves, seed=7, seconds=0.5, width=32, height=32, fps=10)
    job, paths = _job_with_queries(
        settings, "f2", (0.0, 1.0, ["sunset", "ocean"]), (1.0, 1.5, ["oceanic"])
    )
    stage = FootageStage(FootageSettings(data_dir=settings.data_dir, footage_dir=library))

    # When the stage runs
    stage.run(job, paths, lambda note: None)

    # Then the first segment uses the library file, and the second (no whole-word match)
    # a generated clip
    first, second = load_document(FootageManifest, paths.footage_manifest).clips
    assert (first.source, first.term) == ("library:Ocean_Waves.mp4", "ocean")
    assert paths.resolve(first.path).read_bytes() == waves.read_bytes()
    assert paths.resolve(first.path).parent == paths.footage_dir
    assert (second.source, second.term) == ("generated", "oceanic")


def test_running_again_keeps_the_existing_manifest(settings: Settings) -> None:
    # Given a job whose footage was already fetched
    job, paths = _job_with_queries(settings, "f3", (0.0, 0.5, ["rain"]))
    stage = FootageStage(FootageSettings(data_dir=settings.data_dir, footage_dir=None))
    stage.run(job, paths, lambda note: None)
    first_write = paths.footage_manifest.stat().st_mtime_ns
    notes: list[str] = []

    # When the same message is delivered again
    result = stage.run(job, paths, notes.append)

    # Then the manifest is returned without any new work
    assert result == StageResult({"footage": paths.relative(paths.footage_manifest)}, REUSED)
    assert paths.footage_manifest.stat().st_mtime_ns == first_write
    assert notes == []


def test_fails_clearly_without_queries(settings: Settings) -> None:
    # Given a job that never got its queries
    job = StageMessage(job_id="f4", text="a story", options=SMALL)
    paths = JobPaths(settings.data_dir, job.job_id)
    stage = FootageStage(FootageSettings(data_dir=settings.data_dir, footage_dir=None))

    # When the stage runs, Then it reports the missing artifact and writes nothing
    with pytest.raises(MissingArtifact, match="queries"):
        stage.run(job, paths, lambda note: None)
    assert not paths.footage_manifest.exists()
