# ruff: noqa: RUF001  (the stories in other languages are written in their own scripts)
"""Caption words and timings from both sources, on stories with numbers, names and titles.

    python bench/captions.py

Each story is spoken by the bundled Piper voice, then captioned twice: timed by the
voice's own phoneme alignment ("voice timing"), and by listening with whisper as if the
audio came from elsewhere. Prints JSON per story and overall: the word error rate of each
path's caption words against the story's words as written (target 0), the whisper path's
start-time error against the Piper alignment (targets: median under 50 ms, p95 under
150 ms), and the seconds each path took.

Under "languages", stories in Russian, Arabic and Japanese are spoken by espeak-ng (the
espeak backend of svc_tts) and captioned by its timing: the word error rate against the
story's words as its language cuts them (target 0), whether the caption groups join back
into the story exactly, and, where the voice's words are the text's words, the start-time
error against the voice's own word starts (target 0). With a multilingual whisper model
(the multilingual extra, or T2V_WHISPER_MULTILINGUAL_MODEL) they are captioned by listening
too; without one that path is left out.

Under "kokoro", where the kokoro extra is installed, the Japanese story (kanji and kana) is
spoken by Kokoro's jf_alpha, which gives no timing, and captioned by listening: the word
error rate of the caption words against the story's (target 0), whether the groups join
back into the story, and the character error rate of what whisper itself heard against the
story without punctuation (how well it hears Kokoro, which the timing rests on).
"""

import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.artifacts import JobPaths  # noqa: E402
from common.documents import Captions, SpeechTiming, Word, load_document, save_document  # noqa: E402
from common.errors import StageError  # noqa: E402
from common.languages import join_words, split_words  # noqa: E402
from common.messages import JobOptions, StageMessage  # noqa: E402
from svc_captions.heard import heard_in_timing  # noqa: E402
from svc_captions.settings import CaptionsSettings  # noqa: E402
from svc_captions.stage import CaptionsStage  # noqa: E402
from svc_captions.transcribe import audio_seconds, transcribe_words  # noqa: E402
from svc_tts.kokoro_backend import KokoroSpeaker, kokoro_voices  # noqa: E402
from svc_tts.piper_backend import PiperSpeaker, bundled_model  # noqa: E402
from svc_tts.settings import TtsSettings  # noqa: E402
from svc_tts.speech import write_speech  # noqa: E402

STORIES = {
    "clinic": (
        "Dr. Amelia Hart opened her clinic on Elm St. in 1998, when the town had only 3,200 "
        "people. Every morning at 7:30 she walked past Mr. O'Brien's bakery and bought two "
        'rolls for $1.50. "Good morning, Doctor," he would say, and she always answered, '
        '"Morning, Patrick!" By 2005 the clinic saw 42 patients a day, and Mrs. Chen, her '
        "nurse, kept the records in 12 thick binders. When a storm knocked out the power on "
        "Jan. 14th, Dr. Hart treated 17 people by lantern light. The mayor, Gen. Robert "
        "Alvarez, gave her a medal that spring. She still says the best medicine is a warm "
        "roll, a kind word and about 8 hours of sleep."
    ),
    "expedition": (
        "In March 2019, a team of 6 climbers led by Prof. Ingrid Solberg set out to cross the "
        "Vatnajokull ice cap in Iceland. They carried 250 kg of gear on 4 sledges and planned "
        "to cover 15 km a day. On day 3 the temperature fell to minus 28 degrees, and Tomas "
        "Novak, the team's doctor, treated two cases of frostbite. A radio message from "
        "Reykjavik warned of winds above 90 km/h. The team waited 36 hours in their tents, "
        "reading, playing cards and melting snow for water. When the storm cleared, they "
        "pushed on and reached the eastern edge after 11 days, 2 days ahead of plan. Solberg "
        "later wrote that the hardest part was not the cold, it was the waiting."
    ),
    "market": (
        "Every Saturday the market on Harbour Rd. opens at 6 a.m. sharp. Mrs. Lopez sells "
        "tomatoes at 3 for $2, and her neighbour, Mr. Kowalski, sells honey from his 14 hives. "
        "Last year the market had 85 stalls; this year there are 112, and the council expects "
        "150 by 2026. The busiest stall belongs to Aisha Rahman, who bakes 400 loaves every "
        "Friday night. She started with a single oven in 2017 and now employs 9 people. "
        '"People come for the bread," she says, "but they stay for the gossip." At noon a '
        "brass band plays near the fountain, and children count the coins in the water. "
        "By 2 p.m. the square is empty again, swept clean until next week."
    ),
}


# Short stories in the languages of the bundled caption fonts, spoken by espeak-ng.
LANGUAGE_STORIES = {
    "ru": (
        "Старый маяк стоял на скале у самого моря. Каждую ночь смотритель зажигал огонь, "
        "и корабли находили дорогу домой. Однажды зимой буря длилась три дня, но свет "
        "не погас ни разу."
    ),
    "ar": (
        "كانت المنارة القديمة تقف على الصخرة قرب البحر. في كل ليلة كان الحارس يشعل النور، "
        "فتجد السفن طريقها إلى البيت. وفي شتاء ما استمرت العاصفة ثلاثة أيام، لكن النور "
        "لم ينطفئ أبدا."
    ),
    "ja": (
        "古い灯台は海のそばの岩の上に立っていた。毎晩、灯台守は火をともし、船は家への道を"
        "見つけた。ある冬、嵐は三日続いたが、光は一度も消えなかった。"
    ),
}


def word_error_rate(captioned: list[str], written: list[str]) -> float:
    """Word-level edit distance over the number of written words, tokens compared as written."""
    previous = list(range(len(captioned) + 1))
    for index, word in enumerate(written, start=1):
        current = [index]
        for position, heard in enumerate(captioned, start=1):
            substitution = previous[position - 1] + (heard != word)
            current.append(min(previous[position] + 1, current[-1] + 1, substitution))
        previous = current
    return previous[-1] / len(written)


def caption(stage: CaptionsStage, job: StageMessage, paths: JobPaths) -> tuple[Captions, float]:
    began = time.perf_counter()
    result = stage.run(job, paths, lambda note: None)
    seconds = time.perf_counter() - began
    return load_document(Captions, paths.resolve(result.artifacts["captions"])), seconds


def start_errors_ms(timed: list[Word], reference: list[Word]) -> list[float]:
    return [
        abs(word.start - truth.start) * 1000 for word, truth in zip(timed, reference, strict=True)
    ]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def error_figures(errors: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(errors), 1),
        "p95_ms": round(percentile(errors, 0.95), 1),
        "max_ms": round(max(errors), 1),
    }


@dataclass
class StoryRun:
    words: int
    narration_seconds: float
    piper_wer: float
    piper_seconds: float
    whisper_wer: float
    whisper_seconds: float
    start_errors_ms: list[float]

    def figures(self) -> dict[str, object]:
        return {
            "words": self.words,
            "narration_seconds": round(self.narration_seconds, 2),
            "piper": {"wer": self.piper_wer, "seconds": round(self.piper_seconds, 3)},
            "whisper": {
                "wer": self.whisper_wer,
                "seconds": round(self.whisper_seconds, 3),
                "start_error": error_figures(self.start_errors_ms),
            },
        }


def bench_story(
    name: str, text: str, speaker: PiperSpeaker, stage: CaptionsStage, data_dir: Path
) -> StoryRun:
    written = text.split()
    piper_paths, whisper_paths = JobPaths(data_dir, f"{name}-piper"), JobPaths(data_dir, name)
    speech = write_speech(
        speaker, text, piper_paths.audio, TtsSettings().sentence_pause, speaking_rate=1.0
    )
    assert speech.timing is not None, "the bundled voice reports no phoneme alignment"
    save_document(speech.timing, piper_paths.speech_timing)
    whisper_paths.work_dir.mkdir(parents=True)
    whisper_paths.audio.write_bytes(piper_paths.audio.read_bytes())

    timed_job = StageMessage(
        job_id=piper_paths.job_id,
        text=text,
        artifacts={
            "audio": piper_paths.relative(piper_paths.audio),
            "timing": piper_paths.relative(piper_paths.speech_timing),
        },
    )
    heard_job = StageMessage(
        job_id=whisper_paths.job_id,
        text=text,
        artifacts={"audio": whisper_paths.relative(whisper_paths.audio)},
    )
    by_piper, piper_seconds = caption(stage, timed_job, piper_paths)
    by_whisper, whisper_seconds = caption(stage, heard_job, whisper_paths)
    return StoryRun(
        words=len(written),
        narration_seconds=speech.seconds,
        piper_wer=word_error_rate([w.text for w in by_piper.words], written),
        piper_seconds=piper_seconds,
        whisper_wer=word_error_rate([w.text for w in by_whisper.words], written),
        whisper_seconds=whisper_seconds,
        start_errors_ms=start_errors_ms(by_whisper.words, by_piper.words),
    )


def bench_language(
    language: str, text: str, stage: CaptionsStage, data_dir: Path
) -> dict[str, object]:
    """One story spoken by espeak-ng in ``language``, captioned by its timing (and whisper)."""
    from svc_tts.espeak_backend import EspeakSpeaker

    written = split_words(text, language)
    timed_paths = JobPaths(data_dir, f"{language}-voice")
    speech = write_speech(
        EspeakSpeaker(language), text, timed_paths.audio, TtsSettings().sentence_pause, 1.0
    )
    assert speech.timing is not None, "espeak-ng reports no phoneme timing"
    save_document(speech.timing, timed_paths.speech_timing)
    options = JobOptions(language=language)
    timed_job = StageMessage(
        job_id=timed_paths.job_id,
        text=text,
        options=options,
        artifacts={
            "audio": timed_paths.relative(timed_paths.audio),
            "timing": timed_paths.relative(timed_paths.speech_timing),
        },
    )
    by_voice, voice_seconds = caption(stage, timed_job, timed_paths)
    figures: dict[str, object] = {
        "words": len(written),
        "narration_seconds": round(speech.seconds, 2),
        "voice_timing": {
            "wer": round(word_error_rate([w.text for w in by_voice.words], written), 4),
            "groups_join_into_the_story": join_words([g.text for g in by_voice.groups], language)
            == text,
            "seconds": round(voice_seconds, 3),
        },
    }
    spoken = heard_in_timing(load_document(SpeechTiming, timed_paths.speech_timing))
    if len(spoken) == len(by_voice.words):
        spoken_starts = [Word(text="", start=word.start, end=word.end) for word in spoken]
        figures["voice_timing"]["start_error"] = error_figures(  # type: ignore[index]
            start_errors_ms(by_voice.words, spoken_starts)
        )
    if stage.multilingual_model is not None:
        heard_paths = JobPaths(data_dir, f"{language}-heard")
        heard_paths.work_dir.mkdir(parents=True)
        heard_paths.audio.write_bytes(timed_paths.audio.read_bytes())
        heard_job = StageMessage(
            job_id=heard_paths.job_id,
            text=text,
            options=options,
            artifacts={"audio": heard_paths.relative(heard_paths.audio)},
        )
        try:
            by_whisper, whisper_seconds = caption(stage, heard_job, heard_paths)
        except StageError as exc:
            # Whisper may hear nothing in espeak-ng's robotic speech (and espeak-ng reads
            # kanji as "Chinese letter"): the figures say so rather than stop.
            figures["whisper"] = {"error": str(exc)}
            return figures
        figures["whisper"] = {
            "wer": round(word_error_rate([w.text for w in by_whisper.words], written), 4),
            "seconds": round(whisper_seconds, 3),
            "start_error": error_figures(start_errors_ms(by_whisper.words, by_voice.words)),
        }
    return figures


def bench_kokoro(text: str, stage: CaptionsStage, data_dir: Path) -> dict[str, object]:
    """The Japanese story spoken by Kokoro (no timing), captioned by the multilingual whisper."""
    assert stage.multilingual_model is not None
    written = split_words(text, "ja")
    paths = JobPaths(data_dir, "ja-kokoro")
    speech = write_speech(
        KokoroSpeaker("jf_alpha"), text, paths.audio, TtsSettings().sentence_pause, 1.0
    )
    job = StageMessage(
        job_id=paths.job_id,
        text=text,
        options=JobOptions(language="ja"),
        artifacts={"audio": paths.relative(paths.audio)},
    )
    captions, seconds = caption(stage, job, paths)
    heard = transcribe_words(
        stage.multilingual_model, paths.audio, audio_seconds(paths.audio), "ja"
    )
    story_characters = [c for c in text if c.isalnum()]
    heard_characters = [c for word in heard for c in word.text if c.isalnum()]
    starts = [group.start for group in captions.groups]
    return {
        "words": len(written),
        "narration_seconds": round(speech.seconds, 2),
        "wer": round(word_error_rate([w.text for w in captions.words], written), 4),
        "groups_join_into_the_story": join_words([g.text for g in captions.groups], "ja") == text,
        "group_starts_in_order": starts == sorted(starts),
        "last_group_end_seconds": round(captions.groups[-1].end, 2),
        "whisper_heard_cer": round(word_error_rate(heard_characters, story_characters), 4),
        "whisper_heard": "".join(word.text for word in heard),
        "seconds": round(seconds, 3),
    }


def main() -> None:
    began = time.perf_counter()
    speaker = PiperSpeaker(bundled_model())
    stage = CaptionsStage(CaptionsSettings())
    load_seconds = time.perf_counter() - began
    with tempfile.TemporaryDirectory(prefix="t2v-captions-") as scratch:
        runs = {
            name: bench_story(name, text, speaker, stage, Path(scratch))
            for name, text in STORIES.items()
        }
        languages = {
            language: bench_language(language, text, stage, Path(scratch))
            for language, text in LANGUAGE_STORIES.items()
        }
        kokoro = (
            bench_kokoro(LANGUAGE_STORIES["ja"], stage, Path(scratch))
            if kokoro_voices() and stage.multilingual_model is not None
            else None
        )
    all_runs = list(runs.values())
    all_words = sum(run.words for run in all_runs)
    report = {
        "load_seconds": round(load_seconds, 2),
        "stories": {name: run.figures() for name, run in runs.items()},
        "overall": {
            "words": all_words,
            "narration_seconds": round(sum(run.narration_seconds for run in all_runs), 2),
            # Word error rate over all the stories' words together.
            "piper_wer": sum(run.piper_wer * run.words for run in all_runs) / all_words,
            "whisper_wer": sum(run.whisper_wer * run.words for run in all_runs) / all_words,
            "whisper_start_error": error_figures(
                [error for run in all_runs for error in run.start_errors_ms]
            ),
            "piper_seconds": round(sum(run.piper_seconds for run in all_runs), 3),
            "whisper_seconds": round(sum(run.whisper_seconds for run in all_runs), 3),
        },
        "languages": languages,
    }
    if kokoro is not None:
        report["kokoro"] = kokoro
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
