#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the main job on the real example environment.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python examples/main_job.py "$@"
