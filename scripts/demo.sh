#!/usr/bin/env bash
# Sets up what the demo needs (scripts/setup.sh --demo: one virtualenv with openenv 0.10.0, the
# release build, the wheel and the example environment) and runs the main job on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --demo
.venv-openenv-0.10/bin/python examples/main_job.py "$@"
