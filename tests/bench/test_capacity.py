"""The queueing formulas of bench/capacity.py against values worked out by hand."""

import math
from fractions import Fraction

import pytest

from bench.capacity import (
    StageCost,
    Video,
    burst_time_in_system,
    erlang_c,
    mean_wait,
    predict,
    workers_needed,
)
from common.stages import STAGE_NAMES


def erlang_c_by_definition(servers: int, offered_load: float) -> float:
    """The textbook sum, in exact fractions, to check the recursion the module uses."""
    load = Fraction(offered_load)
    queued = load**servers / math.factorial(servers) * servers / (servers - load)
    idle = sum(load**k / math.factorial(k) for k in range(servers))
    return float(queued / (idle + queued))


@pytest.mark.parametrize(
    ("servers", "offered_load", "expected"),
    [(1, 0.5, Fraction(1, 2)), (2, 1.0, Fraction(1, 3)), (3, 2.0, Fraction(4, 9))],
)
def test_erlang_c_matches_exact_values(
    servers: int, offered_load: float, expected: Fraction
) -> None:
    """Given small queues whose chance of waiting is a known fraction, then it is that."""
    assert erlang_c(servers, offered_load) == pytest.approx(float(expected))


@pytest.mark.parametrize("servers", [1, 2, 5, 11, 40, 150])
def test_erlang_c_matches_the_textbook_sum(servers: int) -> None:
    """Given queues from one server to 150 at 30-95 % load, then the recursion agrees with
    the closed form (which overflows floats beyond about 140 servers; the recursion does not)."""
    for utilisation in (0.3, 0.6, 0.8, 0.95):
        offered_load = utilisation * servers
        assert erlang_c(servers, offered_load) == pytest.approx(
            erlang_c_by_definition(servers, offered_load), rel=1e-9
        )


def test_a_full_queue_always_waits_forever() -> None:
    """Given arrivals at or above what the servers can do, then every job waits, unbounded."""
    assert erlang_c(2, 2.0) == 1.0
    assert mean_wait(arrival_rate=2.0, service_seconds=1.0, servers=2, service_scv=0.0) == math.inf


def test_one_server_waits_match_pollaczek_khinchine() -> None:
    """Given one server at 50 %, then the wait is rho S / (1 - rho) for exponential service
    (M/M/1) and half that for fixed service (M/D/1), where Allen-Cunneen is exact."""
    assert mean_wait(0.5, 1.0, 1, service_scv=1.0) == pytest.approx(1.0)
    assert mean_wait(0.5, 1.0, 1, service_scv=0.0) == pytest.approx(0.5)


def test_workers_needed_keeps_utilisation_under_the_cap() -> None:
    """Given 10 jobs a second of 1 s each, then 13 workers keep them under 80 % (12 would
    be 83 %), and a tight wait bound asks for more."""
    assert workers_needed(10.0, 1.0, 1.0, max_utilisation=0.8) == 13
    loose = mean_wait(10.0, 1.0, 13, 1.0)
    assert workers_needed(10.0, 1.0, 1.0, 0.8, max_wait_seconds=loose / 10) > 13


def test_throughput_is_capped_by_the_slowest_stage() -> None:
    """Given render twice as slow as the rest, then a load beyond it gets render's pace."""
    costs = {stage: StageCost(1.0, 0.0, 0.0) for stage in STAGE_NAMES} | {
        "render": StageCost(2.0, 0.0, 0.0)
    }
    workers = {stage: 1 for stage in STAGE_NAMES}
    prediction = predict(costs, Video(10, 128, 224, 10), 1.0, workers, hop_seconds=0.0)
    assert prediction["capacity_jobs_per_minute"] == 30
    assert prediction["throughput_jobs_per_minute"] == 30
    assert prediction["mean_time_in_system_seconds"] == math.inf


def test_a_burst_drains_through_the_slowest_stage() -> None:
    """Given 4 jobs at once and one 2 s render worker (the rest instant), then they end 2,
    4, 6 and 8 s later: 5 s on average."""
    costs = {stage: StageCost(0.0, 0.0, 0.0) for stage in STAGE_NAMES} | {
        "render": StageCost(2.0, 0.0, 0.0)
    }
    workers = {stage: 1 for stage in STAGE_NAMES}
    video = Video(10, 128, 224, 10)
    assert burst_time_in_system(costs, video, workers, hop_seconds=0.0, jobs=4) == 5.0
