"""Coqui TTS voices, for those who install the ``coqui`` extra (it brings torch).

Nothing here is imported unless a Coqui model is configured, so the offline default
never needs torch. Models are never downloaded: a model name must already be in Coqui's
local model folder, else the service says how to get it there.
"""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import ModelUnavailable
from svc_tts.pieces import spoken_pieces
from svc_tts.speech import SpokenChunk, ending_piece

logger = logging.getLogger(__name__)

INSTALL_HINT = 'install the Coqui extra: pip install ".[coqui]"'


def coqui_available() -> bool:
    try:
        import TTS  # noqa: F401
    except ImportError:
        return False
    return True


def installed_model_dir(model_name: str) -> Path:
    """Where Coqui keeps ``model_name`` once downloaded (its own naming scheme)."""
    from TTS.utils.generic_utils import get_user_data_dir

    return Path(get_user_data_dir("tts")) / model_name.replace("/", "--")


class CoquiSpeaker:
    def __init__(self, model: str, config: Path | None, device: str) -> None:
        if not coqui_available():
            raise ModelUnavailable(
                f"Coqui model {model!r} is configured but Coqui is not: {INSTALL_HINT}"
            )
        from TTS.api import TTS

        self._tts = TTS(**_model_arguments(model, config), progress_bar=False).to(_device(device))
        synthesizer: Any = self._tts.synthesizer
        self.sample_rate = int(synthesizer.output_sample_rate)
        self._split_sentences = synthesizer.split_into_sentences

    def speak(self, text: str, speaking_rate: float) -> Iterator[SpokenChunk]:
        for piece in spoken_pieces(text, speaking_rate):
            sentences = self._split_sentences(piece.text)
            chunks = (self._spoken_sentence(sentence, speaking_rate) for sentence in sentences)
            yield from ending_piece(chunks, piece.ends_sentence)

    def _spoken_sentence(self, sentence: str, speaking_rate: float) -> SpokenChunk:
        samples = np.asarray(self._tts.tts(text=sentence, speed=speaking_rate), dtype=np.float32)
        audio = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)
        # Coqui does not say when it spoke each phoneme; captions fall back to whisper.
        return SpokenChunk(audio=audio, phonemes=None)


def _model_arguments(model: str, config: Path | None) -> dict[str, Any]:
    path = Path(model)
    if path.exists():
        model_file = path if path.is_file() else _single_checkpoint(path)
        config_file = config or model_file.parent / "config.json"
        if not config_file.is_file():
            raise ModelUnavailable(f"Coqui model {model}: no config at {config_file}")
        return {"model_path": str(model_file), "config_path": str(config_file)}
    if not installed_model_dir(model).is_dir():
        raise ModelUnavailable(
            f"Coqui model {model!r} is not installed in {installed_model_dir(model)} and models "
            "are never downloaded at run time: fetch it once where there is network "
            f"(tts --model_name {model} --text hi) or set T2V_COQUI_MODEL to a model file"
        )
    return {"model_name": model}


def _single_checkpoint(folder: Path) -> Path:
    checkpoints = sorted(folder.glob("*.pth"))
    if not checkpoints:
        raise ModelUnavailable(f"Coqui model folder {folder} has no .pth checkpoint")
    return checkpoints[-1]


def _device(setting: str) -> str:
    if setting != "auto":
        return setting
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
