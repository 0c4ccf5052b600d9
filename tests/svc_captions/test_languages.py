# ruff: noqa: RUF001  (text in other scripts is what these tests are about)
"""Captions of narration in other languages: words as the language cuts them, never split."""

import shutil
import wave
from itertools import pairwise
from pathlib import Path

import pytest
from piper.phonemize_espeak import EspeakPhonemizer

from common.artifacts import JobPaths
from common.bundled_models import bundled_model_installed
from common.documents import (
    Captions,
    SpeechTiming,
    SpokenSentence,
    TimedPhoneme,
    Word,
    load_document,
    save_document,
)
from common.errors import ModelUnavailable
from common.languages import join_words, screen_width, split_words
from common.messages import JobOptions, StageMessage
from common.settings import Settings
from svc_captions.grouping import MAX_GROUP_WIDTH, group_words
from svc_captions.settings import CaptionsSettings
from svc_captions.stage import VOICE_TIMING, CaptionsStage
from svc_tts.espeak_backend import EspeakSpeaker
from svc_tts.speech import write_speech

JAPANESE = "私は昨日、古い灯台で海を見た。波がとても高くて、空は暗かった。"
PHONEME_SECONDS = 0.06


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> CaptionsStage:
    # Its own data directory: the multilingual extra's model is joined into its cache.
    return CaptionsStage(CaptionsSettings(data_dir=tmp_path_factory.mktemp("captions")))


def _evenly_timed(tokens: list[str]) -> list[Word]:
    return [Word(text=token, start=i * 0.2, end=i * 0.2 + 0.15) for i, token in enumerate(tokens)]


def test_japanese_groups_are_whole_words_that_join_back_into_the_text() -> None:
    # Given a Japanese text's words, spoken without pauses
    tokens = split_words(JAPANESE, "ja")

    # When they are grouped
    groups = group_words(_evenly_timed(tokens), max_words=3, language="ja")

    # Then no word is split, no space is inserted, and each group fits on a line
    assert [w.text for g in groups for w in g.words] == tokens
    assert "".join(g.text for g in groups) == JAPANESE
    assert all(" " not in g.text for g in groups)
    assert all(screen_width(g.text) <= MAX_GROUP_WIDTH for g in groups)
    # And a group holds more than three of the tokenizer's short words, and ends at "、"
    assert max(len(g.words) for g in groups) > 3
    assert groups[0].text == "私は昨日、"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "Море было тихим, а старый маяк светил всю ночь.",
            "ru-RU",
            ["Море было тихим,", "а старый маяк", "светил всю ночь."],
        ),
        (
            "كان البحر هادئا، والمنارة القديمة تضيء طوال الليل.",
            "ar",
            ["كان البحر هادئا،", "والمنارة القديمة تضيء", "طوال الليل."],
        ),
        ("समुद्र शांत था। रात लंबी थी।", "hi", ["समुद्र शांत था।", "रात लंबी थी।"]),
        ("هل البحر هادئ؟ نعم.", "ar", ["هل البحر هادئ؟", "نعم."]),
    ],
)
def test_spaced_languages_group_a_few_words_at_commas_and_sentence_ends(
    text: str, language: str, expected: list[str]
) -> None:
    # Given a Russian or Arabic sentence's words
    # When they are grouped three at most
    groups = group_words(_evenly_timed(split_words(text, language)), 3, language)

    # Then groups break at the commas (the Arabic one too) and keep the words' spaces
    assert [g.text for g in groups] == expected


def _narration(folder: Path, text: str, espeak_voice: str) -> tuple[Path, Path, list[list[str]]]:
    """A silent WAV and a speech timing that gives each phoneme espeak-ng says the same time.

    Returns the two files and the phonemes of each spoken word, in order.
    """
    timed: list[TimedPhoneme] = []
    spoken_words: list[list[str]] = [[]]
    clock = 0.0
    for sentence in EspeakPhonemizer().phonemize(espeak_voice, text):
        for phoneme in [*sentence, " "]:
            timed.append(TimedPhoneme(phoneme=phoneme, start=clock, end=clock + PHONEME_SECONDS))
            clock += PHONEME_SECONDS
            if phoneme == " ":
                spoken_words.append([])
            else:
                spoken_words[-1].append(phoneme)
    timing = folder / "speech_timing.json"
    save_document(
        SpeechTiming(sentences=[SpokenSentence(start=0, end=clock, phonemes=timed)]), timing
    )
    wav = folder / "speech.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * int(16000 * (clock + 0.1)))
    return wav, timing, [word for word in spoken_words if word]


def _captions(
    stage: CaptionsStage, settings: Settings, job_id: str, text: str, language: str,
    wav: Path, timing: Path | None,
) -> tuple[str, Captions]:  # fmt: skip
    paths = JobPaths(settings.data_dir, job_id)
    paths.work_dir.mkdir(parents=True)
    shutil.copy(wav, paths.audio)
    artifacts = {"audio": paths.relative(paths.audio)}
    if timing is not None:
        shutil.copy(timing, paths.speech_timing)
        artifacts["timing"] = paths.relative(paths.speech_timing)
    job = StageMessage(
        job_id=job_id, text=text, artifacts=artifacts, options=JobOptions(language=language)
    )
    result = stage.run(job, paths, lambda note: None)
    return result.provider, load_document(Captions, paths.resolve(result.artifacts["captions"]))


def test_a_russian_voices_timing_times_each_word_from_its_first_phoneme(
    stage: CaptionsStage, settings: Settings, tmp_path: Path
) -> None:
    # Given a Russian narration whose voice timed each phoneme
    text = "Старый маяк светил всю ночь."
    wav, timing, _ = _narration(tmp_path, text, "ru")

    # When its captions are made
    provider, captions = _captions(stage, settings, "ru1", text, "ru", wav, timing)

    # Then each word starts where the voice began saying it
    assert provider == VOICE_TIMING
    assert [w.text for w in captions.words] == text.split()
    word_starts = []
    previous = " "
    for sentence in load_document(SpeechTiming, timing).sentences:
        for phoneme in sentence.phonemes:
            if previous == " " and phoneme.phoneme != " ":
                word_starts.append(phoneme.start)
            previous = phoneme.phoneme
    assert [w.start for w in captions.words] == pytest.approx(word_starts)


def test_a_japanese_voices_timing_times_the_tokenizers_words_in_order(
    stage: CaptionsStage, settings: Settings, tmp_path: Path
) -> None:
    # Given a Japanese narration timed phoneme by phoneme, whose spoken words espeak-ng cut
    # in other places than the tokenizer does
    wav, timing, _ = _narration(tmp_path, JAPANESE, "ja")

    # When its captions are made
    provider, captions = _captions(stage, settings, "ja1", JAPANESE, "ja", wav, timing)

    # Then the words are the tokenizer's, shown in order, and the groups are the text
    assert provider == VOICE_TIMING
    assert [w.text for w in captions.words] == split_words(JAPANESE, "ja")
    assert all(a.end <= b.start for a, b in pairwise(captions.words))
    assert join_words([g.text for g in captions.groups], "ja") == JAPANESE
    # And the words share the whole narration, not a corner of it
    assert captions.words[0].start < 0.1
    assert captions.words[-1].end > captions.duration - 0.3


@pytest.mark.skipif(
    not bundled_model_installed(),
    reason='the multilingual extra is not installed ("[multilingual]")',
)
def test_without_the_voices_timing_the_multilingual_extras_whisper_hears_japanese(
    stage: CaptionsStage, settings: Settings, tmp_path: Path
) -> None:
    # Given Japanese narration in kana, spoken by espeak-ng but passed on without its timing
    text = "きょうはいいてんきです。ねこがねています。"
    wav = tmp_path / "speech.wav"
    write_speech(EspeakSpeaker("ja"), text, wav, 0.25, speaking_rate=1.0)

    # When its captions are made, with only the multilingual extra's whisper to listen
    provider, captions = _captions(stage, settings, "ja3", text, "ja", wav, None)

    # Then faster-whisper-base times the tokenizer's words, in order, inside the narration
    assert provider == "whisper (faster-whisper-base)"
    assert [w.text for w in captions.words] == split_words(text, "ja")
    assert all(a.end <= b.start for a, b in pairwise(captions.words))
    assert captions.words[-1].end <= captions.duration
    assert join_words([g.text for g in captions.groups], "ja") == text


@pytest.mark.skipif(bundled_model_installed(), reason="the multilingual extra's model is installed")
def test_without_the_voices_timing_another_language_needs_a_multilingual_model(
    stage: CaptionsStage, settings: Settings, tmp_path: Path
) -> None:
    # Given a Japanese narration whose voice gave no timing, and only the English whisper
    wav, _, _ = _narration(tmp_path, JAPANESE, "ja")

    # When its captions are made, Then the error says what to install
    with pytest.raises(ModelUnavailable, match="T2V_WHISPER_MULTILINGUAL_MODEL"):
        _captions(stage, settings, "ja2", JAPANESE, "ja", wav, None)
