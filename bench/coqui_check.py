"""Check the Coqui backend on this machine: load a model and speak, on the GPU if there is one.

    python bench/coqui_check.py [--device auto|cpu|cuda]

Needs the coqui extra. Builds a VITS model with random weights offline (it speaks noise,
through exactly the path a trained model takes), loads it through the TTS service's Coqui
backend, speaks three sentences and prints JSON: device, load and synthesis seconds,
narration seconds and the real-time factor.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from svc_tts.coqui_backend import CoquiSpeaker  # noqa: E402
from svc_tts.speech import write_speech  # noqa: E402
from tests.svc_tts.coqui_model import save_random_vits  # noqa: E402

TEXT = (
    "The lighthouse stood alone on the cliff. Every night its keeper climbed the stairs. "
    "Ships passed safely because of her."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    args = parser.parse_args()
    import torch

    with tempfile.TemporaryDirectory() as scratch:
        model = save_random_vits(Path(scratch) / "model")
        began = time.perf_counter()
        speaker = CoquiSpeaker(str(model), None, args.device)
        loaded = time.perf_counter()
        speech = write_speech(speaker, TEXT, Path(scratch) / "speech.wav", 0.25, 1.0)
        spoke = time.perf_counter()
        faster = write_speech(speaker, TEXT, Path(scratch) / "faster.wav", 0.25, 1.5)
    device = next(speaker._tts.synthesizer.tts_model.parameters()).device
    report = {
        "device": str(device),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "load_seconds": round(loaded - began, 2),
        "synthesis_seconds": round(spoke - loaded, 2),
        "narration_seconds": round(speech.seconds, 2),
        "real_time_factor": round((spoke - loaded) / speech.seconds, 3),
        "narration_seconds_at_rate_1_5": round(faster.seconds, 2),
        "sample_rate": speaker.sample_rate,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
