from pathlib import Path

from svc_footage.library import choose_file, library_files, name_matches


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


def test_prefers_the_earliest_term_then_a_file_not_used_yet() -> None:
    # Given files for two subjects, one of them already shown
    ocean_1, ocean_2, city = Path("ocean_1.mp4"), Path("ocean_2.mp4"), Path("city.mp4")
    files = [city, ocean_1, ocean_2]

    # When files are chosen for segments' terms
    # Then an earlier term wins, and a fresh file beats a used one
    assert choose_file(files, ["ocean", "city"], used=set()) == ("ocean", ocean_1)
    assert choose_file(files, ["ocean", "city"], used={ocean_1}) == ("ocean", ocean_2)
    assert choose_file(files, ["ocean", "city"], used={ocean_1, ocean_2}) == ("city", city)
    # And a used file is shown again rather than none at all
    assert choose_file(files, ["ocean"], used={ocean_1, ocean_2}) == ("ocean", ocean_1)
    assert choose_file(files, ["forest"], used=set()) is None
