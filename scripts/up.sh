#!/usr/bin/env bash
# Set everything up on a fresh machine and run the service on http://localhost:5000.
source "$(dirname "$0")/install.sh"
source scripts/broker.sh
exec "$VENV/bin/t2v" up "$@"
