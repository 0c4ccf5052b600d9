from pathlib import Path

import pytest

from common.artifacts import atomic_path, write_bytes_atomic


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
