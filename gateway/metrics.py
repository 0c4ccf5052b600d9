"""What ``GET /metrics`` tells Prometheus, computed from shared state at each scrape.

Every gateway process answers the same: jobs come from the job store and queue depths from
the broker, both shared by all processes, so no figure depends on which process a scrape
reaches. Durations are gauge histograms over a recent window (the newest 10,000 jobs created in
the last 24 hours), read by the job store's database in one aggregate pass each through the
``created_at`` index, and jobs are counted by status from an index: a scrape stays cheap
with hundreds of thousands of jobs.
"""

import logging
import time
from collections.abc import Iterator

from prometheus_client.core import (
    CollectorRegistry,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from common.errors import BrokerUnavailable
from gateway.broker import BrokerLink
from gateway.store import JobStore

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 86400
# Reading a job's stage reports costs more than counting it: past this many jobs in the
# window, the newest are a fair sample and a scrape stays under about 0.1 s.
WINDOW_JOBS = 10_000
# A scrape should not hang on a broker that does not answer; Prometheus times out at 10 s.
_BROKER_TIMEOUT = 2.0
_STATUSES = ("queued", "processing", "completed", "failed")
# Stage steps take from under a second (queries) to many minutes (a long render).
STAGE_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
COMPLETION_BUCKETS = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0)


class JobCollector(Collector):
    def __init__(self, store: JobStore, broker: BrokerLink) -> None:
        self._store = store
        self._broker = broker

    def collect(self) -> Iterator[Metric]:
        yield self._jobs_by_status()
        since = int(time.time()) - WINDOW_SECONDS
        yield self._stage_durations(since)
        yield self._completion_times(since)
        yield from self._queues()

    def _jobs_by_status(self) -> Metric:
        counts = self._store.count_by_status()
        jobs = GaugeMetricFamily("t2v_jobs", "Jobs in the job store by status", labels=["status"])
        for status in _STATUSES:
            jobs.add_metric([status], counts.get(status, 0))
        return jobs

    def _stage_durations(self, since: int) -> Metric:
        durations = GaugeHistogramMetricFamily(
            "t2v_stage_duration_seconds",
            "Seconds each stage took for a job, by stage and provider, over the newest 10000"
            " jobs created in the last 24 hours",
            labels=["stage", "provider"],
        )
        for histogram in self._store.stage_durations(since, WINDOW_JOBS, STAGE_BUCKETS):
            durations.add_metric(
                list(histogram.labels),
                _buckets(STAGE_BUCKETS, histogram.at_most, histogram.count),
                histogram.total,
            )
        return durations

    def _completion_times(self, since: int) -> Metric:
        histogram = self._store.completion_times(since, WINDOW_JOBS, COMPLETION_BUCKETS)
        completion = GaugeHistogramMetricFamily(
            "t2v_job_completion_seconds",
            "Seconds from a job's POST to its completion, among the newest"
            " 10000 jobs created in the last 24 hours",
        )
        completion.add_metric(
            [], _buckets(COMPLETION_BUCKETS, histogram.at_most, histogram.count), histogram.total
        )
        return completion

    def _queues(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("t2v_broker_up", "1 if the broker answered this scrape, else 0")
        try:
            depths = self._broker.queue_depths(_BROKER_TIMEOUT)
        except BrokerUnavailable as exc:
            logger.warning("metrics: no queue depths: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        messages = GaugeMetricFamily(
            "t2v_queue_messages",
            "Messages ready in each stage queue and in the dead-letter queue",
            labels=["queue"],
        )
        for queue, depth in depths.items():
            messages.add_metric([queue], depth)
        yield messages


def _buckets(
    bounds: tuple[float, ...], at_most: tuple[int, ...], count: int
) -> list[tuple[str, float]]:
    return [
        *((str(bound), float(n)) for bound, n in zip(bounds, at_most, strict=True)),
        ("+Inf", float(count)),
    ]


def metrics_registry() -> CollectorRegistry:
    """A registry of this app's own: tests run several apps in one process."""
    return CollectorRegistry(auto_describe=False)
