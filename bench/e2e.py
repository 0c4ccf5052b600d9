"""One full-size job, through `t2v generate` (in process) and through the services.

    python bench/e2e.py [--width 1080 --height 1920 --fps 30] [--only generate|services]

Prints JSON: per-stage seconds, total seconds and narration seconds for each path. The
services path starts `t2v up` with its own broker names and data directory, and needs a
running RabbitMQ (T2V_BROKER_URL).
"""

import argparse
import json
import sys
import tempfile
import time
import uuid
import wave
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cli.pipeline import run_pipeline  # noqa: E402
from common.messages import JobOptions  # noqa: E402
from common.settings import Settings  # noqa: E402
from common.stages import PIPELINE, StageInfo  # noqa: E402
from tests.local_service import local_service  # noqa: E402

STORY = (REPO / "bench" / "story.txt").read_text().strip()
STAGE_BY_PROGRESS = {info.progress: info.name for info in PIPELINE}


def narration_seconds(wav_path: Path) -> float:
    with wave.open(str(wav_path)) as wav:
        return round(wav.getnframes() / wav.getframerate(), 2)


def bench_generate(options: JobOptions, data_dir: Path) -> dict[str, object]:
    starts: dict[str, float] = {}

    def on_progress(info: StageInfo, note: str | None) -> None:
        if note is None:
            starts[info.name] = time.perf_counter()

    began = time.perf_counter()
    paths = run_pipeline(STORY, options, data_dir, on_progress)
    finished = time.perf_counter()
    return {
        "stages": _durations(starts, finished),
        "total_seconds": round(finished - began, 2),
        "narration_seconds": narration_seconds(paths.audio),
    }


def bench_services(options: JobOptions, data_dir: Path) -> dict[str, object]:
    settings = Settings(data_dir=data_dir, amqp_prefix=f"t2vbench-{uuid.uuid4().hex[:8]}")
    with local_service(settings, data_dir.parent / "services.log") as base:
        began = time.perf_counter()
        job_id = requests.post(
            f"{base}/generate", json={"text": STORY, "options": options.model_dump()}, timeout=10
        ).json()["job_id"]
        # Stages are timed from when polling first sees their progress number; a stage
        # shorter than one poll is counted in the stage before it.
        starts: dict[str, float] = {}
        while True:
            status = requests.get(f"{base}/status/{job_id}", timeout=5).json()
            stage = STAGE_BY_PROGRESS.get(status["progress"])
            if stage is not None:
                starts.setdefault(stage, time.perf_counter())
            if status["status"] in ("completed", "failed"):
                break
            time.sleep(0.1)
        finished = time.perf_counter()
    if status["status"] != "completed":
        raise SystemExit(f"job failed: {status['message']}")
    return {
        "stages": _durations(starts, finished),
        "total_seconds": round(finished - began, 2),
        "narration_seconds": narration_seconds(data_dir / "work" / job_id / f"audio_{job_id}.wav"),
    }


def _durations(starts: dict[str, float], finished: float) -> dict[str, float]:
    ordered = [name for name in (info.name for info in PIPELINE) if name in starts]
    ends = [starts[name] for name in ordered[1:]] + [finished]
    return {name: round(end - starts[name], 2) for name, end in zip(ordered, ends, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--width", type=int, default=1080)
    parser.add_argument("--height", type=int, default=1920)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--only", choices=["generate", "services"])
    args = parser.parse_args()
    options = JobOptions(width=args.width, height=args.height, fps=args.fps)
    report: dict[str, object] = {
        "words": len(STORY.split()),
        "size": f"{args.width}x{args.height}@{args.fps}",
    }
    with tempfile.TemporaryDirectory(prefix="t2v-bench-") as scratch:
        if args.only in (None, "generate"):
            report["generate"] = bench_generate(options, Path(scratch) / "generate")
        if args.only in (None, "services"):
            report["services"] = bench_services(options, Path(scratch) / "services")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
