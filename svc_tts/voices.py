"""The installed voices: found at start, loaded when first used, listed for the gateway."""

import json
import logging
from pathlib import Path

from common.artifacts import write_bytes_atomic
from common.bundled_models import bundled_model_installed
from common.documents import VoiceCatalog, VoiceInfo, voice_catalog_path
from common.errors import StageError
from svc_tts.coqui_backend import CoquiSpeaker
from svc_tts.espeak_backend import EspeakSpeaker, espeak_language
from svc_tts.kokoro_backend import LANGUAGE as KOKORO_LANGUAGE
from svc_tts.kokoro_backend import KokoroSpeaker, kokoro_voices
from svc_tts.openai_backend import OpenAISpeaker
from svc_tts.piper_backend import BUNDLED_VOICE, PiperSpeaker, bundled_model, folder_models
from svc_tts.settings import TtsSettings
from svc_tts.speech import Voice

logger = logging.getLogger(__name__)

# Voices that say nothing of when they spoke each word: their captions come from whisper,
# which hears languages other than English only with a multilingual model.
UNTIMED_BACKENDS = frozenset({"coqui", "kokoro", "openai"})


class Voices:
    def __init__(self, settings: TtsSettings, captions_hear_all: bool | None = None) -> None:
        """``captions_hear_all``: whether the captions stage has a multilingual whisper model
        (None: it has when one is configured or the multilingual extra is installed)."""
        self._settings = settings
        if captions_hear_all is None:
            captions_hear_all = bool(settings.whisper_multilingual_model) or (
                bundled_model_installed()
            )
        self._captions_hear_all = captions_hear_all
        self._piper_models = {BUNDLED_VOICE: bundled_model(), **folder_models(settings.voices_dir)}
        self._loaded: dict[str, Voice] = {}
        self.catalog = VoiceCatalog(default=settings.voice, voices=self._describe())
        if settings.voice not in self.ids:
            raise StageError(f"T2V_VOICE {settings.voice!r} is not installed; {self._choices()}")

    @property
    def ids(self) -> list[str]:
        return [voice.id for voice in self.catalog.voices]

    def get(self, voice_id: str | None) -> tuple[str, Voice]:
        """The voice a job asks for (the default for None), loading it on first use."""
        chosen = voice_id or self._settings.voice
        if chosen not in self._loaded:
            self._loaded[chosen] = self._load(chosen)
        return chosen, self._loaded[chosen]

    def for_language(self, voice_id: str | None, language: str | None) -> str:
        """The voice to speak a job in ``language``: its own voice (or the default) where
        that speaks the language, else the first installed voice that does, else espeak-ng's.

        A voice of no stated language (Coqui's, an endpoint's) may speak any, so it stays.
        A voice that gives no timing is passed over where the captions could not hear it:
        a video captioned by espeak-ng's timing beats a job that fails at its captions.
        """
        chosen = voice_id or self._settings.voice
        if language is None:
            return chosen
        languages = {voice.id: voice.language for voice in self.catalog.voices}
        if chosen not in languages or speaks(languages[chosen], language):
            return chosen
        for voice in self.catalog.voices:
            if (
                voice.backend != "espeak"
                and voice.language
                and speaks(voice.language, language)
                and self._captioned(voice.backend, language)
            ):
                return voice.id
        espeak = espeak_language(language)
        if espeak is None:
            raise StageError(f"no installed voice speaks {language!r}, nor does espeak-ng")
        return f"espeak:{espeak}"

    def _captioned(self, backend: str, language: str) -> bool:
        """Whether the captions stage can time this voice's speech in ``language``."""
        untimed = backend in UNTIMED_BACKENDS
        return not untimed or self._captions_hear_all or speaks("en", language)

    def publish(self, data_dir: Path) -> None:
        """Write the catalog where the gateway reads it."""
        write_bytes_atomic(voice_catalog_path(data_dir), self.catalog.model_dump_json().encode())

    def _load(self, voice_id: str) -> Voice:
        backend, _, name = voice_id.partition(":")
        if backend == "piper" and name in self._piper_models:
            logger.info("loading Piper voice %s", name)
            return PiperSpeaker(self._piper_models[name])
        if backend == "coqui" and self._settings.coqui_model == name:
            logger.info("loading Coqui model %s", name)
            settings = self._settings
            return CoquiSpeaker(name, settings.coqui_config, settings.coqui_device)
        if backend == "espeak":
            logger.info("loading espeak-ng voice %s", name)
            return EspeakSpeaker(name)
        if backend == "kokoro" and name in kokoro_voices():
            logger.info("loading Kokoro voice %s", name)
            return KokoroSpeaker(name)
        if backend == "openai" and self._settings.speech_base_url:
            return OpenAISpeaker(self._settings, name)
        raise StageError(f"unknown voice {voice_id!r}; {self._choices()}")

    def _describe(self) -> list[VoiceInfo]:
        voices = [
            VoiceInfo(id=f"piper:{name}", backend="piper", name=name, language=_language(model))
            for name, model in self._piper_models.items()
        ]
        if self._settings.coqui_model:
            name = self._settings.coqui_model
            voices.append(VoiceInfo(id=f"coqui:{name}", backend="coqui", name=name))
        voices += [
            VoiceInfo(id=f"kokoro:{name}", backend="kokoro", name=name, language=KOKORO_LANGUAGE)
            for name in kokoro_voices()
        ]
        if self._settings.speech_base_url and self._settings.speech_model:
            name = self._settings.speech_voice
            voices.append(VoiceInfo(id=f"openai:{name}", backend="openai", name=name))
        for language in self._settings.espeak_languages:
            espeak = espeak_language(language)
            if espeak is None:
                raise StageError(f"T2V_ESPEAK_LANGUAGES: espeak-ng has no voice for {language!r}")
            voices.append(
                VoiceInfo(id=f"espeak:{espeak}", backend="espeak", name=espeak, language=language)
            )
        return voices

    def _choices(self) -> str:
        return f"installed: {', '.join(self.ids)}"


def speaks(voice_language: str | None, language: str) -> bool:
    """Whether a voice of ``voice_language`` ("en_US", "pt-br") speaks ``language`` ("en-GB"):
    the same language, whatever the region; a voice of unknown language may speak any."""
    if voice_language is None:
        return True
    return _primary(voice_language) == _primary(language)


def _primary(tag: str) -> str:
    primary = tag.lower().replace("_", "-").split("-")[0]
    # espeak-ng names Mandarin and Cantonese apart from BCP 47's "zh".
    return "zh" if primary in ("cmn", "yue") else primary


def _language(model: Path) -> str | None:
    try:
        config = json.loads(model.with_name(model.name + ".json").read_text())
        return str(config["language"]["code"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
