#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test: the Swift suites, plain and under
# AddressSanitizer and ThreadSanitizer (scripts/sanitizers.sh), then the Python suite (which
# also compiles and runs the C programs against libopenenv.so, and the fuzz targets).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift test
bash scripts/sanitizers.sh all
.venv/bin/python -m pytest bindings/python/tests -q
