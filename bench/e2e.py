"""One full-size job, through `t2v generate` (in process) and through the services.

    python bench/e2e.py [--width 1080 --height 1920 --fps 30] [--only generate|services]
                        [--footage generated|library|both] [--repeats 1]

Prints JSON for each kind of footage: generated backgrounds only, or a library folder of
1920x1080 H.264 clips (made at the start, named after the story's nouns; segments no
file matches still get generated ones). For each path: per-stage seconds, total seconds
and narration seconds; the services path also gives the seconds from POST to the first
playable segment being listed in the job's HLS playlist (null, with the reason, where
the gateway does not serve one), and medians when repeated. The services path starts
`t2v up` with its own broker names and data directory, and needs a running RabbitMQ
(T2V_BROKER_URL).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import av
import numpy as np
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
# Library clip names: words the story's segments are likely searched by.
LIBRARY_NAMES = (
    "lighthouse", "fishing_village", "ships_sea", "storm_night", "harbour_waves",
    "boat_rocks", "girl_hill", "lantern_light",
)  # fmt: skip
LIBRARY_CLIP_SECONDS = 4


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
    with local_service(settings, data_dir.parent / f"{data_dir.name}.log") as base:
        began = time.perf_counter()
        job_id = requests.post(
            f"{base}/generate", json={"text": STORY, "options": options.model_dump()}, timeout=10
        ).json()["job_id"]
        playlist = _PlaylistWatch(f"{base}/jobs/{job_id}/stream.m3u8")
        # The playlist is looked at often (its first segment is the figure wanted), the
        # status less so.
        status: dict[str, object] = {}
        next_status = 0.0
        while status.get("status") not in ("completed", "failed"):
            playlist.poll(began)
            if time.perf_counter() >= next_status:
                status = requests.get(f"{base}/status/{job_id}", timeout=5).json()
                next_status = time.perf_counter() + 0.2
            time.sleep(0.02)
        finished = time.perf_counter()
        playlist.poll(began)
        detail = requests.get(f"{base}/jobs/{job_id}", timeout=5).json()
    if status["status"] != "completed":
        raise SystemExit(f"job failed: {status['message']}")
    narration = narration_seconds(data_dir / "work" / job_id / f"audio_{job_id}.wav")
    return {
        # Each stage's own seconds, as its report gives them (the hops between stages are
        # the rest of the total).
        "stages": {stage["stage"]: round(stage["seconds"], 2) for stage in detail["stages"]},
        "first_playable_seconds": playlist.first_playable_seconds,
        **({"first_playable_note": playlist.note} if playlist.note else {}),
        "total_seconds": round(finished - began, 2),
        "narration_seconds": narration,
        # The target: the first playable segment within 12% of the narration's length.
        "first_playable_share": None
        if playlist.first_playable_seconds is None
        else round(playlist.first_playable_seconds / narration, 3),
    }


class _PlaylistWatch:
    """When the job's HLS playlist first lists a segment, by polling it."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.first_playable_seconds: float | None = None
        self._last_answer = "no answer"

    def poll(self, began: float) -> None:
        if self.first_playable_seconds is not None:
            return
        try:
            reply = requests.get(self._url, timeout=5)
        except requests.RequestException as exc:
            self._last_answer = type(exc).__name__
            return
        self._last_answer = f"HTTP {reply.status_code}"
        segments = [
            line for line in reply.text.splitlines() if line.strip() and not line.startswith("#")
        ]
        if reply.ok and segments:
            self.first_playable_seconds = round(time.perf_counter() - began, 2)

    @property
    def note(self) -> str | None:
        if self.first_playable_seconds is not None:
            return None
        return (
            "GET /jobs/<id>/stream.m3u8 never listed a segment (last answer: "
            f"{self._last_answer}); the gateway does not serve the job's HLS stream yet"
        )


def write_library(folder: Path) -> None:
    """1920x1080 H.264 clips named after the story's nouns, each a moving colour ramp."""
    folder.mkdir(parents=True, exist_ok=True)
    fps = 30
    ramp = np.linspace(0, 255, 1920, dtype=np.float32)
    for number, name in enumerate(LIBRARY_NAMES):
        with av.open(str(folder / f"{name}.mp4"), "w") as container:
            stream = container.add_stream("libx264", rate=fps, options={"preset": "veryfast"})
            stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
            for index in range(LIBRARY_CLIP_SECONDS * fps):
                row = (ramp + index * 4 + number * 40) % 256
                pixels = np.empty((1080, 1920, 3), dtype=np.uint8)
                pixels[..., 0] = row.astype(np.uint8)
                pixels[..., 1] = np.linspace(40, 200, 1080, dtype=np.uint8)[:, None]
                pixels[..., 2] = (number * 30) % 256
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                frame.pts = index
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))


@contextmanager
def footage_from(kind: str, scratch: Path) -> Iterator[None]:
    """The environment the services (and the in-process pipeline) read footage settings from."""
    wanted = {"T2V_FOOTAGE_PROVIDERS": "generated"}
    if kind == "library":
        library = scratch / "library"
        if not library.exists():
            write_library(library)
        wanted = {"T2V_FOOTAGE_PROVIDERS": "library,generated", "T2V_FOOTAGE_DIR": str(library)}
    with environment(wanted):
        yield


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` set in the environment for the length of the block, then put back."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def medians(runs: list[dict[str, object]]) -> dict[str, float | None]:
    """The median of each number the runs share (stages flattened as "stage.<name>")."""
    flat: list[dict[str, float | None]] = []
    for run in runs:
        numbers = {f"stage.{k}": v for k, v in run["stages"].items()}  # type: ignore[attr-defined]
        numbers.update({k: v for k, v in run.items() if k.endswith(("_seconds", "_share"))})  # type: ignore[misc]
        flat.append(numbers)
    keys = [key for key in flat[0] if all(key in numbers for numbers in flat)]
    return {
        key: None
        if any(numbers[key] is None for numbers in flat)
        else round(statistics.median(float(numbers[key]) for numbers in flat), 2)  # type: ignore[arg-type]
        for key in keys
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
    parser.add_argument("--footage", choices=["generated", "library", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    options = JobOptions(width=args.width, height=args.height, fps=args.fps)
    report: dict[str, object] = {
        "words": len(STORY.split()),
        "size": f"{args.width}x{args.height}@{args.fps}",
    }
    kinds = ["generated", "library"] if args.footage == "both" else [args.footage]
    with tempfile.TemporaryDirectory(prefix="t2v-bench-") as scratch:
        for kind in kinds:
            with footage_from(kind, Path(scratch)):
                result: dict[str, object] = {}
                if args.only in (None, "generate"):
                    result["generate"] = bench_generate(options, Path(scratch) / f"{kind}-gen")
                if args.only in (None, "services"):
                    runs = []
                    for number in range(args.repeats):
                        run = bench_services(options, Path(scratch) / f"{kind}-services-{number}")
                        print(kind, json.dumps(run), file=sys.stderr)  # kept if a later run fails
                        runs.append(run)
                    result["services"] = runs[0] if len(runs) == 1 else runs
                    if len(runs) > 1:
                        result["services_median"] = medians(runs)
            report[kind] = result
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
