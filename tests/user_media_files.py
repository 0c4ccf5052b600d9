"""Tiny real media files for the tests of a user's own clips and images."""

import shutil
from pathlib import Path

import av
import numpy as np
from PIL import Image

from common.user_media import MediaFolders, MediaItem, MediaLimits, inspect_media


def write_clip(
    path: Path, seconds: float = 1.0, size: tuple[int, int] = (64, 64), colour: int = 90
) -> Path:
    """An H.264 MP4 of flat frames whose grey level is ``colour``."""
    fps = 10
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        picture = np.full((size[1], size[0], 3), colour, np.uint8)
        for _ in range(round(seconds * fps)):
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_image(
    path: Path, size: tuple[int, int] = (64, 64), colour: tuple[int, int, int] = (200, 40, 40)
) -> Path:
    """A picture of one colour, its format from the suffix (PNG, JPEG, WebP)."""
    Image.new("RGB", size, colour).save(path)
    return path


def keep_upload(
    data_dir: Path,
    owner: str | None,
    file: Path,
    description: str | None = None,
    expires_in: float = 86400.0,
) -> str:
    """Keep ``file`` in ``owner``'s media as an accepted upload does; its media id."""
    facts = inspect_media(file, MediaLimits())
    item = MediaItem.new(facts, file.stat().st_size, description, expires_in)
    folders = MediaFolders(data_dir)
    folders.folder(owner).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, folders.folder(owner) / f"{item.media_id}{item.suffix}")
    folders.save(owner, item)
    return item.media_id
