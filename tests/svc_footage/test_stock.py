from svc_footage.stock import (
    Frame,
    StockVideo,
    VideoFile,
    choose_rendition,
    orientation_of,
    rank_videos,
)

PORTRAIT_FRAME = Frame(1080, 1920)


def _video(video_id: str, width: int, height: int, duration: float) -> StockVideo:
    return StockVideo("pexels", video_id, width, height, duration, files=())


def _renditions(*sizes: tuple[int, int], size: int | None = None) -> StockVideo:
    files = tuple(VideoFile(f"https://cdn/{w}x{h}.mp4", w, h, size) for w, h in sizes)
    return StockVideo("pixabay", "1", 1920, 1080, 10, files)


def test_orientation_follows_the_longer_side_with_near_squares_as_square() -> None:
    assert orientation_of(1080, 1920) == "portrait"
    assert orientation_of(1080, 1350) == "portrait"  # 4:5
    assert orientation_of(1920, 1080) == "landscape"
    assert orientation_of(1080, 1080) == "square"
    assert orientation_of(1000, 1050) == "square"
    assert Frame(540, 960).orientation == "portrait"


def test_videos_shaped_like_the_frame_come_first_then_long_enough_ones() -> None:
    # Given equally relevant search results in the provider's order, for a 4-second
    # portrait segment
    wide_long = _video("wide_long", 1920, 1080, 20)
    tall_short = _video("tall_short", 1080, 1920, 2)
    tall_long = _video("tall_long", 1080, 1920, 8)
    tall_exact = _video("tall_exact", 720, 1280, 4)
    square = _video("square", 1080, 1080, 30)

    # When they are ranked
    videos = [wide_long, tall_short, tall_long, square, tall_exact]
    ranked = rank_videos(videos, [0.5] * len(videos), PORTRAIT_FRAME, 4)

    # Then portrait videos long enough lead, in their order; shape outranks length
    assert [video.id for video in ranked] == [
        "tall_long",
        "tall_exact",
        "tall_short",
        "wide_long",
        "square",
    ]


def test_the_smallest_rendition_that_fills_the_frame_is_chosen() -> None:
    # Given renditions from tiny to 4K
    video = _renditions((3840, 2160), (640, 360), (1920, 1080), (1280, 720))

    # When one is chosen for each frame size, Then it is the smallest not scaled up
    assert choose_rendition(video, Frame(1080, 1920), 10**9) == video.files[2]
    assert choose_rendition(video, Frame(540, 960), 10**9) == video.files[3]
    assert choose_rendition(video, Frame(360, 640), 10**9) == video.files[1]
    assert choose_rendition(video, Frame(2160, 3840), 10**9) == video.files[0]


def test_without_a_rendition_large_enough_the_largest_is_chosen() -> None:
    video = _renditions((640, 360), (1280, 720))
    assert choose_rendition(video, Frame(2160, 3840), 10**9) == video.files[1]


def test_renditions_over_the_size_limit_or_without_a_size_are_passed_over() -> None:
    # Given renditions whose stated bytes are over the limit, and one with no dimensions
    too_big = _renditions((1920, 1080), (1280, 720), size=5_000_000)
    unsized = _renditions((0, 0))

    # When one is chosen, Then none qualifies
    assert choose_rendition(too_big, PORTRAIT_FRAME, max_bytes=1_000_000) is None
    assert choose_rendition(unsized, PORTRAIT_FRAME, max_bytes=1_000_000) is None
