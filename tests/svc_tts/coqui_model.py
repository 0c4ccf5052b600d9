"""A Coqui VITS model with random weights, built offline with Coqui's own config classes.

It speaks noise, but it goes through exactly the loading and synthesis path a trained
model does, which is what the Coqui backend's tests and GPU check need.
"""

from pathlib import Path


def save_random_vits(folder: Path) -> Path:
    """Write ``model.pth`` and ``config.json`` into ``folder``; return the model's path."""
    import torch
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    config = VitsConfig(
        model_args=VitsArgs(init_discriminator=False),
        use_phonemes=False,
        text_cleaner="basic_cleaners",
    )
    config.audio.sample_rate = 22050
    model = Vits.init_from_config(config)  # sets the character count into the config
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    return folder / "model.pth"
