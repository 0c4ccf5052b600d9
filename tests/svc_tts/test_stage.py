import re
import shutil
import statistics
import wave
from itertools import pairwise
from pathlib import Path

import pytest

from common.artifacts import JobPaths
from common.documents import Captions, SpeechTiming, load_document
from common.errors import StageError
from common.messages import JobOptions, StageMessage
from common.settings import Settings
from common.stage import REUSED, StageResult
from svc_captions.settings import CaptionsSettings
from svc_captions.stage import CaptionsStage
from svc_tts.pieces import MAX_PIECE_SECONDS, spoken_pieces
from svc_tts.piper_backend import bundled_model
from svc_tts.settings import TtsSettings
from svc_tts.stage import TtsStage

STORY = (Path(__file__).resolve().parents[2] / "bench" / "story.txt").read_text()


@pytest.fixture(scope="module")
def voices_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A voice folder with one more voice: the bundled model under another name."""
    folder = tmp_path_factory.mktemp("voices")
    model = bundled_model()
    shutil.copyfile(model, folder / "narrator.onnx")
    shutil.copyfile(model.with_name(model.name + ".json"), folder / "narrator.onnx.json")
    return folder


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory, voices_dir: Path) -> TtsStage:
    data_dir = tmp_path_factory.mktemp("data")
    return TtsStage(TtsSettings(data_dir=data_dir, voices_dir=voices_dir))


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return wav.getnframes() / wav.getframerate()


def test_speaks_the_text_into_a_wav_with_its_timing(stage: TtsStage, settings: Settings) -> None:
    # Given a job with two short sentences
    job = StageMessage(job_id="tts1", text="The fox ran. The river was cold.")
    paths = JobPaths(settings.data_dir, job.job_id)
    notes: list[str] = []

    # When the stage runs
    result = stage.run(job, paths, notes.append)

    # Then the default voice spoke it into a mono 16-bit WAV
    assert result == StageResult(
        {"audio": "work/tts1/audio_tts1.wav", "timing": "work/tts1/speech_timing.json"},
        "piper (joe-medium)",
    )
    seconds = wav_seconds(paths.audio)
    assert 1.5 < seconds < 6
    assert notes == [f"({seconds:.1f} s of narration)"]
    # And the voice's own timing covers both sentences, phoneme by phoneme, inside the audio
    timing = load_document(SpeechTiming, paths.speech_timing)
    assert len(timing.sentences) == 2
    phonemes = [p for sentence in timing.sentences for p in sentence.phonemes]
    assert [p.start for p in phonemes] == sorted(p.start for p in phonemes)
    assert phonemes[-1].end == pytest.approx(seconds, abs=0.01)
    # with a pause between the sentences
    assert timing.sentences[1].start - timing.sentences[0].end == pytest.approx(0.25, abs=0.01)


def test_running_again_keeps_the_existing_audio(stage: TtsStage, settings: Settings) -> None:
    # Given a job whose audio was already written
    job = StageMessage(job_id="tts2", text="Once upon a time.")
    paths = JobPaths(settings.data_dir, job.job_id)
    stage.run(job, paths, lambda note: None)
    first_write = paths.audio.stat().st_mtime_ns

    # When the same message is delivered again
    result = stage.run(job, paths, lambda note: None)

    # Then the artifacts are reused, not rewritten
    assert paths.audio.stat().st_mtime_ns == first_write
    assert result == StageResult(
        {"audio": paths.relative(paths.audio), "timing": paths.relative(paths.speech_timing)},
        REUSED,
    )


def test_a_job_chooses_a_voice_from_the_folder(stage: TtsStage, settings: Settings) -> None:
    # Given a job asking for the voice found in the voice folder
    job = StageMessage(
        job_id="tts3", text="Hello there.", options=JobOptions(voice="piper:narrator")
    )

    # When the stage runs, Then that voice speaks
    result = stage.run(job, JobPaths(settings.data_dir, job.job_id), lambda note: None)
    assert result.provider == "piper (narrator)"


def test_a_faster_speaking_rate_makes_shorter_audio(stage: TtsStage, settings: Settings) -> None:
    # Given the same text at the voice's own rate and at 1.5 times it, spoken three times
    # each: the voice varies its timing a little on every take
    text = "The lighthouse keeper climbed the stairs every night."
    lengths = {}
    for rate in (1.0, 1.5):
        takes = []
        for take in range(3):
            job = StageMessage(
                job_id=f"rate{int(rate * 10)}-{take}",
                text=text,
                options=JobOptions(speaking_rate=rate),
            )
            paths = JobPaths(settings.data_dir, job.job_id)
            stage.run(job, paths, lambda note: None)
            takes.append(wav_seconds(paths.audio))
        lengths[rate] = statistics.median(takes)

    # Then the faster narration is a quarter to a third shorter: the voice's length scale
    # does not shorten speech in exact proportion (about 0.73 of it at 1.5, measured)
    assert 0.6 < lengths[1.5] / lengths[1.0] < 0.8


def test_an_unknown_voice_fails_naming_the_installed_ones(
    stage: TtsStage, settings: Settings
) -> None:
    job = StageMessage(job_id="tts4", text="Hello.", options=JobOptions(voice="piper:nobody"))
    with pytest.raises(StageError, match="unknown voice 'piper:nobody'; installed: piper:joe"):
        stage.run(job, JobPaths(settings.data_dir, job.job_id), lambda note: None)


def test_text_with_nothing_to_speak_fails_clearly(stage: TtsStage, settings: Settings) -> None:
    # Given a text of punctuation and emoji only
    job = StageMessage(job_id="tts5", text="... !!! 🙂🎉")
    paths = JobPaths(settings.data_dir, job.job_id)

    # When the stage runs, Then it fails with a readable reason and leaves no file
    with pytest.raises(StageError, match="nothing the voice can speak"):
        stage.run(job, paths, lambda note: None)
    assert not paths.audio.exists()


def test_abbreviations_do_not_break_a_sentence(stage: TtsStage, settings: Settings) -> None:
    # Given one sentence with abbreviations that end in a full stop
    job = StageMessage(job_id="tts6", text="Dr. Smith met Mr. Brown on Jan. 3rd in St. Ives.")
    paths = JobPaths(settings.data_dir, job.job_id)

    # When the stage speaks it
    stage.run(job, paths, lambda note: None)

    # Then the voice says it as one sentence, with no pause after each abbreviation
    timing = load_document(SpeechTiming, paths.speech_timing)
    assert len(timing.sentences) == 1


def test_narration_over_the_limit_fails_the_job_and_leaves_no_audio(settings: Settings) -> None:
    # Given a TTS stage whose limit is 2 s of narration
    stage = TtsStage(TtsSettings(data_dir=settings.data_dir, max_video_seconds=2.0))
    # And a text that takes longer than that to say
    job = StageMessage(job_id="tts7", text="The fox ran. The river was cold. Night came.")
    paths = JobPaths(settings.data_dir, job.job_id)

    # When the stage runs, Then it fails saying how long the narration got and the limit
    with pytest.raises(StageError, match=r"^the narration reached \d+ s, over the limit of 2 s"):
        stage.run(job, paths, lambda note: None)
    # And leaves no audio for a retry to reuse
    assert not paths.audio.exists()
    assert list(paths.work_dir.iterdir()) == []


def test_a_long_text_without_punctuation_is_spoken_in_pieces_without_pauses(
    stage: TtsStage, settings: Settings
) -> None:
    # Given 90 words with no punctuation at all: some 25 s in one breath
    words = re.sub(r"[^\w\s]", "", STORY).split()[:90]
    job = StageMessage(job_id="tts8", text=" ".join(words))
    paths = JobPaths(settings.data_dir, job.job_id)

    # When the stage speaks it
    stage.run(job, paths, lambda note: None)

    # Then the voice spoke it piece by piece, each piece no longer than the limit
    timing = load_document(SpeechTiming, paths.speech_timing)
    pieces = list(spoken_pieces(job.text))
    assert len(timing.sentences) == len(pieces) > 2
    assert all(s.end - s.start < MAX_PIECE_SECONDS * 1.5 for s in timing.sentences)
    # with no pause where the text has none
    assert all(b.start == pytest.approx(a.end) for a, b in pairwise(timing.sentences))
    assert timing.sentences[-1].end == pytest.approx(wav_seconds(paths.audio), abs=0.01)

    # And the captions made from its timing put every word where its piece was spoken
    captions_stage = CaptionsStage(CaptionsSettings(data_dir=settings.data_dir))
    job = job.model_copy(
        update={
            "artifacts": {
                "audio": paths.relative(paths.audio),
                "timing": paths.relative(paths.speech_timing),
            }
        }
    )
    result = captions_stage.run(job, paths, lambda note: None)
    assert result.provider == "voice timing"
    captions = load_document(Captions, paths.captions)
    assert [word.text for word in captions.words] == words
    first_word = 0
    for piece, sentence in zip(pieces, timing.sentences, strict=True):
        spoken_there = captions.words[first_word : first_word + len(piece.text.split())]
        assert all(
            sentence.start - 0.05 <= w.start < w.end <= sentence.end + 0.05 for w in spoken_there
        )
        first_word += len(spoken_there)


def test_a_job_in_a_language_the_voice_does_not_speak_is_spoken_by_espeak(
    stage: TtsStage, settings: Settings
) -> None:
    # Given a Russian story for the default English voice
    job = StageMessage(
        job_id="tts-ru",
        text="Лиса бежала по лесу. Река была холодной.",
        options=JobOptions(language="ru"),
    )
    paths = JobPaths(settings.data_dir, job.job_id)

    # When the stage runs
    result = stage.run(job, paths, lambda note: None)

    # Then espeak-ng's Russian voice spoke it, with the timing of its phonemes
    assert result.provider == "espeak (ru)"
    assert result.artifacts == {
        "audio": "work/tts-ru/audio_tts-ru.wav",
        "timing": "work/tts-ru/speech_timing.json",
    }
    assert 1.5 < wav_seconds(paths.audio) < 8
    timing = load_document(SpeechTiming, paths.speech_timing)
    assert len(timing.sentences) == 2
