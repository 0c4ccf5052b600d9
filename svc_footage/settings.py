from pathlib import Path

from common.settings import Settings


class FootageSettings(Settings):
    # A local folder of video files, matched to segments by the words in their file names.
    footage_dir: Path | None = None
