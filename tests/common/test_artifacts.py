import shutil
from pathlib import Path

import pytest

from common.artifacts import JobPaths, atomic_path, write_bytes_atomic
from common.errors import UnsafeArtifactPath


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    # Given a writer that fails halfway
    target = tmp_path / "out" / "video.mp4"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("crashed")

    # Then neither the target nor a partial file is there
    assert list(target.parent.iterdir()) == []


def test_a_partial_file_from_a_killed_writer_is_cleared_by_the_next(tmp_path: Path) -> None:
    # Given the partial file a process killed mid-write left behind
    target = tmp_path / "video.mp4"
    (tmp_path / ".video.0123abcd.tmp.mp4").write_bytes(b"partial")
    (tmp_path / ".other.0123abcd.tmp.mp4").write_bytes(b"someone else's")

    # When the next attempt writes the same target
    write_bytes_atomic(target, b"whole")

    # Then only the finished file remains, and other targets' files are left alone
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".other.0123abcd.tmp.mp4",
        "video.mp4",
    ]
    assert target.read_bytes() == b"whole"


@pytest.mark.parametrize(
    "named",
    [
        "/etc/passwd",  # absolute
        "work/job/../other/captions.json",  # climbs out, then into another job's folder
        "../outside.json",
        "work/other/captions.json",  # another job's folder, without any trick
        "output/video_job.mp4",  # inside the data directory, but not this job's work
        "work/job/a\0b",
    ],
)
def test_a_path_outside_the_jobs_folder_is_refused(tmp_path: Path, named: str) -> None:
    # Given a job's paths
    paths = JobPaths(tmp_path / "data", "job")

    # When a message names a file outside the job's folder, Then it is refused as unsafe
    with pytest.raises(UnsafeArtifactPath):
        paths.resolve(named)


def test_a_link_leading_out_of_the_jobs_folder_is_refused(tmp_path: Path) -> None:
    # Given a job's folder holding a link to a file elsewhere, and a loop of links
    paths = JobPaths(tmp_path / "data", "job")
    paths.work_dir.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for stages")
    (paths.work_dir / "captions.json").symlink_to(secret)
    (paths.work_dir / "loop").symlink_to(paths.work_dir / "loop")

    # When a message names them, Then they are refused
    for named in ("work/job/captions.json", "work/job/loop"):
        with pytest.raises(UnsafeArtifactPath, match="outside the job's folder"):
            paths.resolve(named)


def test_a_path_inside_the_jobs_folder_is_resolved(tmp_path: Path) -> None:
    # Given a job's paths and a link that stays inside its folder
    paths = JobPaths(tmp_path / "data", "job")
    paths.footage_dir.mkdir(parents=True)
    (paths.footage_dir / "clip_000.mp4").write_bytes(b"clip")
    (paths.work_dir / "first.mp4").symlink_to(paths.footage_dir / "clip_000.mp4")

    # When a message names them, Then they are the job's files
    assert paths.resolve("work/job/footage/clip_000.mp4") == paths.footage_dir / "clip_000.mp4"
    assert paths.resolve("work/job/./first.mp4").read_bytes() == b"clip"


def test_the_cancel_marker_lies_outside_the_work_folder(tmp_path: Path) -> None:
    # Given a cancelled job
    paths = JobPaths(tmp_path / "data", "job")
    write_bytes_atomic(paths.cancel_marker, b"")

    # When its work folder is deleted, as retention does
    paths.work_dir.mkdir(parents=True)
    shutil.rmtree(paths.work_dir)

    # Then the job still reads as cancelled
    assert paths.is_cancelled()
    assert not paths.cancel_marker.is_relative_to(paths.work_dir)


def test_a_marker_left_in_the_work_folder_by_the_earlier_version_still_counts(
    tmp_path: Path,
) -> None:
    paths = JobPaths(tmp_path / "data", "job")
    assert not paths.is_cancelled()

    write_bytes_atomic(paths.work_dir / "cancelled", b"")

    assert paths.is_cancelled()
