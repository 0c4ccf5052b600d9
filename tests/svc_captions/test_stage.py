import difflib
import re
import shutil
from pathlib import Path

import pytest

from common.artifacts import JobPaths
from common.documents import Captions, load_document
from common.errors import StageError
from common.messages import StageMessage
from common.settings import Settings
from svc_captions.settings import CaptionsSettings
from svc_captions.stage import CaptionsStage


@pytest.fixture(scope="module")
def stage() -> CaptionsStage:
    return CaptionsStage(CaptionsSettings())


def _job_with_audio(
    settings: Settings, job_id: str, wav: Path, text: str
) -> tuple[StageMessage, JobPaths]:
    paths = JobPaths(settings.data_dir, job_id)
    paths.work_dir.mkdir(parents=True)
    shutil.copy(wav, paths.audio)
    job = StageMessage(job_id=job_id, text=text, artifacts={"audio": paths.relative(paths.audio)})
    return job, paths


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _similarity(heard: str, said: str) -> float:
    # tiny.en may split or join words ("light house") or mishear one ("wades"); compare letters.
    return difflib.SequenceMatcher(None, _letters(heard), _letters(said)).ratio()


def test_words_are_timed_and_grouped(
    stage: CaptionsStage, settings: Settings, narration: tuple[Path, str]
) -> None:
    # Given the narration of a two-sentence story
    wav, text = narration
    job, paths = _job_with_audio(settings, "cap1", wav, text)

    # When the captions stage runs
    result = stage.run(job, paths, lambda note: None)

    # Then the spoken words are there, in order, with times inside the audio
    assert result.provider == "whisper (tiny.en)"
    captions = load_document(Captions, paths.resolve(result.artifacts["captions"]))
    assert _similarity(" ".join(w.text for w in captions.words), text) > 0.8
    starts = [w.start for w in captions.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start < w.end <= captions.duration for w in captions.words)
    # And the words are shown a few at a time, in the same order
    assert all(1 <= len(g.words) <= 3 for g in captions.groups)
    assert [w for g in captions.groups for w in g.words] == captions.words


def test_silence_fails_with_a_reason(
    stage: CaptionsStage, settings: Settings, tmp_path: Path
) -> None:
    # Given audio with no speech in it
    import wave

    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\0\0" * 16000)
    job, paths = _job_with_audio(settings, "cap2", silent, "Nothing.")

    # When the stage runs, Then it says so instead of writing empty captions
    with pytest.raises(StageError, match="no speech"):
        stage.run(job, paths, lambda note: None)
    assert not paths.captions.exists()
