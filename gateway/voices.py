"""The voice catalog the TTS service publishes on the shared volume.

The TTS service is what knows which voices are installed (it may run on another machine
with its own voice folder), so it writes the list at start and the gateway only reads it.
"""

from pathlib import Path

from pydantic import ValidationError

from common.documents import VoiceCatalog, voice_catalog_path


def read_voice_catalog(data_dir: Path) -> VoiceCatalog | None:
    """The published catalog, or None while there is none (or none readable)."""
    try:
        return VoiceCatalog.model_validate_json(voice_catalog_path(data_dir).read_bytes())
    except (OSError, ValidationError):
        return None
