import wave

import pytest

from common.artifacts import JobPaths
from common.errors import StageError
from common.messages import StageMessage
from common.settings import Settings
from common.stage import REUSED, StageResult
from svc_tts.settings import TtsSettings
from svc_tts.stage import TtsStage


@pytest.fixture(scope="module")
def stage() -> TtsStage:
    return TtsStage(TtsSettings())


def test_speaks_the_text_into_a_wav(stage: TtsStage, settings: Settings) -> None:
    # Given a job with two short sentences
    job = StageMessage(job_id="tts1", text="The fox ran. The river was cold.")
    paths = JobPaths(settings.data_dir, job.job_id)
    notes: list[str] = []

    # When the stage runs
    result = stage.run(job, paths, notes.append)

    # Then a mono 16-bit WAV named after the job holds a few seconds of speech
    assert result == StageResult({"audio": "work/tts1/audio_tts1.wav"}, "piper (joe-medium)")
    with wave.open(str(paths.audio)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
    assert 1.0 < seconds < 6.0
    assert notes and "narration" in notes[0]


def test_running_again_keeps_the_existing_audio(stage: TtsStage, settings: Settings) -> None:
    # Given a job whose audio was already made
    job = StageMessage(job_id="tts2", text="Hello there.")
    paths = JobPaths(settings.data_dir, job.job_id)
    stage.run(job, paths, lambda note: None)
    first_write = paths.audio.stat().st_mtime_ns

    # When the same message is delivered again
    result = stage.run(job, paths, lambda note: None)

    # Then the artifact is reused, not rewritten
    assert paths.audio.stat().st_mtime_ns == first_write
    assert result == StageResult({"audio": paths.relative(paths.audio)}, REUSED)


def test_text_with_nothing_to_speak_fails_clearly(stage: TtsStage, settings: Settings) -> None:
    # Given a text of punctuation and emoji only
    job = StageMessage(job_id="tts3", text="... !!! 🙂🎉")
    paths = JobPaths(settings.data_dir, job.job_id)

    # When the stage runs, Then it fails with a readable reason and leaves no file
    with pytest.raises(StageError, match="nothing the voice can speak"):
        stage.run(job, paths, lambda note: None)
    assert not paths.audio.exists()
