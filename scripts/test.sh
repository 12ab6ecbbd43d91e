#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test: the Swift suites, plain and under
# AddressSanitizer and ThreadSanitizer (scripts/sanitizers.sh), then the Python suite (which
# also compiles and runs the C programs against libopenenv.so, and the fuzz targets) under
# openenv-core 0.3.0, and again under openenv 0.10.0.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup_containers.sh > .work/containers.log 2>&1 & containers_setup=$!  # a container engine and test images, in the background
swift test
bash scripts/sanitizers.sh all
wait "$containers_setup" || { echo "scripts/setup_containers.sh failed; see .work/containers.log" >&2; exit 1; }
.venv/bin/python -m pytest bindings/python/tests -q
# The same suite under today's OpenEnv (openenv 0.10.0), in the second venv set-up made, but
# for the files that never touch the installed reference (the C programs, the fuzz targets, the
# WebSocket conformance server, the Ray fleet, which only starts servers) and the discovery
# comparisons with openenv-core 0.3.0's own rules (test_packaging.py; test_reference_rows.py
# compares get_env_info with 0.10.0's).
tests=bindings/python/tests
.venv-openenv-0.10/bin/python -m pytest "$tests" -q --ignore="$tests/test_c_abi.py" --ignore="$tests/test_fuzz.py" \
    --ignore="$tests/test_websocket_conformance.py" --ignore="$tests/test_packaging.py" --ignore="$tests/test_ray.py"
