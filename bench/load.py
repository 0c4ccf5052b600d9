"""Load on the whole service and on the API alone.

    python bench/load.py burst [--jobs 200]        # every job of a burst must complete
    python bench/load.py api [--clients 50 --seconds 10 --workers 2 --rounds 3]
                             [--database-url postgresql://postgres@127.0.0.1/test]
    python bench/load.py store [--stored 200000 --reads 2000] [--database-url ...]

`burst` starts the gateway and all stage services (own broker names and data directory),
posts tiny jobs at a small frame size all at once, and waits for each to end. `api`
starts the gateway alone, so the first stage queue just fills, and measures requests per
second and latency of POST /generate and GET /status (over the jobs it created) with
`wrk` (`apt install wrk`): a Python client could not load the server without itself
taking the CPU it measures. `store` fills a job store with many jobs of two API keys
through the store's own insert path, starts the gateway on it with those keys and an
admin key, and times one request at a time: pages of GET /jobs (the first, and one deep
behind a cursor, as a key and as the admin) and GET /status of random jobs, as medians.
With ``--database-url`` (a PostgreSQL database the benchmark may create a schema in, and
drops afterwards) `api` runs each round on both job stores, SQLite and PostgreSQL, in
turn and reports their medians side by side; `store` uses PostgreSQL alone.
All print JSON. They need a running RabbitMQ (T2V_BROKER_URL).
"""

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.messages import JobOptions  # noqa: E402
from common.settings import Settings  # noqa: E402
from gateway.access import key_id  # noqa: E402
from gateway.store import JobStore, new_job  # noqa: E402
from gateway.store.postgres import PostgresDatabase  # noqa: E402
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
            listing = await every_job(client)
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


async def every_job(client: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    """The whole job list, page by page."""
    jobs: dict[str, dict[str, object]] = {}
    query = {"limit": "1000"}
    while True:
        page = (await client.get("/jobs", params=query)).json()
        jobs.update(page["jobs"])
        if "next_cursor" not in page:
            return jobs
        query["cursor"] = page["next_cursor"]


def run_wrk(url: str, clients: int, seconds: int, script: str) -> dict[str, object]:
    """One wrk thread (the other core is the server's) with ``clients`` connections."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", lua.name]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return {
        "requests": int(_find(r"(\d+) requests in", output)),
        "per_second": float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        "p50_ms": _milliseconds(_find(r"^\s+50%\s+(\S+)$", output)),
        "p99_ms": _milliseconds(_find(r"^\s+99%\s+(\S+)$", output)),
        "failed": int(_find(r"Non-2xx or 3xx responses: (\d+)", output, default="0")),
    }


def _find(pattern: str, wrk_output: str, default: str | None = None) -> str:
    found = re.search(pattern, wrk_output, re.MULTILINE)
    if found:
        return found.group(1)
    if default is None:
        raise RuntimeError(f"unexpected wrk output, no {pattern!r}:\n{wrk_output}")
    return default


def _milliseconds(wrk_duration: str) -> float:
    number, unit = _find(r"^([\d.]+)(?:us|ms|s)$", wrk_duration), wrk_duration.lstrip("0123456789.")
    return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


def api(stack: Stack, clients: int, seconds: int) -> dict[str, object]:
    post = (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(TINY_JOB))}\n"
    )
    generate = run_wrk(f"{stack.base_url}/generate", clients, seconds, post)
    listing = httpx.get(f"{stack.base_url}/jobs", params={"limit": 1000}, timeout=60)
    job_ids = list(listing.json()["jobs"])
    status_path = urlsplit(stack.base_url).path + "/status/"
    poll = (
        f"local ids = {{{', '.join(json.dumps(job_id) for job_id in job_ids)}}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        f'  return wrk.format("GET", "{status_path}" .. ids[n % #ids + 1])\n'
        "end\n"
    )
    status = run_wrk(stack.base_url, clients, seconds, poll)
    return {"clients": clients, "generate": generate, "status": status, "jobs_stored": len(job_ids)}


# The keys of the `store` mode: each of two tenants owns half the jobs.
TENANT_KEYS = ("bench-tenant-one", "bench-tenant-two")
ADMIN_KEY = "bench-admin"


def fill_store(data_dir: Path, stored: int, database_url: str | None) -> list[str]:
    """Store ``stored`` jobs, the tenants' in turn, through the store's insert path."""
    owners = [key_id(key) for key in TENANT_KEYS]
    job_ids = [str(uuid.uuid4()) for _ in range(stored)]
    if database_url is None:
        store = JobStore(data_dir / "jobs.sqlite3", data_dir)
    else:
        store = JobStore(PostgresDatabase(database_url, 1, 10), data_dir)
    try:
        for start in range(0, stored, 10_000):
            batch = enumerate(job_ids[start : start + 10_000], start)
            store.insert_all(
                [
                    new_job(job_id, "A cat sat.", JobOptions(), owner=owners[n % len(owners)])
                    for n, job_id in batch
                ]
            )
    finally:
        store.close()
    return job_ids


def median_milliseconds(
    client: httpx.Client, requests: list[tuple[str, dict[str, str]]]
) -> dict[str, float]:
    """Median and 99th percentile of answering ``requests`` (path, query) one at a time."""
    took = []
    for path, query in requests:
        began = time.perf_counter()
        response = client.get(path, params=query)
        took.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    took.sort()
    return {
        "median_ms": round(statistics.median(took), 2),
        "p99_ms": round(took[int(len(took) * 0.99) - 1], 2),
        "requests": len(took),
    }


def store_reads(stack: Stack, job_ids: list[str], reads: int) -> dict[str, object]:
    as_tenant = {"Authorization": f"Bearer {TENANT_KEYS[0]}"}
    as_admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    tenants_jobs = job_ids[0 :: len(TENANT_KEYS)]
    # A cursor deep in the list: the job half way through the tenant's history.
    deep = {"limit": "100", "cursor": tenants_jobs[len(tenants_jobs) // 2]}
    first = {"limit": "100"}
    report: dict[str, object] = {"stored": len(job_ids)}
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        for name, headers, query in (
            ("first_page_as_tenant", as_tenant, first),
            ("deep_page_as_tenant", as_tenant, deep),
            ("first_page_as_admin", as_admin, first),
            ("deep_page_as_admin", as_admin, deep),
        ):
            client.headers.update(headers)
            report[name] = median_milliseconds(client, [("/jobs", query)] * (reads // 10))
        client.headers.update(as_tenant)
        polled = [(f"/status/{random.choice(tenants_jobs)}", {}) for _ in range(reads)]
        report["status_as_tenant"] = median_milliseconds(client, polled)
    return report


@contextmanager
def schema_in(database_url: str | None) -> Iterator[str | None]:
    """A fresh schema in the PostgreSQL database: its URL (None stays None: SQLite)."""
    if database_url is None:
        yield None
        return
    schema = f"t2vload_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def gateway_alone(scratch: Path, database_url: str | None) -> Iterator[Stack]:
    """A gateway of its own broker names, data directory and job store, until the block ends."""
    settings = Settings(
        data_dir=scratch / f"data-{uuid.uuid4().hex[:8]}",
        amqp_prefix=f"t2vload-{uuid.uuid4().hex[:8]}",
    )
    with schema_in(database_url) as url:
        stack = Stack(settings, scratch / "logs")
        if url is not None:
            stack.environment["T2V_DATABASE_URL"] = url
        try:
            yield stack
        finally:
            stack.stop_all()
            delete_topology(settings)


def api_rounds(
    scratch: Path, args: argparse.Namespace, backends: dict[str, str | None]
) -> dict[str, object]:
    """``args.rounds`` runs of `api` on each backend, in turn, and their medians."""
    runs: dict[str, list[dict[str, object]]] = {backend: [] for backend in backends}
    for _ in range(args.rounds):
        for backend, database_url in backends.items():
            with gateway_alone(scratch, database_url) as stack:
                stack.environment["T2V_WORKERS"] = str(args.workers)
                stack.start("gateway")
                stack.wait_until_healthy()
                runs[backend].append(api(stack, args.clients, args.seconds))
    report: dict[str, object] = {"workers": args.workers, "rounds": args.rounds}
    for backend, results in runs.items():
        report[backend] = {
            "generate_per_second_median": _median_of(results, "generate"),
            "status_per_second_median": _median_of(results, "status"),
            "runs": results,
        }
    return report


def _median_of(results: list[dict[str, object]], endpoint: str) -> float:
    rates = []
    for result in results:
        measured = result[endpoint]
        assert isinstance(measured, dict)
        rates.append(float(measured["per_second"]))
    return round(statistics.median(rates), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["burst", "api", "store"])
    parser.add_argument("--stored", type=int, default=200_000, help="jobs in the store")
    parser.add_argument("--reads", type=int, default=2000, help="status reads to time")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="T2V_WORKERS of the gateway")
    parser.add_argument("--rounds", type=int, default=1, help="api runs per job store")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to also (api) or only (store) run on"
    )
    args = parser.parse_args()
    if args.mode == "api" and shutil.which("wrk") is None:
        sys.exit("bench/load.py api needs wrk: apt install wrk (or your system's package)")
    # The load is the point here: a per-client rate limit would refuse most of it.
    os.environ["T2V_RATE_LIMIT_PER_MINUTE"] = "0"
    with tempfile.TemporaryDirectory(prefix="t2v-load-") as scratch_dir:
        scratch = Path(scratch_dir)
        if args.mode == "api":
            backends = {"sqlite": None}
            if args.database_url is not None:
                backends["postgres"] = args.database_url
            report = api_rounds(scratch, args, backends)
        elif args.mode == "store":
            with gateway_alone(scratch, args.database_url) as stack:
                began = time.perf_counter()
                url = stack.environment.get("T2V_DATABASE_URL")
                job_ids = fill_store(stack.settings.data_dir, args.stored, url)
                filled = round(time.perf_counter() - began, 1)
                stack.environment["T2V_API_KEYS"] = ",".join(TENANT_KEYS)
                stack.environment["T2V_ADMIN_API_KEYS"] = ADMIN_KEY
                stack.start("gateway")
                stack.wait_until_healthy()
                report = {"fill_seconds": filled, **store_reads(stack, job_ids, args.reads)}
        else:
            with gateway_alone(scratch, None) as stack:
                stack.start_all()
                report = asyncio.run(burst(stack, args.jobs))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
