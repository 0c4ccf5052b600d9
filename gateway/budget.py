"""What a job will cost, judged from its request before any work is done.

Two figures bound a job: how long its video runs (the narration's length, which every
stage's work grows with) and how many pixels the render must make (seconds x width x
height x fps, which the encoder's time grows with). The TTS stage checks the first again
on the real audio.
"""

from common.messages import JobOptions
from common.narration import spoken_seconds


def estimate_video_seconds(text: str, options: JobOptions) -> float:
    """About how long the video of ``text`` runs: as long as its narration."""
    return spoken_seconds(text, options.speaking_rate)


def estimate_pixel_frames(video_seconds: float, options: JobOptions) -> float:
    """The pixels the render makes: every pixel of every frame."""
    return video_seconds * options.fps * options.width * options.height


def over_budget(
    text: str, options: JobOptions, max_video_seconds: float, max_pixel_frames: float
) -> str | None:
    """Why the job costs more than the limits allow, or None when it fits."""
    seconds = estimate_video_seconds(text, options)
    if seconds > max_video_seconds:
        return (
            f"The video would be about {seconds:.0f} s long; the limit is "
            f"{max_video_seconds:g} s (T2V_MAX_VIDEO_SECONDS)"
        )
    pixel_frames = estimate_pixel_frames(seconds, options)
    if pixel_frames > max_pixel_frames:
        return (
            f"Rendering {options.width}x{options.height} at {options.fps} fps for about "
            f"{seconds:.0f} s is about {pixel_frames / 1e9:.1f} billion pixel-frames; the limit "
            f"is {max_pixel_frames / 1e9:.1f} billion (T2V_MAX_RENDER_PIXEL_FRAMES): ask for "
            "a smaller size, fewer frames per second or a shorter text"
        )
    return None
