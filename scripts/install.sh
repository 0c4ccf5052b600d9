# Sourced by the other scripts: a virtual environment with the project installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=${T2V_VENV:-.venv}
# The project's extras to install besides dev, as "a,b" (CI adds kokoro).
EXTRAS=${T2V_EXTRAS:-dev}

if [ ! -x "$VENV/bin/python" ]; then
  echo "t2v: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# Reinstall only when the project's requirements changed since the last install.
stamp="$VENV/.t2v-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "t2v: installing the project and its models into $VENV (first run takes a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[$EXTRAS]"
  touch "$stamp"
fi

