import shutil
import wave
from itertools import pairwise
from pathlib import Path

import pytest

from common.artifacts import JobPaths
from common.documents import Captions, SpeechTiming, Word, load_document
from common.errors import StageError
from common.messages import StageMessage
from common.settings import Settings
from common.stage import REUSED
from svc_captions.settings import CaptionsSettings
from svc_captions.stage import CaptionsStage
from tests.svc_captions.conftest import SpokenText

WHISPER = "whisper (tiny.en)"
VOICE_TIMING = "voice timing"


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> CaptionsStage:
    # Its own data directory: the multilingual extra's model is joined into its cache.
    return CaptionsStage(CaptionsSettings(data_dir=tmp_path_factory.mktemp("captions")))


def _job(
    settings: Settings, job_id: str, text: str, wav: Path, timing: Path | None = None
) -> tuple[StageMessage, JobPaths]:
    paths = JobPaths(settings.data_dir, job_id)
    paths.work_dir.mkdir(parents=True)
    shutil.copy(wav, paths.audio)
    artifacts = {"audio": paths.relative(paths.audio)}
    if timing is not None:
        shutil.copy(timing, paths.speech_timing)
        artifacts["timing"] = paths.relative(paths.speech_timing)
    return StageMessage(job_id=job_id, text=text, artifacts=artifacts), paths


def _captions(stage: CaptionsStage, job: StageMessage, paths: JobPaths) -> tuple[str, Captions]:
    result = stage.run(job, paths, lambda note: None)
    return result.provider, load_document(Captions, paths.resolve(result.artifacts["captions"]))


def _assert_shown_in_order(captions: Captions) -> None:
    starts = [w.start for w in captions.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start < w.end <= captions.duration for w in captions.words)
    assert all(a.end <= b.start for a, b in pairwise(captions.words))
    assert all(1 <= len(g.words) <= 3 for g in captions.groups)
    assert [w for g in captions.groups for w in g.words] == captions.words


def _phoneme_word_starts(timing: Path) -> list[float]:
    """When each spoken word began, by the voice's alignment: after "^" or a " "."""
    starts = []
    for sentence in load_document(SpeechTiming, timing).sentences:
        previous = "^"
        for phoneme in sentence.phonemes:
            if previous in ("^", " ") and phoneme.phoneme not in ("^", "$", " "):
                starts.append(phoneme.start)
            previous = phoneme.phoneme
    return starts


def test_the_voices_timing_times_the_users_own_words(
    stage: CaptionsStage, settings: Settings, spoken: SpokenText
) -> None:
    # Given a narration whose voice reported when it spoke each phoneme
    job, paths = _job(settings, "piper1", spoken.text, spoken.wav, spoken.timing)

    # When the captions stage runs
    provider, captions = _captions(stage, job, paths)

    # Then the captions are the user's words as written, timed by the voice itself
    assert provider == VOICE_TIMING
    assert [w.text for w in captions.words] == spoken.text.split()
    assert [w.text for w in captions.words][:4] == ["Dr.", "Smith", "paid", "42"]
    _assert_shown_in_order(captions)
    # And "42", spoken as "forty two", starts with "forty" and ends with "two"
    phoneme_starts = _phoneme_word_starts(spoken.timing)
    forty, two, dollars = phoneme_starts[3:6]
    number = captions.words[3]
    assert number.start == pytest.approx(forty)
    assert two < number.end <= dollars
    assert captions.words[4].start == pytest.approx(dollars)


def test_listening_times_the_users_own_words_without_the_voices_timing(
    stage: CaptionsStage, settings: Settings, spoken: SpokenText
) -> None:
    # Given the same narration from a voice that says nothing of its timing
    job, paths = _job(settings, "whisper1", spoken.text, spoken.wav)

    # When the captions stage runs
    provider, captions = _captions(stage, job, paths)

    # Then whisper times the words, but the captions still spell them as the user did
    assert provider == WHISPER
    assert [w.text for w in captions.words] == spoken.text.split()
    _assert_shown_in_order(captions)
    # And each word starts near where the voice began it (whisper is coarser than that)
    phoneme_starts = _phoneme_word_starts(spoken.timing)
    word_starts = [phoneme_starts[i] for i in (0, 1, 2, 3, 5, 6, 7, 8, 9, 10)]
    assert all(
        abs(word.start - start) < 0.3
        for word, start in zip(captions.words, word_starts, strict=True)
    )


def test_an_unusable_timing_artifact_falls_back_to_listening(
    stage: CaptionsStage, settings: Settings, spoken: SpokenText, tmp_path: Path
) -> None:
    # Given a timing artifact that is not a speech timing
    broken = tmp_path / "speech_timing.json"
    broken.write_text('{"sentences": "garbled"}')
    job, paths = _job(settings, "broken1", spoken.text, spoken.wav, broken)

    # When the captions stage runs, Then whisper times the words instead of the job failing
    provider, captions = _captions(stage, job, paths)
    assert provider == WHISPER
    assert [w.text for w in captions.words] == spoken.text.split()


def test_words_whisper_did_not_hear_are_placed_between_their_neighbours(
    stage: CaptionsStage, settings: Settings, narration: tuple[Path, str]
) -> None:
    # Given a text with a word the narration never says ("big")
    wav, said = narration
    text = said.replace("the park.", "the big park.")
    job, paths = _job(settings, "missed1", text, wav)

    # When the captions stage runs
    provider, captions = _captions(stage, job, paths)

    # Then the unheard word is captioned all the same, between the words around it
    assert provider == WHISPER
    assert [w.text for w in captions.words] == text.split()
    the, big, park = (_word(captions.words, "big", offset) for offset in (-1, 0, 1))
    assert the.end <= big.start < big.end <= park.start
    _assert_shown_in_order(captions)


def _word(words: list[Word], text: str, offset: int) -> Word:
    index = [w.text for w in words].index(text)
    return words[index + offset]


def test_existing_captions_are_reused(
    stage: CaptionsStage, settings: Settings, spoken: SpokenText
) -> None:
    # Given a job whose captions an earlier attempt already wrote
    job, paths = _job(settings, "again1", spoken.text, spoken.wav, spoken.timing)
    stage.run(job, paths, lambda note: None)
    written = paths.captions.read_bytes()

    # When the stage runs again, Then it reuses them untouched
    result = stage.run(job, paths, lambda note: None)
    assert result.provider == REUSED
    assert paths.captions.read_bytes() == written


def test_silence_fails_with_a_reason(
    stage: CaptionsStage, settings: Settings, tmp_path: Path
) -> None:
    # Given audio with no speech in it, and no timing from the voice
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\0\0" * 16000)
    job, paths = _job(settings, "cap2", "Nothing.", silent)

    # When the stage runs, Then it says so instead of writing empty captions
    with pytest.raises(StageError, match="no speech"):
        stage.run(job, paths, lambda note: None)
    assert not paths.captions.exists()
