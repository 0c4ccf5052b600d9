from pathlib import Path

from svc_footage.library import MAX_SIDECAR_BYTES, description_of, library_files, name_matches


def test_terms_match_whole_words_of_file_names() -> None:
    assert name_matches("ocean", Path("Ocean_Waves-01.mp4"))
    assert name_matches("OCEAN waves", Path("calm.ocean.waves.mov"))
    assert not name_matches("ocean", Path("oceanic.mp4"))
    assert not name_matches("sea", Path("seagulls.mp4"))
    assert not name_matches("waves ocean", Path("ocean_waves.mp4"))


def test_lists_only_video_files_in_name_order(tmp_path: Path) -> None:
    # Given a folder with videos, a text file and a subfolder
    for name in ("b_city.MOV", "a_ocean.mp4", "notes_ocean.txt", "c_rain.webm", "d_sky.mkv"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "forest.mp4").mkdir()

    # When the library is listed, Then only the video files are there, sorted
    assert [path.name for path in library_files(tmp_path)] == [
        "a_ocean.mp4",
        "b_city.MOV",
        "c_rain.webm",
        "d_sky.mkv",
    ]


def test_a_missing_or_unset_folder_is_an_empty_library(tmp_path: Path) -> None:
    assert library_files(None) == []
    assert library_files(tmp_path / "nowhere") == []


def test_a_file_is_described_by_its_name_and_its_sidecar_text(tmp_path: Path) -> None:
    # Given a clip with a sidecar text beside it, and one without
    described = tmp_path / "Harbour_at-dawn.mp4"
    (tmp_path / "Harbour_at-dawn.txt").write_text("Fishing boats\n  moored by the quay.\n")
    bare = tmp_path / "city.night.mov"

    # When they are described, Then the name's words come first, the sidecar on a line after
    assert description_of(described) == "harbour at dawn\nFishing boats moored by the quay."
    assert description_of(bare) == "city night"


def test_a_sidecar_is_read_only_so_far_and_bad_utf8_is_tolerated(tmp_path: Path) -> None:
    # Given a sidecar that is not UTF-8 and goes on far past the limit
    clip = tmp_path / "gulls.mp4"
    (tmp_path / "gulls.txt").write_bytes(b"gulls \xff\xfe over " + b"x" * 100_000)

    # When the clip is described
    description = description_of(clip)

    # Then the bad bytes are replaced, and no more than the limit was read
    name, sidecar = description.split("\n")
    assert name == "gulls"
    assert sidecar.startswith("gulls \ufffd\ufffd over x")
    assert len(sidecar.encode()) <= MAX_SIDECAR_BYTES + 4


def test_a_sidecar_that_is_not_a_file_is_no_description(tmp_path: Path) -> None:
    # Given a folder where the sidecar would be
    (tmp_path / "rain.txt").mkdir()

    # When the clip is described, Then only its name describes it
    assert description_of(tmp_path / "rain.mp4") == "rain"
