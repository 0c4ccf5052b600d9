from dataclasses import dataclass
from pathlib import Path

import pytest

from common.documents import SpeechTiming, save_document


@dataclass(frozen=True)
class SpokenText:
    text: str
    wav: Path
    timing: Path  # the voice's phoneme alignment, as the TTS stage leaves it


@pytest.fixture(scope="session")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> SpokenText:
    """A sentence with a title, a number and a quotation, spoken by the bundled voice."""
    from svc_tts.piper_backend import PiperSpeaker, bundled_model
    from svc_tts.speech import write_speech

    text = 'Dr. Smith paid 42 dollars for "Hello," a small book.'
    folder = tmp_path_factory.mktemp("spoken")
    speech = write_speech(
        PiperSpeaker(bundled_model()), text, folder / "speech.wav", 0.25, speaking_rate=1.0
    )
    assert isinstance(speech.timing, SpeechTiming), "the bundled voice reports its alignment"
    save_document(speech.timing, folder / "speech_timing.json")
    return SpokenText(text, folder / "speech.wav", folder / "speech_timing.json")
