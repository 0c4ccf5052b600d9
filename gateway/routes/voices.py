"""The voices a job may choose, as the TTS service found them installed."""

from fastapi import APIRouter, HTTPException

from common.documents import VoiceCatalog
from gateway.deps import SettingsDep
from gateway.schemas import ErrorBody
from gateway.voices import read_voice_catalog

router = APIRouter(tags=["voices"])

NO_CATALOG_MESSAGE = "No voice list yet: it appears once the TTS service (svc_tts) has started"


@router.get("/voices", operation_id="list_voices", responses={503: {"model": ErrorBody}})
def list_voices(settings: SettingsDep) -> VoiceCatalog:
    """Voice ids for a job's `options.voice`, and the one used when a job names none."""
    catalog = read_voice_catalog(settings.data_dir)
    if catalog is None:
        raise HTTPException(status_code=503, detail=NO_CATALOG_MESSAGE)
    return catalog
