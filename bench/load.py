"""Load on the whole service and on the API alone.

    python bench/load.py burst [--jobs 200]        # every job of a burst must complete
    python bench/load.py api [--clients 50 --seconds 10]

`burst` starts the gateway and all stage services (own broker names and data directory),
posts tiny jobs at a small frame size all at once, and waits for each to end. `api`
starts the gateway alone, so the first stage queue just fills, and measures requests per
second and latency of POST /generate and GET /status with concurrent clients. Both print
JSON. They need a running RabbitMQ (T2V_BROKER_URL).
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.settings import Settings  # noqa: E402
from tests.local_service import Stack, delete_topology  # noqa: E402

TINY_JOB = {"text": "A cat sat.", "options": {"width": 128, "height": 224, "fps": 10}}


async def burst(stack: Stack, jobs: int) -> dict[str, object]:
    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        responses = await asyncio.gather(
            *(client.post("/generate", json=TINY_JOB) for _ in range(jobs))
        )
        accepted = [r.json()["job_id"] for r in responses if r.status_code == 202]
        refused = sorted({r.status_code for r in responses if r.status_code != 202})
        ended: dict[str, str] = {}
        deadline = time.monotonic() + 60 + 5 * jobs
        while len(ended) < len(accepted) and time.monotonic() < deadline:
            listing = (await client.get("/jobs")).json()["jobs"]
            for job_id in accepted:
                status = listing.get(job_id, {}).get("status")
                if status in ("completed", "failed"):
                    ended[job_id] = status
            await asyncio.sleep(1)
    minutes = (time.perf_counter() - began) / 60
    completed = sum(status == "completed" for status in ended.values())
    return {
        "posted": jobs,
        "accepted": len(accepted),
        "refused_with": refused,
        "completed": completed,
        "failed": sum(status == "failed" for status in ended.values()),
        "lost": len(accepted) - len(ended),
        "minutes": round(minutes, 2),
        "jobs_per_minute": round(completed / minutes, 1),
    }


async def hammer(
    base_url: str, clients: int, seconds: float, request: str, job_ids: list[str]
) -> dict[str, object]:
    """``clients`` concurrent loops of one request kind for ``seconds``."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    created: list[str] = []
    stop_at = time.perf_counter() + seconds

    async def client_loop(client: httpx.AsyncClient, number: int) -> None:
        count = 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            if request == "generate":
                response = await client.post("/generate", json=TINY_JOB)
                if response.status_code == 202:
                    created.append(response.json()["job_id"])
            else:
                response = await client.get(f"/status/{job_ids[(number + count) % len(job_ids)]}")
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            count += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(client_loop(client, n) for n in range(clients)))
        elapsed = time.perf_counter() - began
    job_ids.extend(created)
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["burst", "api"])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    # The load is the point here: a per-client rate limit would refuse most of it.
    os.environ["T2V_RATE_LIMIT_PER_MINUTE"] = "0"
    with tempfile.TemporaryDirectory(prefix="t2v-load-") as scratch:
        settings = Settings(
            data_dir=Path(scratch) / "data", amqp_prefix=f"t2vload-{uuid.uuid4().hex[:8]}"
        )
        stack = Stack(settings, Path(scratch) / "logs")
        try:
            if args.mode == "burst":
                stack.start_all()
                report = asyncio.run(burst(stack, args.jobs))
            else:
                stack.start("gateway")
                stack.wait_until_healthy()
                job_ids: list[str] = []
                generate = asyncio.run(
                    hammer(stack.base_url, args.clients, args.seconds, "generate", job_ids)
                )
                status = asyncio.run(
                    hammer(stack.base_url, args.clients, args.seconds, "status", job_ids)
                )
                report = {"clients": args.clients, "generate": generate, "status": status}
        finally:
            stack.stop_all()
            delete_topology(settings)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
