#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test: the Swift suites, then the Python suite
# (which also compiles and runs the C program against libopenenv.so).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift test
.venv/bin/python -m pytest bindings/python/tests -q
