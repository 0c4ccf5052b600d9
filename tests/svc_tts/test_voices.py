"""Which voices are installed, and what the service tells the gateway about them."""

import shutil
from pathlib import Path

import pytest

from common.documents import VoiceCatalog, load_document, voice_catalog_path
from common.errors import ModelUnavailable, StageError
from svc_tts.coqui_backend import coqui_available
from svc_tts.piper_backend import bundled_model
from svc_tts.settings import TtsSettings
from svc_tts.voices import Voices


def add_voice(folder: Path, name: str, with_config: bool = True) -> None:
    model = bundled_model()
    shutil.copyfile(model, folder / f"{name}.onnx")
    if with_config:
        shutil.copyfile(model.with_name(model.name + ".json"), folder / f"{name}.onnx.json")


def test_the_catalog_lists_the_bundled_voice_and_the_folder_ones(tmp_path: Path) -> None:
    # Given a voice folder with one complete voice and one model without its config
    folder = tmp_path / "voices"
    folder.mkdir()
    add_voice(folder, "amy")
    add_voice(folder, "half", with_config=False)

    # When the voices are found and published
    voices = Voices(TtsSettings(data_dir=tmp_path / "data", voices_dir=folder))
    voices.publish(tmp_path / "data")

    # Then the catalog on the shared volume has the complete ones, with their language
    catalog = load_document(VoiceCatalog, voice_catalog_path(tmp_path / "data"))
    assert catalog.default == "piper:joe-medium"
    assert [(v.id, v.backend, v.name, v.language) for v in catalog.voices] == [
        ("piper:joe-medium", "piper", "joe-medium", "en_US"),
        ("piper:amy", "piper", "amy", "en_US"),
    ]


def test_a_default_voice_that_is_not_installed_stops_the_service(tmp_path: Path) -> None:
    with pytest.raises(StageError, match="T2V_VOICE 'piper:amy' is not installed"):
        Voices(TtsSettings(data_dir=tmp_path, voice="piper:amy"))


@pytest.mark.skipif(coqui_available(), reason="checks the message shown without Coqui")
def test_a_coqui_voice_without_coqui_installed_says_how_to_get_it(tmp_path: Path) -> None:
    # Given a Coqui model configured where the coqui extra is not installed
    voices = Voices(TtsSettings(data_dir=tmp_path, coqui_model="tts_models/en/ljspeech/vits"))
    assert "coqui:tts_models/en/ljspeech/vits" in voices.ids

    # When a job asks for it, Then loading fails and names the extra to install
    with pytest.raises(ModelUnavailable, match=r'pip install "\.\[coqui\]"'):
        voices.get("coqui:tts_models/en/ljspeech/vits")
