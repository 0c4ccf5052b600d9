"""The render stage against the encoder's limit, on the same inputs.

    python bench/render.py --seconds 30            # prepare (once) and measure a ~30 s job
    python bench/render.py --work DIR              # measure a work folder the stages wrote
    python bench/render.py --seconds 120 --repeat 3
    python bench/render.py --seconds 150 --width 270 --height 480 --shards 3 --workers 2
    python bench/render.py --seconds 30 --stream --repeat 5

For each repeat, in fresh processes: the render stage itself (footage, captions, audio),
then a reference that only decodes the same clips, scales and crops them, and encodes
the same number of frames at the same size, fps, preset and CRF. Prints JSON with the
median render and reference seconds, their ratio, frames, fps and the render's peak RSS.

With ``--shards N``, the reference is the same render split into about N shards instead:
for each repeat, the whole render, then the sharded one with one worker (plan, shards one
after another, join, in one process), then with ``--workers M`` processes taking the
shards at once. Prints the medians and the sharded-to-whole ratios.

With ``--stream``, the whole render writing its stream as it goes (HLS segments, the MP4
remuxed from them) against the same render without: both in each repeat, medians, ratio.
"""

import argparse
import json
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import av  # noqa: E402
import av.filter  # noqa: E402

from common.artifacts import JobPaths  # noqa: E402
from common.documents import FootageManifest, load_document  # noqa: E402
from common.messages import JobOptions, Shard, StageMessage  # noqa: E402
from common.stage import Split  # noqa: E402
from svc_render.settings import RenderSettings  # noqa: E402

if TYPE_CHECKING:
    from svc_render.stage import RenderStage

PREPARED = REPO / "bench" / ".work"
STORY = (REPO / "bench" / "story.txt").read_text().split()
SECONDS_PER_WORD = 0.29  # the bundled voice, measured on bench/story.txt
T = TypeVar("T")


def prepare(seconds: int, options: JobOptions) -> Path:
    """A work folder with every stage's output but the video, for about ``seconds``."""
    from cli.pipeline import STAGE_FACTORIES

    folder = PREPARED / f"{seconds}s-{options.width}x{options.height}@{options.fps}"
    if (folder / "job.json").exists():
        return folder
    words = round(seconds / SECONDS_PER_WORD)
    text = " ".join((STORY * (words // len(STORY) + 1))[:words])
    job = StageMessage(job_id="bench", text=text, options=options)
    paths = JobPaths(folder, job.job_id)
    for name in ("tts", "captions", "queries", "footage"):
        result = STAGE_FACTORIES[name]().run(job, paths, lambda note: None)
        job = job.model_copy(update={"artifacts": {**job.artifacts, **result.artifacts}})
    (folder / "job.json").write_text(job.model_dump_json())
    return folder


def run_render(folder: Path, output: Path, stream: bool = True) -> dict[str, float]:
    from svc_render.stage import RenderStage

    job = StageMessage.model_validate_json((folder / "job.json").read_text())
    paths = JobPaths(folder, job.job_id)
    paths.video.unlink(missing_ok=True)
    began, cpu_began = time.perf_counter(), time.process_time()
    RenderStage(RenderSettings(render_stream=stream)).run(job, paths, lambda note: None)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    paths.video.replace(output)
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": _peak_rss_mb()}


def run_sharded(folder: Path, output: Path, shards: int, workers: int) -> dict[str, float]:
    """The render in about ``shards`` shards, by ``workers`` processes (1: this one alone)."""
    job = StageMessage.model_validate_json((folder / "job.json").read_text())
    paths = JobPaths(folder, job.job_id)
    paths.video.unlink(missing_ok=True)
    shutil.rmtree(paths.render_shards_dir, ignore_errors=True)
    # A second over, so the frame the count rounds up to cannot call for one shard more.
    shard_seconds = (_narration_seconds(paths) + 1) / shards
    began, cpu_began = time.perf_counter(), time.process_time()
    planned = _sharding_stage(shard_seconds).run(job, paths, lambda note: None)
    assert isinstance(planned.unfinished, Split), "the job has too few segments to shard"
    count = planned.unfinished.shards
    messages = [
        (folder, shard_seconds, job.model_copy(update={"shard": Shard(index=i, count=count)}))
        for i in range(count)
    ]
    if workers == 1:
        for message in messages:
            _run_shard(*message)
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            pool.starmap(_run_shard, messages, chunksize=1)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    paths.video.replace(output)
    # With several workers the CPU time is theirs, not this process's: only wall time counts.
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "shards": count}


def _sharding_stage(shard_seconds: float) -> "RenderStage":
    from svc_render.stage import RenderStage

    settings = RenderSettings(render_shard_seconds=shard_seconds)
    return RenderStage(settings, split_long_videos=True)


def _run_shard(folder: Path, shard_seconds: float, message: StageMessage) -> None:
    paths = JobPaths(folder, message.job_id)
    _sharding_stage(shard_seconds).run(message, paths, lambda note: None)


def run_reference(folder: Path, output: Path) -> dict[str, float]:
    """Decode, crop to the aspect, scale and encode, and nothing else."""
    job = StageMessage.model_validate_json((folder / "job.json").read_text())
    paths = JobPaths(folder, job.job_id)
    manifest = load_document(FootageManifest, paths.footage_manifest)
    settings = RenderSettings()
    width, height, fps = job.options.width, job.options.height, job.options.fps
    with av.open(str(output), "w") as container:
        total_frames = round(_narration_seconds(paths) * fps)
        began, cpu_began = time.perf_counter(), time.process_time()
        stream = container.add_stream(
            "libx264",
            rate=fps,
            options={"preset": settings.render_preset, "crf": str(settings.render_crf)},
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.thread_type = "AUTO"
        index = 0
        for number, clip in enumerate(manifest.clips):
            last = number == len(manifest.clips) - 1
            end = total_frames if last else min(total_frames, round(clip.end * fps))
            for frame in _scaled_frames(paths.resolve(clip.path), width, height, end - index):
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                container.mux(stream.encode(frame))
                index += 1
        container.mux(stream.encode(None))
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "frames": index,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _scaled_frames(path: Path, width: int, height: int, count: int) -> Iterator[av.VideoFrame]:
    """``count`` frames of ``path``, looping it, cropped to the aspect and scaled."""
    produced = 0
    while produced < count:
        with av.open(str(path)) as source:
            stream = source.streams.video[0]
            stream.thread_type = "AUTO"
            crop_w, crop_h = stream.codec_context.width, stream.codec_context.height
            if crop_w * height > crop_h * width:
                crop_w = round(crop_h * width / height)
            else:
                crop_h = round(crop_w * height / width)
            graph = av.filter.Graph()
            graph.link_nodes(
                graph.add_buffer(template=stream),
                graph.add("crop", f"{crop_w}:{crop_h}"),
                graph.add("scale", f"{width}:{height}:flags=bilinear"),
                graph.add("format", "yuv420p"),
                graph.add("buffersink"),
            ).configure()
            for frame in source.decode(stream):
                graph.vpush(frame)
                yield graph.vpull()
                produced += 1
                if produced == count:
                    return


def _narration_seconds(paths: JobPaths) -> float:
    with wave.open(str(paths.audio)) as wav:
        return wav.getnframes() / wav.getframerate()


def _peak_rss_mb() -> float:
    """This process's own peak (ru_maxrss would carry the parent's over from before exec)."""
    status = Path("/proc/self/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    return int(kilobytes) / 1024


def _in_fresh_process(function: Callable[..., T], *args: object) -> T:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(function, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, help="a work folder with job.json (see prepare)")
    parser.add_argument("--seconds", type=int, default=30, help="narration length to prepare")
    parser.add_argument("--width", type=int, default=1080)
    parser.add_argument("--height", type=int, default=1920)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--shards", type=int, default=0, help="compare with N shards")
    parser.add_argument("--workers", type=int, default=2, help="processes taking the shards")
    parser.add_argument("--stream", action="store_true", help="compare streaming on with off")
    args = parser.parse_args()
    options = JobOptions(width=args.width, height=args.height, fps=args.fps)
    folder = args.work or prepare(args.seconds, options)
    if args.shards:
        figures = _compare_sharded(folder, args.shards, args.workers, args.repeat)
        print(json.dumps(figures, indent=2))
        return
    if args.stream:
        print(json.dumps(_compare_streaming(folder, args.repeat), indent=2))
        return
    renders, references = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(args.repeat):
            renders.append(_in_fresh_process(run_render, folder, Path(scratch) / "render.mp4"))
            references.append(
                _in_fresh_process(run_reference, folder, Path(scratch) / "reference.mp4")
            )
    render_seconds = statistics.median(r["seconds"] for r in renders)
    reference_seconds = statistics.median(r["seconds"] for r in references)
    frames = int(references[0]["frames"])
    settings = RenderSettings()
    print(
        json.dumps(
            {
                "work": str(folder),
                "size": f"{options.width}x{options.height}@{options.fps}",
                "preset": settings.render_preset,
                "crf": settings.render_crf,
                "frames": frames,
                "repeats": args.repeat,
                "render_seconds": round(render_seconds, 2),
                "reference_seconds": round(reference_seconds, 2),
                "ratio": round(render_seconds / reference_seconds, 3),
                "render_fps": round(frames / render_seconds, 1),
                "reference_fps": round(frames / reference_seconds, 1),
                "render_cpu_seconds": round(
                    statistics.median(r["cpu_seconds"] for r in renders), 2
                ),
                "reference_cpu_seconds": round(
                    statistics.median(r["cpu_seconds"] for r in references), 2
                ),
                "render_peak_rss_mb": round(max(r["peak_rss_mb"] for r in renders), 1),
                "reference_peak_rss_mb": round(max(r["peak_rss_mb"] for r in references), 1),
            },
            indent=2,
        )
    )


def _compare_streaming(folder: Path, repeat: int) -> dict[str, object]:
    """The whole render with its stream written as it goes, and without: side by side."""
    on, off, on_cpu, off_cpu = [], [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "render.mp4"
        for number in range(repeat):
            # Each goes first in every other repeat, so neither gains from going second.
            for stream in (True, False) if number % 2 == 0 else (False, True):
                figures = _in_fresh_process(run_render, folder, output, stream)
                (on if stream else off).append(figures["seconds"])
                (on_cpu if stream else off_cpu).append(figures["cpu_seconds"])
        with av.open(str(output)) as video:
            frames = video.streams.video[0].frames
    on_median, off_median = statistics.median(on), statistics.median(off)
    return {
        "work": str(folder),
        "frames": frames,
        "repeats": repeat,
        "stream_on_seconds": [round(s, 2) for s in on],
        "stream_off_seconds": [round(s, 2) for s in off],
        "stream_on_median": round(on_median, 2),
        "stream_off_median": round(off_median, 2),
        "ratio": round(on_median / off_median, 3),
        # CPU time (the encoder's threads included) minds a busy machine less than wall time.
        "stream_on_cpu_median": round(statistics.median(on_cpu), 2),
        "stream_off_cpu_median": round(statistics.median(off_cpu), 2),
        "cpu_ratio": round(statistics.median(on_cpu) / statistics.median(off_cpu), 3),
    }


def _compare_sharded(folder: Path, shards: int, workers: int, repeat: int) -> dict[str, object]:
    """Whole, sharded with one worker, sharded with ``workers``: side by side in each repeat."""
    whole, alone, together = [], [], []
    whole_cpu, alone_cpu = [], []
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "render.mp4"
        for number in range(repeat):
            # Each goes first in every other repeat, so neither gains from going second.
            for sharded in (False, True) if number % 2 == 0 else (True, False):
                if sharded:
                    one = _in_fresh_process(run_sharded, folder, output, shards, 1)
                    alone.append(one["seconds"])
                    alone_cpu.append(one["cpu_seconds"])
                else:
                    single = _in_fresh_process(run_render, folder, output)
                    whole.append(single["seconds"])
                    whole_cpu.append(single["cpu_seconds"])
            # Its workers are fresh processes of their own (a pool's cannot have children).
            together.append(run_sharded(folder, output, shards, workers)["seconds"])
        with av.open(str(output)) as video:
            frames = video.streams.video[0].frames
    whole_seconds = statistics.median(whole)
    alone_seconds, together_seconds = statistics.median(alone), statistics.median(together)
    return {
        "work": str(folder),
        "frames": frames,
        "shards": int(one["shards"]),
        "repeats": repeat,
        "whole_seconds": [round(s, 2) for s in whole],
        "sharded_1_worker_seconds": [round(s, 2) for s in alone],
        f"sharded_{workers}_workers_seconds": [round(s, 2) for s in together],
        "whole_median": round(whole_seconds, 2),
        "sharded_1_worker_median": round(alone_seconds, 2),
        f"sharded_{workers}_workers_median": round(together_seconds, 2),
        "ratio_1_worker": round(alone_seconds / whole_seconds, 3),
        "whole_cpu_median": round(statistics.median(whole_cpu), 2),
        "sharded_1_worker_cpu_median": round(statistics.median(alone_cpu), 2),
        "cpu_ratio_1_worker": round(statistics.median(alone_cpu) / statistics.median(whole_cpu), 3),
        f"ratio_{workers}_workers": round(together_seconds / whole_seconds, 3),
    }


if __name__ == "__main__":
    main()
