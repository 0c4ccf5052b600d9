"""A job's cost is judged at intake: too long a video, or too many pixels to render, is refused."""

from common.messages import JobOptions
from gateway.budget import estimate_pixel_frames, estimate_video_seconds, over_budget
from tests.gateway.helpers import API, GatewayStarter

# 100 short words: about 29 s of narration.
STORY = " ".join(["a", "girl", "named", "Mara", "ran"] * 20)
LIMITS = {"max_video_seconds": 600.0, "max_pixel_frames": 74_649_600_000}


def test_the_video_lasts_as_long_as_its_narration_at_its_rate() -> None:
    # Given 100 words, When their video is estimated at the voice's pace and at twice it
    seconds = estimate_video_seconds(STORY, JobOptions())
    faster = estimate_video_seconds(STORY, JobOptions(speaking_rate=2.0))

    # Then it runs about 29 s, and a faster narration makes a shorter video
    assert 25 < seconds < 35
    assert faster < seconds


def test_the_render_costs_every_pixel_of_every_frame() -> None:
    options = JobOptions(width=1080, height=1920, fps=30)
    assert estimate_pixel_frames(10.0, options) == 10 * 30 * 1080 * 1920


def test_the_default_limits_admit_a_ten_minute_video_at_full_size_and_60_fps() -> None:
    # Given a text of just under ten minutes, at 1080x1920 and 60 fps
    text = " ".join(["word"] * 2000)  # 580 s
    options = JobOptions(fps=60)

    # When it is judged against the default limits, Then it fits
    assert over_budget(text, options, **LIMITS) is None
    # And the same at 3840x3840 does not
    huge = JobOptions(width=3840, height=3840, fps=60)
    assert over_budget(text, huge, **LIMITS) is not None


def test_a_text_whose_video_would_be_too_long_is_refused_with_the_limit_and_estimate(
    gateway_with: GatewayStarter,
) -> None:
    # Given a gateway that takes videos of at most 20 s
    with gateway_with(max_video_seconds=20) as client:
        # When a text of about 29 s is posted
        response = client.post(f"{API}/generate", json={"text": STORY})

        # Then it is refused as too large, saying the estimate and the limit
        assert response.status_code == 413
        assert response.json() == {
            "error": "The video would be about 29 s long; the limit is 20 s (T2V_MAX_VIDEO_SECONDS)"
        }
        # And a text half as long is accepted
        half = " ".join(STORY.split()[:50])
        assert client.post(f"{API}/generate", json={"text": half}).status_code == 202


def test_a_video_with_too_many_pixels_to_render_is_refused(
    gateway_with: GatewayStarter,
) -> None:
    # Given a gateway that renders at most a billion pixel-frames a job
    with gateway_with(max_render_pixel_frames=1e9) as client:
        # When the 29 s text is posted at full size and 60 fps (124 million a second)
        options = {"width": 1080, "height": 1920, "fps": 60}
        response = client.post(f"{API}/generate", json={"text": STORY, "options": options})

        # Then it is refused, saying what the render would cost and the limit
        assert response.status_code == 413
        assert response.json() == {
            "error": "Rendering 1080x1920 at 60 fps for about 29 s is about 3.6 billion "
            "pixel-frames; the limit is 1.0 billion (T2V_MAX_RENDER_PIXEL_FRAMES): ask for "
            "a smaller size, fewer frames per second or a shorter text"
        }
        # And the same text at 30 fps as a preview fits
        preview = {"preview": True}
        assert (
            client.post(f"{API}/generate", json={"text": STORY, "options": preview}).status_code
            == 202
        )
