"""Caption words and timings from both sources, on stories with numbers, names and titles.

    python bench/captions.py

Each story is spoken by the bundled Piper voice, then captioned twice: timed by the
voice's own phoneme alignment ("piper timing"), and by listening with whisper as if the
audio came from elsewhere. Prints JSON per story and overall: the word error rate of each
path's caption words against the story's words as written (target 0), the whisper path's
start-time error against the Piper alignment (targets: median under 50 ms, p95 under
150 ms), and the seconds each path took.
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
from common.documents import Captions, Word, load_document, save_document  # noqa: E402
from common.messages import StageMessage  # noqa: E402
from svc_captions.settings import CaptionsSettings  # noqa: E402
from svc_captions.stage import CaptionsStage  # noqa: E402
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
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
