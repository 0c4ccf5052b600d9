"""HTTP requests counted by route and status, and the time each took to answer.

With one gateway process the counters live in the app's own registry. With several
(``T2V_WORKERS`` above 1) each process writes its counts to files in a directory they share
(prometheus-client's multiprocess mode, see :func:`share_counts_between_workers`), and a
scrape, whichever process it reaches, sums every process's files: the totals are the
gateway's, not one worker's, and survive a worker that dies.

Requests are labelled by their route's template (``/api/v1/status/{job_id}``), never by the
path a client sent, so a client cannot grow the number of series without bound. The template
is read back from what routing leaves in the ASGI scope (the path parameters, and the root
path a mounted app was given), so every kind of route, plain or mounted, is labelled alike.
"""

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# prometheus-client reads it when first imported, so a worker must inherit it.
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# A status poll takes about a millisecond; a handler that waits on a deadline up to 30 s.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Paths that match no route (probes for /wp-admin and the like) share one label.
_NO_ROUTE = "(none)"


@contextmanager
def share_counts_between_workers(workers: int) -> Iterator[None]:
    """Give worker processes started inside this block one directory for their counts.

    One process keeps its counts in memory. A directory an operator already named is kept;
    one made here is removed afterwards, so a restart starts counting from zero.
    """
    if workers <= 1 or os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        yield
        return
    directory = tempfile.mkdtemp(prefix="t2v-gateway-metrics-")
    os.environ[MULTIPROCESS_DIR_VARIABLE] = directory
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIR_VARIABLE]
        shutil.rmtree(directory, ignore_errors=True)


class HttpMetrics:
    """The request counter, latency histogram and open event streams, and where they are read."""

    def __init__(self, registry: CollectorRegistry) -> None:
        directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
        # In multiprocess mode the values go to files, read back by the collector; registering
        # the metrics themselves as well would count each request twice.
        own = None if directory else registry
        if directory:
            MultiProcessCollector(registry, path=directory)
        self.requests = Counter(
            "t2v_http_requests",
            "HTTP requests answered, by method, route and status code",
            ["method", "route", "status"],
            registry=own,
        )
        self.latency = Histogram(
            "t2v_http_request_duration_seconds",
            "Seconds from a request's arrival to the start of its answer, by method and route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        # Each is a connection held open, and a store poll every quarter second.
        self.event_streams = Gauge(
            "t2v_http_event_streams",
            "Job event streams (GET /api/v1/jobs/<id>/events) open now",
            registry=own,
            # Summed over the processes alive: a dead worker's streams are closed.
            multiprocess_mode="livesum",
        )


class HttpMetricsMiddleware:
    """Counts each answered request and times it up to the start of its response.

    Up to the start, not the end: a download or an event stream may then run for minutes,
    and that is the client reading, not the service answering.
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = False
        root_path = scope.get("root_path", "")

        async def send_counting(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                seconds = time.perf_counter() - started
                self._count(scope, _template(scope, root_path), message["status"], seconds)
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        finally:
            if not answered:
                # The handler raised before answering: the server answers 500 for it.
                seconds = time.perf_counter() - started
                self._count(scope, _template(scope, root_path), 500, seconds)

    def _count(self, scope: Scope, template: str, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(seconds)


def _template(scope: Scope, root_path: str) -> str:
    """The route that answered, as written in the code, from the scope routing filled in."""
    if "endpoint" not in scope:
        return _NO_ROUTE
    mounted_at = scope.get("root_path", "")
    if mounted_at != root_path:
        # A mounted app (static files, a sub-application) serves every path below it.
        return mounted_at.removeprefix(root_path) + "/{path}"
    path: str = scope["path"]
    for name, value in scope.get("path_params", {}).items():
        text = str(value)
        # Its last occurrence: a parameter's own segment ends any text equal to it before.
        before, found, after = path.rpartition(text)
        if text and found:
            path = f"{before}{{{name}}}{after}"
    return path
