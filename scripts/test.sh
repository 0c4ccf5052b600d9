#!/usr/bin/env bash
# Set everything up on a fresh machine and run the test suite (arguments go to pytest).
source "$(dirname "$0")/install.sh"
source scripts/broker.sh
exec "$VENV/bin/python" -m pytest "$@"
