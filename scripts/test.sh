#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test: the Swift suites, plain and under
# AddressSanitizer and ThreadSanitizer (scripts/sanitizers.sh), then the Python suite (which
# also compiles and runs the C programs against libopenenv.so, and the fuzz targets) under
# openenv-core 0.3.0, and its client-facing files again under openenv 0.10.0.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift test
bash scripts/sanitizers.sh all
.venv/bin/python -m pytest bindings/python/tests -q
# The same client code under today's OpenEnv (openenv 0.10.0), in the second venv set-up made.
.venv-openenv-0.10/bin/python -m pytest bindings/python/tests/test_dropin.py bindings/python/tests/test_reference_rows.py \
    bindings/python/tests/test_runtime.py -q
