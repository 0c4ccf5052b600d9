# Sourced by the other scripts: a virtual environment with the project installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=${T2V_VENV:-.venv}
# The project's extras to install besides dev, as "a,b" (CI adds kokoro and meaning).
EXTRAS=${T2V_EXTRAS:-dev}
# The meaning extra runs on torch: its CPU build, which pip would otherwise take as a CUDA
# build of several GB. T2V_TORCH names another requirement (CI's machine has one on disk).
TORCH=${T2V_TORCH:-torch --index-url https://download.pytorch.org/whl/cpu}

if [ ! -x "$VENV/bin/python" ]; then
  echo "t2v: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# Reinstall only when the project's requirements changed since the last install.
stamp="$VENV/.t2v-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "t2v: installing the project and its models into $VENV (first run takes a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  if [[ ",$EXTRAS," == *",meaning,"* ]] && ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    # shellcheck disable=SC2086 # the requirement may carry pip options
    "$VENV/bin/python" -m pip install --quiet $TORCH
  fi
  "$VENV/bin/python" -m pip install --quiet -e ".[$EXTRAS]"
  touch "$stamp"
fi

