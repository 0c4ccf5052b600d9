"""The Coqui backend, where the coqui extra is installed (it needs torch, too large for CI)."""

import wave
from pathlib import Path

import pytest

pytest.importorskip("TTS", reason='the coqui extra is not installed (pip install ".[coqui]")')

from svc_tts.coqui_backend import CoquiSpeaker
from svc_tts.speech import write_speech
from tests.svc_tts.coqui_model import save_random_vits


@pytest.fixture(scope="module")
def speaker(tmp_path_factory: pytest.TempPathFactory) -> CoquiSpeaker:
    model = save_random_vits(tmp_path_factory.mktemp("coqui"))
    return CoquiSpeaker(str(model), None, "cpu")


def test_a_local_coqui_model_speaks_sentence_by_sentence(
    speaker: CoquiSpeaker, tmp_path: Path
) -> None:
    # Given a Coqui model loaded from a local file
    # When it speaks two sentences
    speech = write_speech(
        speaker, "The fox ran. The river was cold.", tmp_path / "a.wav", 0.25, 1.0
    )

    # Then the WAV holds both and a pause, at the model's rate, with no phoneme timing
    with wave.open(str(tmp_path / "a.wav")) as wav:
        assert wav.getframerate() == speaker.sample_rate == 22050
        assert wav.getnframes() / wav.getframerate() == pytest.approx(speech.seconds)
    assert speech.seconds > 0.25
    assert speech.timing is None


def test_a_missing_coqui_model_name_is_never_downloaded(tmp_path: Path) -> None:
    from common.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable, match="never downloaded"):
        CoquiSpeaker("tts_models/xx/none/vits", None, "cpu")
