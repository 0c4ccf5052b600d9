"""`t2v up` as a child process, for the end-to-end tests and the benchmarks."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pika
import requests

from common.amqp.topology import Topology
from common.settings import Settings

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def local_service(settings: Settings, log_path: Path) -> Iterator[str]:
    """Run the whole service with ``settings``' broker names and data directory.

    Yields the API base URL once the gateway is connected to the broker; afterwards stops
    every process and deletes the broker names it used.
    """
    port = _free_port()
    environment = {
        **os.environ,
        "T2V_AMQP_PREFIX": settings.amqp_prefix,
        "T2V_BROKER_URL": settings.broker_url,
    }
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "up", "--port", str(port),
             "--data-dir", str(settings.data_dir)],
            cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            _wait_until_healthy(base, process)
            yield base
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
            delete_topology(settings)


def delete_topology(settings: Settings) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(settings.broker_url))
    try:
        Topology.of(settings).delete(connection.channel())
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"t2v up exited early with code {process.returncode}")
        try:
            if requests.get(f"{base}/health", timeout=1).json().get("broker"):
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the gateway did not connect to the broker in time")


STAGE_SERVICES = ("svc_tts", "svc_captions", "svc_queries", "svc_footage", "svc_render")


class Stack:
    """The gateway and the five stage services as separate processes, each one killable.

    Unlike `t2v up`, which stops everything when one child dies, this lets a test kill a
    single service and start it again, as an operator or an orchestrator would.
    """

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/api/v1"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.environment = {
            **os.environ,
            "T2V_AMQP_PREFIX": settings.amqp_prefix,
            "T2V_BROKER_URL": settings.broker_url,
            "T2V_DATA_DIR": str(settings.data_dir.resolve()),
            "T2V_PORT": str(self.port),
            "T2V_RETRY_DELAYS": json.dumps(list(settings.retry_delays)),
            "T2V_RECONNECT_MAX_DELAY": str(settings.reconnect_max_delay),
        }
        log_dir.mkdir(parents=True, exist_ok=True)

    def start_all(self) -> None:
        for name in ("gateway", *STAGE_SERVICES):
            self.start(name)
        self.wait_until_healthy()

    def start(self, name: str) -> None:
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", name],
                cwd=REPO, env=self.environment, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, no goodbye to the broker, as when a machine dies."""
        process = self.processes.pop(name)
        process.kill()
        process.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def wait_until_healthy(self) -> None:
        _wait_until_healthy(self.base_url, self.processes["gateway"])
