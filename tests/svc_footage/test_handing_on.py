"""The footage stage hands the job to the render once the first clip is in.

The clips after it are listed as pending and downloaded in segment order, the manifest
rewritten as each arrives; a redelivered message resumes only the pending ones.
"""

from pathlib import Path

from common.artifacts import JobPaths
from common.documents import FootageClip, FootageManifest, load_document, save_document
from common.settings import Settings
from common.stage import REUSED, StageResult
from svc_footage.generated import write_generated_clip
from svc_footage.stage import HANDED_ON_MARKER, FootageStage
from tests.svc_footage.stock_server import StockServer
from tests.svc_footage.test_stage import (
    _job_with_queries,
    _offline_settings,
    _pexels_has,
    _stock_settings,
)


class HandOns:
    """What the stage handed on, and the manifest as it stood at that moment."""

    def __init__(self, paths: JobPaths) -> None:
        self.paths = paths
        self.artifacts: list[dict[str, str]] = []
        self.manifests: list[list[FootageClip]] = []

    def __call__(self, artifacts: dict[str, str]) -> None:
        self.artifacts.append(artifacts)
        self.manifests.append(load_document(FootageManifest, self.paths.footage_manifest).clips)


def test_the_job_is_handed_on_once_the_first_clip_is_in(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given Pexels with three videos and three segments about the ocean
    _pexels_has(stock_server, "ocean", [(1, portrait_clips[0]), (2, portrait_clips[1]),
                                        (3, portrait_clips[2])])  # fmt: skip
    job, paths = _job_with_queries(
        settings, "h1", (0.0, 1.0, ["ocean"]), (1.0, 2.0, ["ocean"]), (2.0, 3.0, ["ocean"])
    )
    hand_ons = HandOns(paths)
    stage = FootageStage(_stock_settings(settings, stock_server))

    # When the stage runs as the service runs it
    result = stage.run_handing_on(job, paths, lambda note: None, hand_ons)

    # Then it handed the job on once, with the manifest, when only the first clip was in
    manifest = {"footage": "work/h1/footage/manifest.json"}
    assert hand_ons.artifacts == [manifest]
    (at_hand_on,) = hand_ons.manifests
    assert [(clip.source, clip.pending) for clip in at_hand_on] == [
        ("pexels:1", False),
        ("pending", True),
        ("pending", True),
    ]
    # And every pending clip's path is where its stock clip was to go, inside the job
    assert [paths.resolve(clip.path).name for clip in at_hand_on[1:]] == [
        "clip_001.mp4",
        "clip_002.mp4",
    ]
    # And once all were in, the manifest has none pending, and finishing forwards nothing
    assert result == StageResult(manifest, "pexels", handed_on=True)
    final = load_document(FootageManifest, paths.footage_manifest)
    assert final.pending == []
    assert [clip.source for clip in final.clips] == ["pexels:1", "pexels:2", "pexels:3"]
    assert (paths.footage_dir / HANDED_ON_MARKER).exists()


def test_run_alone_fetches_every_clip_and_hands_nothing_on(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given two stock segments
    _pexels_has(stock_server, "rain", [(1, portrait_clips[0]), (2, portrait_clips[1])])
    job, paths = _job_with_queries(settings, "h2", (0.0, 1.0, ["rain"]), (1.0, 2.0, ["rain"]))
    stage = FootageStage(_stock_settings(settings, stock_server))

    # When the stage runs as `t2v generate` runs it, one stage after another
    result = stage.run(job, paths, lambda note: None)

    # Then it finishes with every clip in, for the next stage to be sent on as usual
    assert result == StageResult({"footage": "work/h2/footage/manifest.json"}, "pexels")
    assert load_document(FootageManifest, paths.footage_manifest).pending == []
    assert not (paths.footage_dir / HANDED_ON_MARKER).exists()


def test_library_clips_are_in_before_the_hand_on_and_never_pending(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes], tmp_path: Path
) -> None:
    # Given a library file for the middle segment, asked before Pexels, and Pexels for the rest
    library = tmp_path / "library"
    library.mkdir()
    write_generated_clip(library / "harbour.mp4", seed=3, seconds=0.5, width=32, height=56, fps=10)
    _pexels_has(stock_server, "ocean", [(1, portrait_clips[0]), (2, portrait_clips[1])])
    job, paths = _job_with_queries(
        settings, "h3", (0.0, 1.0, ["ocean"]), (1.0, 2.0, ["harbour"]), (2.0, 3.0, ["ocean"])
    )
    hand_ons = HandOns(paths)
    stage = FootageStage(
        _stock_settings(
            settings,
            stock_server,
            footage_dir=library,
            footage_providers=("library", "pexels", "generated"),
        )
    )

    # When the stage runs
    stage.run_handing_on(job, paths, lambda note: None, hand_ons)

    # Then at the hand-on the library clip was in and only the last stock clip pending
    (at_hand_on,) = hand_ons.manifests
    assert [(clip.source, clip.pending) for clip in at_hand_on] == [
        ("pexels:1", False),
        ("library:harbour.mp4", False),
        ("pending", True),
    ]
    assert [c.source for c in _clips(paths)] == ["pexels:1", "library:harbour.mp4", "pexels:2"]


def test_without_stock_providers_nothing_is_pending_or_handed_on(settings: Settings) -> None:
    # Given a job whose footage can only be generated
    job, paths = _job_with_queries(settings, "h4", (0.0, 1.0, ["sky"]), (1.0, 2.0, ["sea"]))
    hand_ons = HandOns(paths)
    stage = FootageStage(_offline_settings(settings))

    # When the stage runs as the service runs it
    result = stage.run_handing_on(job, paths, lambda note: None, hand_ons)

    # Then every clip is in at once: the job is sent on when the stage finishes, as before
    assert hand_ons.artifacts == []
    assert not result.handed_on
    assert [clip.source for clip in _clips(paths)] == ["generated", "generated"]


def _pending_manifest(paths: JobPaths) -> None:
    """The manifest a run killed after its hand-on left: the first clip in, two to come."""
    first = paths.footage_dir / "clip_000.mp4"
    first.parent.mkdir(parents=True, exist_ok=True)
    first.write_bytes(b"a clip downloaded earlier")

    def pending(index: int) -> FootageClip:
        path = paths.relative(paths.footage_dir / f"clip_{index:03d}.mp4")
        start = float(index)
        return FootageClip(
            start=start, end=start + 1, path=path, source="pending", term="ocean", pending=True
        )

    in_first = FootageClip(
        start=0.0, end=1.0, path=paths.relative(first), source="pexels:1", term="ocean"
    )
    save_document(FootageManifest(clips=[in_first, pending(1), pending(2)]), paths.footage_manifest)


def test_a_redelivery_resumes_the_pending_clips_without_handing_on_again(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given a job whose footage run handed on, then died with two clips pending
    _pexels_has(stock_server, "ocean", [(1, portrait_clips[0]), (2, portrait_clips[1]),
                                        (3, portrait_clips[2])])  # fmt: skip
    job, paths = _job_with_queries(
        settings, "h5", (0.0, 1.0, ["ocean"]), (1.0, 2.0, ["ocean"]), (2.0, 3.0, ["ocean"])
    )
    _pending_manifest(paths)
    (paths.footage_dir / HANDED_ON_MARKER).write_bytes(b"")
    hand_ons = HandOns(paths)
    stage = FootageStage(_stock_settings(settings, stock_server))

    # When its message is delivered again
    result = stage.run_handing_on(job, paths, lambda note: None, hand_ons)

    # Then the render is not sent the job again, and only the pending clips were fetched,
    # other videos than the one already shown
    assert hand_ons.artifacts == []
    assert result.handed_on
    assert stock_server.count("/files/") == 2
    assert [clip.source for clip in _clips(paths)] == ["pexels:1", "pexels:2", "pexels:3"]
    assert paths.resolve(_clips(paths)[0].path).read_bytes() == b"a clip downloaded earlier"

    # And a further delivery finds nothing pending: reused, and still not sent on again
    again = stage.run_handing_on(job, paths, lambda note: None, hand_ons)
    assert (again.provider, again.handed_on) == (REUSED, True)
    assert hand_ons.artifacts == []


def test_a_redelivery_hands_on_again_when_it_cannot_know_the_first_did(
    settings: Settings, stock_server: StockServer, portrait_clips: list[bytes]
) -> None:
    # Given a pending manifest but no sign that its hand-on was confirmed
    _pexels_has(stock_server, "ocean", [(2, portrait_clips[1]), (3, portrait_clips[2])])
    job, paths = _job_with_queries(
        settings, "h6", (0.0, 1.0, ["ocean"]), (1.0, 2.0, ["ocean"]), (2.0, 3.0, ["ocean"])
    )
    _pending_manifest(paths)
    hand_ons = HandOns(paths)
    stage = FootageStage(_stock_settings(settings, stock_server))

    # When its message is delivered again
    result = stage.run_handing_on(job, paths, lambda note: None, hand_ons)

    # Then the job is handed on before the pending clips are fetched
    assert len(hand_ons.artifacts) == 1
    assert [clip.pending for clip in hand_ons.manifests[0]] == [False, True, True]
    assert result.handed_on
    assert _clips(paths)[2].source == "pexels:3"


def _clips(paths: JobPaths) -> list[FootageClip]:
    return load_document(FootageManifest, paths.footage_manifest).clips
