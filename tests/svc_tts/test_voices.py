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
    assert [(v.id, v.backend, v.name, v.language) for v in catalog.voices][:2] == [
        ("piper:joe-medium", "piper", "joe-medium", "en_US"),
        ("piper:amy", "piper", "amy", "en_US"),
    ]
    # and espeak-ng's voices for the configured languages last
    assert [v.id for v in catalog.voices if v.backend == "espeak"] == [
        f"espeak:{language}" for language in TtsSettings().espeak_languages
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


def test_espeak_languages_are_configurable_and_checked(tmp_path: Path) -> None:
    # Given two espeak-ng languages configured, as BCP 47 tags
    voices = Voices(TtsSettings(data_dir=tmp_path, espeak_languages=("ru-RU", "ar")))

    # Then the catalog lists them under espeak-ng's names, with the tags as their languages
    listed = [(v.id, v.language) for v in voices.catalog.voices if v.backend == "espeak"]
    assert listed == [("espeak:ru", "ru-RU"), ("espeak:ar", "ar")]

    # And a language espeak-ng does not know stops the service at start
    with pytest.raises(StageError, match="T2V_ESPEAK_LANGUAGES: espeak-ng has no voice for 'tlh'"):
        Voices(TtsSettings(data_dir=tmp_path, espeak_languages=("tlh",)))


@pytest.mark.parametrize(
    ("voice", "language", "spoken_by"),
    [
        # No language, or one the voice speaks in any region: the voice stays.
        (None, None, "piper:joe-medium"),
        (None, "en-GB", "piper:joe-medium"),
        ("piper:amy", "en", "piper:amy"),
        # No installed voice speaks it: espeak-ng does, listed or not.
        (None, "ru", "espeak:ru"),
        ("piper:amy", "ar-EG", "espeak:ar"),
        (None, "fi", "espeak:fi"),
        # A voice of no stated language may speak any.
        ("coqui:multilingual", "ru", "coqui:multilingual"),
    ],
)
def test_a_job_in_a_language_its_voice_does_not_speak_gets_one_that_does(
    tmp_path: Path, voice: str | None, language: str | None, spoken_by: str
) -> None:
    # Given the bundled English voice, another one, a Coqui model and espeak-ng's Russian
    folder = tmp_path / "voices"
    folder.mkdir()
    add_voice(folder, "amy")
    settings = TtsSettings(
        data_dir=tmp_path,
        voices_dir=folder,
        coqui_model="multilingual",
        espeak_languages=("ru",),
    )

    # When a job asks for a voice in a language, Then the voice chosen speaks it
    assert Voices(settings).for_language(voice, language) == spoken_by


def test_an_installed_voice_of_the_language_comes_before_espeak(tmp_path: Path) -> None:
    # Given a folder voice whose config says it speaks German
    folder = tmp_path / "voices"
    folder.mkdir()
    add_voice(folder, "thorsten")
    config = folder / "thorsten.onnx.json"
    config.write_text(config.read_text().replace('"en_US"', '"de_DE"'))
    voices = Voices(TtsSettings(data_dir=tmp_path, voices_dir=folder))

    # When a job in German names no voice, Then that voice speaks it, not espeak-ng's German
    assert voices.for_language(None, "de-AT") == "piper:thorsten"


def test_a_language_no_voice_speaks_fails_clearly(tmp_path: Path) -> None:
    voices = Voices(TtsSettings(data_dir=tmp_path))
    with pytest.raises(StageError, match="no installed voice speaks 'tlh', nor does espeak-ng"):
        voices.for_language(None, "tlh")
