"""How many workers of each stage a load needs, and how long jobs wait for them.

    python bench/capacity.py plan --videos-per-hour 10000 --video-seconds 60 \
        --frame 1080x1920 --fps 30
    python bench/capacity.py measure [--profile-frame 540x960 --repeat 3]
    python bench/capacity.py check [--workers tts=2,footage=2 --load 0.3 --minutes 1.5]

The model. Every job visits the five stages once, in order, and each stage is one queue
with identical workers taking one job at a time (prefetch 1, docs/design.md): stage i is
a c_i-server queue. With jobs arriving as a Poisson stream of rate lambda, each stage sees
that same stream (the departures of a stable M/M/c queue are Poisson again, Burke's
theorem; for other service times this is the usual approximation of a tandem network).

- Service time of one job at a stage, from measured stage reports, is linear in its size:
  S = fixed + per_unit * units, where units are seconds of narration for tts, captions,
  queries and footage, and megapixel-frames (width x height x fps x narration seconds)
  for render, whose work is encoding pixels.
- Offered load a = lambda * S erlangs, utilisation rho = a / c; the stage is stable only
  for rho < 1.
- The chance a job waits, Erlang C: C(c, a) = B / (1 - rho (1 - B)), with the Erlang B
  recursion B_0 = 1, B_k = a B_(k-1) / (k + a B_(k-1)).
- Mean wait in queue, M/M/c: Wq = C(c, a) * S / (c - a); with service times that are not
  exponential, the Allen-Cunneen approximation for M/G/c scales it by (1 + cs2) / 2, where
  cs2 is the squared coefficient of variation of the service time (0 for M/D/c, 1 for
  M/M/c), measured from repeated jobs of one size.
- Mean time in system: the sum over stages of Wq + S, plus the hops between stages (the
  broker, progress to the gateway), measured as a job's end-to-end time less its stages.
- Workers needed: the fewest c with rho <= --max-utilisation (0.8: headroom for bursts
  and slow jobs) and, when given, Wq <= --max-wait-seconds.
- Throughput: the arrival rate while every stage is stable, else the slowest stage's
  capacity, min over stages of 60 c_i / S_i jobs a minute. A burst of N jobs posted at
  once is not a steady state: it drains through the slowest stage c at a time, so the k-th
  job (from 0) waits floor(k / c) of its service times there, and the faster stages add
  only their service times.

Assumptions it rests on: workers of a stage are alike and do not slow each other (each has
its own cores: on one small machine they do, so `check` also predicts from the stage times
measured under load); arrivals are Poisson and jobs alike in size; retries and failures
are rare enough to ignore; the broker, the gateway and the shared volume are never the
bottleneck.

`measure` starts the gateway and one worker per stage (own broker names and data
directory), runs tiny jobs and profile jobs (a paragraph at --profile-frame) one at a time,
reads each job's stage reports from GET /api/v1/jobs/<id> and its narration from its WAV,
and writes the fitted costs to bench/stage_costs.json, which `plan` reads. `check` does the
same measuring, then starts --workers copies of the stages, posts jobs of the profile's
paragraph at the tiny frame as a Poisson stream at --load times the slowest stage's capacity
for --minutes, then a burst of --burst of them at once, and prints predicted against
measured throughput (jobs/minute) and mean time in system. All print JSON. `measure` and
`check` need a running RabbitMQ (T2V_BROKER_URL).
"""

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.e2e import narration_seconds  # noqa: E402
from bench.load import TINY_JOB, every_job  # noqa: E402
from common.artifacts import JobPaths  # noqa: E402
from common.settings import Settings  # noqa: E402
from common.stages import STAGE_NAMES  # noqa: E402
from tests.local_service import STAGE_SERVICES, Stack, delete_topology  # noqa: E402

COSTS_FILE = REPO / "bench" / "stage_costs.json"
PROFILE_TEXT = (
    "At the edge of a quiet fishing village stood an old lighthouse that had not been lit for"
    " twenty years. Every evening, a girl named Mara climbed the hill behind her house to"
    " watch the ships pass far out at sea."
)
# What `check` streams: ten seconds of narration at the tiny frame, so the stages' own work
# (about a second each for tts and footage) outweighs posting and polling.
STREAM_JOB: dict[str, Any] = {"text": PROFILE_TEXT, "options": TINY_JOB["options"]}


# The model: pure functions of rates and seconds.


def erlang_c(servers: int, offered_load: float) -> float:
    """The chance that a job finds every one of ``servers`` busy (1 for an unstable queue)."""
    if offered_load >= servers:
        return 1.0
    blocking = 1.0  # Erlang B, by its recursion over the number of servers
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    utilisation = offered_load / servers
    return blocking / (1 - utilisation * (1 - blocking))


def mean_wait(
    arrival_rate: float, service_seconds: float, servers: int, service_scv: float
) -> float:
    """Mean seconds in the queue of an M/G/c stage (Allen-Cunneen); infinite when unstable."""
    offered_load = arrival_rate * service_seconds
    if offered_load >= servers:
        return float("inf")
    mmc_wait = erlang_c(servers, offered_load) * service_seconds / (servers - offered_load)
    return mmc_wait * (1 + service_scv) / 2


def workers_needed(
    arrival_rate: float,
    service_seconds: float,
    service_scv: float,
    max_utilisation: float,
    max_wait_seconds: float | None = None,
) -> int:
    servers = max(1, int(arrival_rate * service_seconds / max_utilisation))
    while arrival_rate * service_seconds / servers > max_utilisation or (
        max_wait_seconds is not None
        and mean_wait(arrival_rate, service_seconds, servers, service_scv) > max_wait_seconds
    ):
        servers += 1
    return servers


@dataclass(frozen=True)
class StageCost:
    fixed_seconds: float
    seconds_per_unit: float  # per narration second, or per megapixel-frame for render
    service_scv: float

    def seconds(self, units: float) -> float:
        return self.fixed_seconds + self.seconds_per_unit * units


@dataclass(frozen=True)
class Video:
    narration_seconds: float
    width: int
    height: int
    fps: int

    def units(self, stage: str) -> float:
        if stage == "render":
            return self.width * self.height * self.fps * self.narration_seconds / 1e6
        return self.narration_seconds


def predict(
    costs: dict[str, StageCost],
    video: Video,
    jobs_per_second: float,
    workers: dict[str, int],
    hop_seconds: float,
) -> dict[str, object]:
    stages: dict[str, object] = {}
    time_in_system = hop_seconds
    for stage in STAGE_NAMES:
        cost, servers = costs[stage], workers[stage]
        service = cost.seconds(video.units(stage))
        wait = mean_wait(jobs_per_second, service, servers, cost.service_scv)
        time_in_system += wait + service
        stages[stage] = {
            "workers": servers,
            "service_seconds": round(service, 3),
            "utilisation": round(jobs_per_second * service / servers, 3),
            "mean_wait_seconds": round(wait, 3),
            "capacity_jobs_per_minute": round(60 * servers / service, 1),
        }
    capacity = min(60 * workers[s] / costs[s].seconds(video.units(s)) for s in STAGE_NAMES)
    return {
        "stages": stages,
        "capacity_jobs_per_minute": round(capacity, 2),
        "throughput_jobs_per_minute": round(min(60 * jobs_per_second, capacity), 2),
        "mean_time_in_system_seconds": round(time_in_system, 2),
    }


def burst_time_in_system(
    costs: dict[str, StageCost],
    video: Video,
    workers: dict[str, int],
    hop_seconds: float,
    jobs: int,
) -> float:
    """Mean seconds from post to end of ``jobs`` posted at once.

    They leave the slowest stage c at a time, one service time apart: the k-th (from 0)
    waits there floor(k / c) service times, and the other stages keep up with it.
    """
    service = {stage: costs[stage].seconds(video.units(stage)) for stage in STAGE_NAMES}
    slowest = max(STAGE_NAMES, key=lambda stage: service[stage] / workers[stage])
    waits = [k // workers[slowest] * service[slowest] for k in range(jobs)]
    return hop_seconds + sum(service.values()) + statistics.fmean(waits)


def plan(
    costs: dict[str, StageCost],
    video: Video,
    videos_per_hour: float,
    hop_seconds: float,
    max_utilisation: float,
    max_wait_seconds: float | None,
) -> dict[str, object]:
    rate = videos_per_hour / 3600
    workers: dict[str, int] = {
        stage: workers_needed(
            rate,
            costs[stage].seconds(video.units(stage)),
            costs[stage].service_scv,
            max_utilisation,
            max_wait_seconds,
        )
        for stage in STAGE_NAMES
    }
    return {
        "videos_per_hour": videos_per_hour,
        "video": asdict(video),
        "workers_total": sum(workers.values()),
        **predict(costs, video, rate, workers, hop_seconds),
    }


@dataclass(frozen=True)
class Sample:
    """One finished job: what each stage took, and its size."""

    size: str  # which kind of job: "tiny", "profile" or "stream"
    stages: dict[str, float]
    video: Video
    posted: float  # Unix seconds, like the job's updated_at
    ended: float

    @property
    def end_to_end_seconds(self) -> float:
        return self.ended - self.posted


def fit_costs(samples: list[Sample]) -> dict[str, StageCost]:
    """A line per stage through the medians of the two job sizes measured."""
    sizes = sorted({sample.size for sample in samples})
    costs: dict[str, StageCost] = {}
    for stage in STAGE_NAMES:
        points, scvs = [], []
        for size in sizes:
            of_size = [sample for sample in samples if sample.size == size]
            seconds = [sample.stages[stage] for sample in of_size]
            units = [sample.video.units(stage) for sample in of_size]
            points.append((statistics.median(units), statistics.median(seconds)))
            scvs.append(squared_variation(seconds))
        (small_units, small_seconds), (large_units, large_seconds) = min(points), max(points)
        slope = 0.0
        if large_units > small_units:
            slope = max(0.0, (large_seconds - small_seconds) / (large_units - small_units))
        costs[stage] = StageCost(
            fixed_seconds=round(max(0.0, small_seconds - slope * small_units), 4),
            seconds_per_unit=round(slope, 5),
            service_scv=round(statistics.fmean(scvs), 3),
        )
    return costs


def squared_variation(seconds: list[float]) -> float:
    mean = statistics.fmean(seconds)
    return statistics.pvariance(seconds) / mean**2 if mean > 0 else 0.0


# Measuring on the real service.


def start_workers(stack: Stack, workers: dict[str, int]) -> None:
    """More copies of stage services; `Stack.start` runs one process per name."""
    for stage, copies in workers.items():
        service = f"svc_{stage}"
        for copy in range(copies):
            name = service if copy == 0 else f"{service}-{copy}"
            if name in stack.processes:
                continue
            with (stack.log_dir / f"{name}.log").open("ab") as log:
                stack.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", service],
                    cwd=REPO, env=stack.environment, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip


def peak_memory_mb(stack: Stack) -> dict[str, float]:
    """Each running process's peak resident memory so far (VmHWM), for sizing its limits."""
    peaks = {}
    for name, process in stack.processes.items():
        status = Path(f"/proc/{process.pid}/status")
        for line in status.read_text().splitlines() if status.exists() else ():
            if line.startswith("VmHWM:"):
                peaks[name] = round(int(line.split()[1]) / 1024, 1)
    return peaks


def frame_of(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


class Jobs:
    """Posting jobs and reading how they went, through the API."""

    def __init__(self, client: httpx.AsyncClient, data_dir: Path) -> None:
        self.client = client
        self.data_dir = data_dir
        self.refused: list[str] = []  # "<status> <error>" of each post the gateway refused

    async def post(self, size: str, body: dict[str, Any]) -> "Posted | None":
        """The job posted, or None when the gateway refused it (a busy broker: 503)."""
        began = time.time()
        response = await self.client.post("/generate", json=body)
        if response.status_code != 202:
            self.refused.append(f"{response.status_code} {response.text[:200]}")
            return None
        options = body["options"]
        frame = (options["width"], options["height"], options["fps"])
        return Posted(response.json()["job_id"], size, began, *frame)

    async def one(self, size: str, body: dict[str, Any]) -> Sample:
        """A job posted and waited for, alone."""
        posted = await self.post(size, body)
        if posted is None:
            raise RuntimeError(f"the gateway refused a job: {self.refused[-1]}")
        (sample,) = await self.finished([posted])
        return sample

    async def finished(self, posted: list["Posted"]) -> list[Sample]:
        """Each job once done. One listing a second for all of them, so that watching adds
        little to the load being measured."""
        waiting = {job.job_id: job for job in posted}
        samples = []
        deadline = time.monotonic() + 600 + 10 * len(posted)
        while waiting and time.monotonic() < deadline:
            listing = await every_job(self.client)
            for job_id in [job_id for job_id in waiting if _ended(listing.get(job_id))]:
                samples.append(await self.sample(waiting.pop(job_id)))
            await asyncio.sleep(1)
        if waiting:
            raise RuntimeError(f"{len(waiting)} jobs did not finish in time")
        return samples

    async def sample(self, job: "Posted") -> Sample:
        detail = (await self.client.get(f"/jobs/{job.job_id}")).json()
        if detail["status"] != "completed":
            raise RuntimeError(f"job {job.job_id} failed: {detail['message']}")
        narration = narration_seconds(JobPaths(self.data_dir, job.job_id).audio)
        return Sample(
            size=job.size,
            stages={str(s["stage"]): float(s["seconds"]) for s in detail["stages"]},
            video=Video(narration, job.width, job.height, job.fps),
            posted=job.posted,
            ended=float(detail["updated_at"]),
        )


def _ended(summary: dict[str, object] | None) -> bool:
    return summary is not None and summary.get("status") in ("completed", "failed")


@dataclass(frozen=True)
class Posted:
    job_id: str
    size: str
    posted: float
    width: int
    height: int
    fps: int


async def profile(jobs: Jobs, frame: tuple[int, int], repeat: int) -> list[Sample]:
    """Tiny jobs and profile jobs one at a time, so each stage's seconds are its own."""
    width, height = frame
    bodies = {
        "tiny": TINY_JOB,
        "profile": {"text": PROFILE_TEXT, "options": {"width": width, "height": height, "fps": 30}},
    }
    await jobs.one("tiny", TINY_JOB)  # models loaded, caches warm
    return [await jobs.one(size, body) for _ in range(repeat) for size, body in bodies.items()]


def stream_video(samples: list[Sample]) -> Video:
    """The profile jobs' narration at the stream's frame."""
    narration = statistics.median(s.video.narration_seconds for s in samples if s.size == "profile")
    options = STREAM_JOB["options"]
    return Video(narration, options["width"], options["height"], options["fps"])


def hop_seconds(samples: list[Sample]) -> float:
    """What a job spends outside its stages: the broker, the gateway's bookkeeping."""
    return statistics.median(s.end_to_end_seconds - sum(s.stages.values()) for s in samples)


async def stream(jobs: Jobs, jobs_per_second: float, minutes: float) -> list[Sample]:
    """Jobs posted as a Poisson stream, then watched until each has finished."""
    rng = random.Random(12)
    posts = []
    ends = time.monotonic() + 60 * minutes
    while time.monotonic() < ends:
        # Each post on its own, so a slow answer does not hold back the next arrival.
        posts.append(asyncio.create_task(jobs.post("stream", STREAM_JOB)))
        await asyncio.sleep(rng.expovariate(jobs_per_second))
    return await jobs.finished([job for job in await asyncio.gather(*posts) if job])


async def burst(jobs: Jobs, count: int) -> list[Sample]:
    posted = await asyncio.gather(*(jobs.post("stream", STREAM_JOB) for _ in range(count)))
    return await jobs.finished([job for job in posted if job])


def measured(samples: list[Sample]) -> dict[str, object]:
    ends = sorted(sample.ended for sample in samples)
    began = min(sample.posted for sample in samples)
    # Departures per minute between the first and the last: the pace the service kept.
    rate = 60 * (len(ends) - 1) / (ends[-1] - ends[0]) if len(ends) > 1 else 0.0
    return {
        "jobs": len(samples),
        "minutes": round((ends[-1] - began) / 60, 2),
        "throughput_jobs_per_minute": round(rate, 2),
        "mean_time_in_system_seconds": round(
            statistics.fmean(sample.end_to_end_seconds for sample in samples), 2
        ),
        "median_stage_seconds": {
            stage: round(statistics.median(sample.stages[stage] for sample in samples), 3)
            for stage in STAGE_NAMES
        },
    }


def under_load_costs(samples: list[Sample]) -> dict[str, StageCost]:
    """The stage times the run itself measured, as the costs of its one job size."""
    result: dict[str, StageCost] = {}
    for stage in STAGE_NAMES:
        seconds = [sample.stages[stage] for sample in samples]
        result[stage] = StageCost(statistics.fmean(seconds), 0.0, squared_variation(seconds))
    return result


async def check(stack: Stack, args: argparse.Namespace) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=120) as client:
        jobs = Jobs(client, stack.settings.data_dir)
        samples = await profile(jobs, frame_of(args.profile_frame), args.repeat)
        costs, hops = fit_costs(samples), hop_seconds(samples)
        workers: dict[str, int] = {stage: 1 for stage in STAGE_NAMES}
        workers |= parse_workers(args.workers)
        start_workers(stack, workers)
        await asyncio.sleep(10)  # the new copies connect and load their models
        video = stream_video(samples)
        capacity = float(predict(costs, video, 0.0, workers, hops)["capacity_jobs_per_minute"])  # type: ignore[arg-type]
        rate = args.load * capacity / 60
        print(f"streaming {60 * rate:.1f} jobs/minute for {args.minutes} min", file=sys.stderr)
        streamed = await stream(jobs, rate, args.minutes)
        print(f"then {args.burst} jobs at once", file=sys.stderr)
        bursted = await burst(jobs, args.burst)
        memory = peak_memory_mb(stack)
        refused = jobs.refused
    posted = sorted(sample.posted for sample in streamed)
    arrived = (len(posted) - 1) / (posted[-1] - posted[0])
    return {
        "workers": workers,
        "stage_costs": {stage: asdict(cost) for stage, cost in costs.items()},
        "hop_seconds": round(hops, 3),
        "peak_memory_mb": memory,
        "refused_posts": refused,
        "stream": {
            "video": asdict(video),
            "jobs_per_minute_aimed_at": round(60 * rate, 2),
            # The model's arrival rate is the one the random stream happened to have.
            "jobs_per_minute_posted": round(60 * arrived, 2),
            "predicted_from_profile": predict(costs, video, arrived, workers, hops),
            "predicted_from_stage_times_under_load": predict(
                under_load_costs(streamed), video, arrived, workers, hops
            ),
            "measured": measured(streamed),
        },
        "burst": {
            "jobs": len(bursted),
            # A burst drains at the slowest stage's pace.
            "predicted_from_profile": {
                "throughput_jobs_per_minute": capacity,
                "mean_time_in_system_seconds": round(
                    burst_time_in_system(costs, video, workers, hops, len(bursted)), 2
                ),
            },
            "predicted_from_stage_times_under_load": {
                "throughput_jobs_per_minute": predict(
                    under_load_costs(bursted), video, 0.0, workers, hops
                )["capacity_jobs_per_minute"],
                "mean_time_in_system_seconds": round(
                    burst_time_in_system(
                        under_load_costs(bursted), video, workers, hops, len(bursted)
                    ),
                    2,
                ),
            },
            "measured": measured(bursted),
        },
    }


def parse_workers(text: str) -> dict[str, int]:
    workers: dict[str, int] = {}
    for item in filter(None, text.split(",")):
        stage, _, count = item.partition("=")
        if stage not in STAGE_NAMES or not count.isdigit() or int(count) < 1:
            raise SystemExit(f"--workers takes stage=count pairs of {', '.join(STAGE_NAMES)}")
        workers[stage] = int(count)
    return workers


def load_costs(path: Path) -> tuple[dict[str, StageCost], float]:
    saved = json.loads(path.read_text())
    costs: dict[str, StageCost] = {
        stage: StageCost(**saved["stage_costs"][stage]) for stage in STAGE_NAMES
    }
    return costs, float(saved["hop_seconds"])


def run_service(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="t2v-capacity-") as scratch:
        settings = Settings(
            data_dir=Path(scratch) / "data", amqp_prefix=f"t2vcap-{uuid.uuid4().hex[:8]}"
        )
        stack = Stack(settings, Path(scratch) / "logs")
        # The load is the point: limits per client and per key would refuse most of it.
        stack.environment["T2V_RATE_LIMIT_PER_MINUTE"] = "0"
        stack.environment["T2V_MAX_RUNNING_JOBS_PER_KEY"] = "0"
        try:
            stack.start_all()
            if args.mode == "check":
                return asyncio.run(check(stack, args))
            return asyncio.run(measure(stack, args))
        finally:
            stack.stop_all()
            delete_topology(settings)


async def measure(stack: Stack, args: argparse.Namespace) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=120) as client:
        jobs = Jobs(client, stack.settings.data_dir)
        samples = await profile(jobs, frame_of(args.profile_frame), args.repeat)
    report = {
        "measured_on": f"{len(STAGE_SERVICES)} stage services, one worker each, one job at a time",
        "stage_costs": {stage: asdict(cost) for stage, cost in fit_costs(samples).items()},
        "hop_seconds": round(hop_seconds(samples), 3),
        "peak_memory_mb": peak_memory_mb(stack),
        "samples": [asdict(sample) for sample in samples],
    }
    COSTS_FILE.write_text(json.dumps(report, indent=1) + "\n")
    return {key: value for key, value in report.items() if key != "samples"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["plan", "measure", "check"])
    parser.add_argument("--videos-per-hour", type=float, default=10_000)
    parser.add_argument("--video-seconds", type=float, default=60, help="narration of each video")
    parser.add_argument("--frame", default="1080x1920", help="WIDTHxHEIGHT of each video")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--max-utilisation", type=float, default=0.8)
    parser.add_argument("--max-wait-seconds", type=float, help="mean queue wait allowed per stage")
    parser.add_argument("--costs", type=Path, default=COSTS_FILE, help="from `measure`")
    parser.add_argument("--profile-frame", default="540x960", help="frame of the profile jobs")
    parser.add_argument("--repeat", type=int, default=3, help="profile jobs of each size")
    parser.add_argument(
        "--workers", default="tts=2,footage=2", help="check: copies per stage (others get 1)"
    )
    parser.add_argument(
        "--load", type=float, default=0.3, help="check: of the slowest stage's capacity"
    )
    parser.add_argument(
        "--minutes", type=float, default=1.5, help="check: how long the stream runs"
    )
    parser.add_argument("--burst", type=int, default=20, help="check: jobs posted at once after it")
    args = parser.parse_args()
    if args.mode == "plan":
        costs, hops = load_costs(args.costs)
        width, height = frame_of(args.frame)
        video = Video(args.video_seconds, width, height, args.fps)
        report = plan(
            costs, video, args.videos_per_hour, hops, args.max_utilisation, args.max_wait_seconds
        )
    else:
        report = run_service(args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
