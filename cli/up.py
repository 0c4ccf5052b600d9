"""``t2v up``: the gateway and the five stage services as child processes of this one.

Each child is the same ``python -m <package>`` a fleet would run on its own; this
command only starts them with one environment, prefixes their log lines and stops them
together.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from common.amqp.session import check_broker
from common.errors import BrokerUnavailable, TopologyMismatch
from common.settings import Settings
from common.stages import STAGE_NAMES

SERVICES = ("gateway", *(f"svc_{name}" for name in STAGE_NAMES))
STOP_GRACE_SECONDS = 10.0

BROKER_HELP = """\
t2v: cannot reach RabbitMQ at {url}
  ({reason})
Start a broker, then run this again:
  - installed but stopped:  sudo systemctl start rabbitmq-server  (or: rabbitmq-server -detached)
  - not installed (Debian/Ubuntu):  sudo apt-get install rabbitmq-server
  - with Docker:  docker run -d -p 127.0.0.1:5672:5672 -e RABBITMQ_DEFAULT_USER=t2v
      -e RABBITMQ_DEFAULT_PASS=<password> rabbitmq:3.13
    then set T2V_BROKER_URL=amqp://t2v:<password>@localhost:5672/
  - elsewhere:  set T2V_BROKER_URL=amqp://user:password@host:5672/"""


def up(port: int | None, data_dir: Path | None) -> int:
    # Children inherit this environment, so every process reads the same settings.
    if port is not None:
        os.environ["T2V_PORT"] = str(port)
    if data_dir is not None:
        os.environ["T2V_DATA_DIR"] = str(data_dir)
    settings = Settings()
    try:
        check_broker(settings)
    except TopologyMismatch as exc:
        # The broker answers; what it holds needs an operator, which its message explains.
        print(f"t2v: {exc}", file=sys.stderr)
        return 1
    except BrokerUnavailable as exc:
        print(BROKER_HELP.format(url=redact(settings.broker_url), reason=exc), file=sys.stderr)
        return 1
    os.environ["T2V_DATA_DIR"] = str(settings.data_dir.resolve())
    return Supervisor(dict(os.environ)).run()


def redact(url: str) -> str:
    """The URL without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class Supervisor:
    def __init__(self, environment: dict[str, str]) -> None:
        self.environment = environment
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = threading.Event()
        self.print_lock = threading.Lock()

    def run(self) -> int:
        # Explicit for SIGINT too: a shell starting us in the background ignores it otherwise.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        for name in SERVICES:
            self._start(name)
        port = self.environment.get("T2V_PORT", "5000")
        self._say(f"started {len(SERVICES)} processes; API on http://localhost:{port}/api/v1")
        exit_code = 0
        while not self.stopping.is_set():
            failed = self._first_exited()
            if failed is not None:
                name, code = failed
                self._say(f"{name} exited with code {code}; stopping everything")
                exit_code = 1
                break
            self.stopping.wait(0.5)
        self._stop_all()
        return exit_code

    def _start(self, name: str) -> None:
        child = subprocess.Popen(
            [sys.executable, "-u", "-m", name],
            env=self.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.children[name] = child
        threading.Thread(target=self._relay, args=(name, child), daemon=True).start()

    def _relay(self, name: str, child: subprocess.Popen[bytes]) -> None:
        assert child.stdout is not None
        width = max(len(service) for service in SERVICES)
        for raw in child.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.print_lock:
                print(f"{name:<{width}} | {line}", flush=True)

    def _first_exited(self) -> tuple[str, int] | None:
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                return name, code
        return None

    def _stop_all(self) -> None:
        self._say("stopping")
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children.values():
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self._say("stopped")

    def _say(self, message: str) -> None:
        with self.print_lock:
            print(f"t2v: {message}", flush=True)
