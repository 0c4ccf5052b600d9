# Sourced by the other scripts after install.sh: a reachable RabbitMQ, started if it is
# installed locally but stopped, or a clear way to get one.

broker_answers() {
  "$VENV/bin/python" - <<'PY'
import os, socket, sys
from urllib.parse import urlsplit
url = urlsplit(os.environ.get("T2V_BROKER_URL", "amqp://guest:guest@localhost:5672/"))
try:
    socket.create_connection((url.hostname or "localhost", url.port or 5672), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

if ! broker_answers; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "t2v: RabbitMQ is installed but not running; starting it"
    if command -v systemctl >/dev/null 2>&1 && systemctl start rabbitmq-server 2>/dev/null; then :
    elif [ "$(id -u)" = 0 ]; then rabbitmq-server -detached
    else sudo rabbitmq-server -detached
    fi
    for _ in $(seq 60); do broker_answers && break; sleep 1; done
  fi
  if ! broker_answers; then
    cat >&2 <<'MSG'
t2v: no RabbitMQ answers at T2V_BROKER_URL (default localhost:5672). Get one with either:
  sudo apt-get install rabbitmq-server        (Debian/Ubuntu; it starts by itself)
  docker run -d -p 127.0.0.1:5672:5672 -e RABBITMQ_DEFAULT_USER=t2v -e RABBITMQ_DEFAULT_PASS=<password> rabbitmq:3.13
                                              (then export T2V_BROKER_URL=amqp://t2v:<password>@localhost:5672/)
`t2v generate "text" -o out.mp4` needs no broker at all.
MSG
    exit 1
  fi
fi
