"""espeak-ng voices: real audio in any language it knows, timed phoneme by phoneme."""

from pathlib import Path

import pytest

from common.errors import ModelUnavailable
from svc_tts.espeak_backend import PAUSE, WORD_SEPARATOR, EspeakSpeaker, espeak_language
from svc_tts.speech import write_speech


def test_a_russian_text_is_spoken_with_the_timing_of_each_phoneme(tmp_path: Path) -> None:
    # Given espeak-ng's Russian voice
    speaker = EspeakSpeaker("ru-RU")

    # When it speaks two sentences of four words
    speech = write_speech(speaker, "Привет, мир. Как дела?", tmp_path / "a.wav", 0.25, 1.0)

    # Then there is audio, and its timing covers it, a sentence at a time
    assert 1.0 < speech.seconds < 5.0
    timing = speech.timing
    assert timing is not None
    assert len(timing.sentences) == 2
    assert timing.sentences[-1].end == pytest.approx(speech.seconds)
    phonemes = [p for sentence in timing.sentences for p in sentence.phonemes]
    assert [p.start for p in phonemes] == sorted(p.start for p in phonemes)
    # with a separator before each word, the sounds in IPA, and the comma a pause
    symbols = [p.phoneme for p in phonemes]
    assert symbols.count(WORD_SEPARATOR) == 4
    assert PAUSE in symbols
    assert {"p", "r", "k"} <= set(symbols)


def test_a_faster_speaking_rate_speaks_faster(tmp_path: Path) -> None:
    speaker = EspeakSpeaker("ar")
    text = "مرحبا بالعالم. كيف حالك اليوم؟"
    normal = write_speech(speaker, text, tmp_path / "a.wav", 0.25, 1.0)
    fast = write_speech(speaker, text, tmp_path / "b.wav", 0.25, 1.5)
    assert fast.seconds < normal.seconds * 0.85


@pytest.mark.parametrize(
    ("tag", "language"),
    [("ru", "ru"), ("ru-RU", "ru"), ("pt-BR", "pt-br"), ("ja", "ja"), ("zh-Hans-CN", "zh")],
)
def test_a_language_tag_finds_espeak_ngs_language(tag: str, language: str) -> None:
    assert espeak_language(tag) == language


def test_a_language_espeak_ng_does_not_know_is_refused() -> None:
    assert espeak_language("tlh") is None
    with pytest.raises(ModelUnavailable, match="no voice for the language 'tlh'"):
        EspeakSpeaker("tlh")
