from pathlib import Path

from pydantic import Field

from common.settings import Settings


class RenderSettings(Settings):
    # libx264's speed/size trade-off and quality (lower crf: better and bigger).
    render_preset: str = "veryfast"
    render_crf: int = 23
    # A TrueType/OpenType font for captions, tried first for each character; the bundled
    # Noto faces draw whatever it has no glyph for, and all of it when unset.
    font_path: Path | None = None
    # Integrated loudness (LUFS) the narration is brought to; -16 suits phones and social video.
    loudness_target: float = -16.0
    # Tracks for jobs that ask for background music (mp3, m4a, aac, ogg, opus, wav, flac).
    music_dir: Path | None = None
    # The music's loudness against the narration's, in LU, before it dips under the voice.
    music_level: float = -20.0
    # Videos longer than this many seconds render in shards of about this length, which any
    # render worker may take, joined without encoding again; 0 renders every video whole.
    # A minute is long enough that a shard's fixed costs (opening footage, starting an
    # encode) do not show: with one worker, three 50 s shards took 0.98x the whole render
    # (bench/render.py); a ten-minute video spreads over ten workers.
    render_shard_seconds: float = Field(default=60.0, ge=0)
    # Write each whole (unsharded) render as it goes, as HLS segments a browser plays before
    # the end (GET /api/v1/jobs/<id>/stream.m3u8); the final MP4 is their packets remuxed.
    render_stream: bool = True
    # A clip still downloading when its segment comes on screen (the footage stage hands
    # the job on once the first clip is in) is waited for this many seconds, then drawn
    # as a generated background instead.
    render_footage_wait_seconds: float = Field(default=120.0, ge=0)
