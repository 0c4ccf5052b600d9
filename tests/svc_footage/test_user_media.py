"""The footage stage uses the job's own uploads first: in the order listed, or by relevance."""

import json
import time
from pathlib import Path
from typing import Any

import pytest

from common.artifacts import JobPaths
from common.documents import (
    FootageClip,
    FootageManifest,
    Queries,
    QuerySegment,
    load_document,
    save_document,
)
from common.errors import InvalidMessage
from common.messages import JobOptions, StageMessage, parse_stage_message
from common.settings import Settings
from common.user_media import MediaFolders
from svc_footage.settings import FootageSettings
from svc_footage.stage import FootageStage
from tests.user_media_files import keep_upload, write_clip, write_image

ALICE, BOB = "a" * 32, "b" * 32


def offline(settings: Settings) -> FootageSettings:
    return FootageSettings(
        data_dir=settings.data_dir,
        footage_providers=("library", "generated"),
        footage_dir=None,
        pexels_api_key=None,
        pixabay_api_key=None,
    )


def job_saying(
    settings: Settings,
    job_id: str,
    sentences: list[tuple[str, list[str]]],
    owner: str | None,
    **options: Any,
) -> tuple[StageMessage, JobPaths]:
    """A job whose segments say ``sentences`` (text, terms), a second each."""
    paths = JobPaths(settings.data_dir, job_id)
    segments = [
        QuerySegment(start=float(index), end=index + 1.0, text=text, terms=terms)
        for index, (text, terms) in enumerate(sentences)
    ]
    save_document(Queries(segments=segments), paths.queries)
    job = StageMessage(
        job_id=job_id,
        text=" ".join(text for text, _ in sentences),
        options=JobOptions(width=64, height=112, fps=10, **options),
        artifacts={"queries": paths.relative(paths.queries)},
        owner=owner,
    )
    return job, paths


def manifest(paths: JobPaths) -> list[FootageClip]:
    return load_document(FootageManifest, paths.footage_manifest).clips


SENTENCES = [
    ("The children were chasing gulls along the shore.", ["gulls", "shore"]),
    ("Fishermen carried baskets of silver fish.", ["baskets", "fish"]),
    ("By noon the market square was full of voices.", ["market square"]),
]


def test_listed_media_fill_the_first_segments_in_order(settings: Settings, tmp_path: Path) -> None:
    # Given Alice's clip and picture, and a job of hers listing the picture first
    clip = keep_upload(settings.data_dir, ALICE, write_clip(tmp_path / "c.mp4"))
    picture = keep_upload(settings.data_dir, ALICE, write_image(tmp_path / "p.png"))
    media = [{"id": picture}, {"id": clip}]
    job, paths = job_saying(settings, "m1", SENTENCES, ALICE, media=media, media_order="listed")

    # When the footage stage runs
    result = FootageStage(offline(settings)).run(job, paths, lambda note: None)

    # Then the first two segments show them in the order listed, the third other footage
    clips = manifest(paths)
    assert [clip.source for clip in clips] == [f"media:{picture}", f"media:{clip}", "generated"]
    assert [clip.score for clip in clips] == [None, None, None]
    assert result.provider == "media, generated"
    # And the job has its own links to the files, which outlive the uploads
    folders = MediaFolders(settings.data_dir)
    kept = paths.resolve(clips[0].path)
    assert kept.parent == paths.footage_dir and kept.suffix == ".png"
    for media_id in (picture, clip):
        item = folders.get(ALICE, media_id, time.time())
        assert item is not None
        folders.remove(ALICE, item)
    assert kept.read_bytes() == (tmp_path / "p.png").read_bytes()
    assert paths.resolve(clips[1].path).read_bytes() == (tmp_path / "c.mp4").read_bytes()


def test_media_by_relevance_go_where_their_descriptions_match(
    settings: Settings, tmp_path: Path
) -> None:
    # Given uploads described as a person would, one of them described by the job instead
    data = settings.data_dir
    highway = keep_upload(data, ALICE, write_clip(tmp_path / "1.mp4"), "desert highway at noon")
    fish = keep_upload(data, ALICE, write_image(tmp_path / "2.jpg"), "a boat at sea")
    gulls = keep_upload(
        data, ALICE, write_clip(tmp_path / "3.mp4"), "seagulls flying over the shore"
    )
    media = [
        {"id": highway},
        {"id": fish, "description": "baskets of fresh fish"},
        {"id": gulls},
    ]
    job, paths = job_saying(settings, "m2", SENTENCES, ALICE, media=media)

    # When the footage stage runs
    FootageStage(offline(settings)).run(job, paths, lambda note: None)

    # Then gulls and fish show where they are said, with their scores, and the market square,
    # which no description matches, gets other footage rather than the highway at noon
    first, second, third = manifest(paths)
    assert (first.source, second.source, third.source) == (
        f"media:{gulls}",
        f"media:{fish}",
        "generated",
    )
    assert first.score is not None and first.score > 0
    assert second.score is not None and second.score > 0
    assert paths.resolve(second.path).suffix == ".jpg"


def test_undescribed_media_fill_what_nothing_described_matches(
    settings: Settings, tmp_path: Path
) -> None:
    # Given a described clip and an undescribed picture, used by relevance
    data = settings.data_dir
    gulls = keep_upload(data, ALICE, write_clip(tmp_path / "1.mp4"), "gulls over the shore")
    plain = keep_upload(data, ALICE, write_image(tmp_path / "2.png"))
    media = [{"id": plain}, {"id": gulls}]
    job, paths = job_saying(settings, "m3", SENTENCES, ALICE, media=media)

    # When the footage stage runs
    FootageStage(offline(settings)).run(job, paths, lambda note: None)

    # Then the gulls go where gulls are said, the picture to the next segment, and then
    # other footage
    assert [clip.source for clip in manifest(paths)] == [
        f"media:{gulls}",
        f"media:{plain}",
        "generated",
    ]


def test_a_job_finds_only_its_owners_media(settings: Settings, tmp_path: Path) -> None:
    # Given Alice's picture, and a job of Bob's and a job of no key naming it
    picture = keep_upload(settings.data_dir, ALICE, write_image(tmp_path / "p.png"))
    media = [{"id": picture}]
    bobs, bobs_paths = job_saying(settings, "m4", SENTENCES[:1], BOB, media=media)
    keyless, keyless_paths = job_saying(settings, "m5", SENTENCES[:1], None, media=media)

    # When the footage stage runs them
    stage = FootageStage(offline(settings))
    stage.run(bobs, bobs_paths, lambda note: None)
    stage.run(keyless, keyless_paths, lambda note: None)

    # Then neither finds it: each gets other footage
    assert [clip.source for clip in manifest(bobs_paths)] == ["generated"]
    assert [clip.source for clip in manifest(keyless_paths)] == ["generated"]


def test_a_message_cannot_name_a_folder_for_owner_or_media(settings: Settings) -> None:
    # Given stage messages whose owner or media id tries to lead out of the media folders
    job, _ = job_saying(settings, "m6", SENTENCES[:1], ALICE)
    body = job.model_dump(mode="json")
    bad_owner = {**body, "owner": "../../work/m6"}
    bad_media = {**body, "options": {**body["options"], "media": [{"id": "../jobs.sqlite3"}]}}

    # When they are received, Then they do not parse
    for message in (bad_owner, bad_media):
        with pytest.raises(InvalidMessage):
            parse_stage_message(json.dumps(message).encode())


def test_a_file_that_leads_out_of_the_folder_is_not_used(
    settings: Settings, tmp_path: Path
) -> None:
    # Given an upload whose file was replaced with a link to a file elsewhere
    picture = keep_upload(settings.data_dir, ALICE, write_image(tmp_path / "p.png"))
    file = MediaFolders(settings.data_dir).folder(ALICE) / f"{picture}.png"
    file.unlink()
    secret = tmp_path / "secret.png"
    write_image(secret)
    file.symlink_to(secret)
    job, paths = job_saying(settings, "m7", SENTENCES[:1], ALICE, media=[{"id": picture}])

    # When the footage stage runs, Then the link is not followed
    FootageStage(offline(settings)).run(job, paths, lambda note: None)
    assert [clip.source for clip in manifest(paths)] == ["generated"]


def test_an_item_gone_before_the_stage_gives_way_to_other_footage(
    settings: Settings, tmp_path: Path
) -> None:
    # Given a job listing an upload that expired before its footage stage ran
    data = settings.data_dir
    old = keep_upload(data, ALICE, write_image(tmp_path / "p.png"), expires_in=-1.0)
    fresh = keep_upload(data, ALICE, write_image(tmp_path / "q.png"))
    media = [{"id": old}, {"id": fresh}]
    job, paths = job_saying(settings, "m8", SENTENCES[:2], ALICE, media=media, media_order="listed")

    # When the footage stage runs
    FootageStage(offline(settings)).run(job, paths, lambda note: None)

    # Then its segment gets other footage, and the next keeps its own place
    assert [clip.source for clip in manifest(paths)] == ["generated", f"media:{fresh}"]
