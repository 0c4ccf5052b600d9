#!/usr/bin/env bash
# Set up on a fresh machine and make one video in this process; no broker needed.
# Usage: scripts/generate.sh "Your story" -o story.mp4
source "$(dirname "$0")/install.sh"
exec "$VENV/bin/t2v" generate "$@"
