#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test, in two streams at once that keep both cores
# of a 2-core machine busy (each stream alone uses about one core: its tests spend much of their
# time waiting on servers):
#   first:  the Python suite (which also compiles and runs the C programs against libopenenv.so
#           and the fuzz targets, installs the wheel and the sdist from a local package index
#           under every CPython the set-up found, and runs the index tools' checks) under
#           openenv-core 0.3.0, then the container tests under it;
#   second: the Swift suites, built and run under AddressSanitizer, then ThreadSanitizer (every
#           suite runs there, so there is no plain `swift test`; they start at most 4 servers at
#           once), then the Python suite again under openenv 0.10.0, then the container tests
#           under it.
# Each Python suite runs one test at a time (two pytest-xdist workers starting the reference's
# servers at once pushed their start, 3.5 s of imports each alone, past the tests' 30 s on 2
# cores). The container tests wait for the container set-up (scripts/setup_containers.sh, started
# in the background after the set-up, its output in .work/test-logs/containers.log) to write its
# outcome ("ready", or why no engine can be had here: the tests then skip saying so).
# Each stream's output goes to .work/test-logs/STREAM.log, printed when both are done; each
# phase's time (wall, and the CPU its processes used) goes to .work/test-logs/times.txt,
# printed last.
set -euo pipefail
cd "$(dirname "$0")/.."
logs=.work/test-logs
rm -rf "$logs"
mkdir -p "$logs"
start=$SECONDS

# The CPU seconds (user + system) of the finished children of the shell that ran `times >FILE`.
children_cpu() {
  awk 'END { total = 0; for (i = 1; i <= NF; i++) { split($i, part, "m"); total += part[1] * 60 + part[2] } printf "%d", total }' "$1"
}

phase() {  # phase NAME COMMAND...: runs COMMAND, notes its time, the CPU its processes used, and its result
  local name=$1 began=$SECONDS mark cpu status=0
  mark=$(mktemp)
  times >"$mark"  # in this shell (a command substitution would ask a subshell)
  cpu=$(children_cpu "$mark")
  shift
  echo "==> $name" >&2
  "$@" || status=$?
  times >"$mark"
  cpu=$(( $(children_cpu "$mark") - cpu ))
  rm -f "$mark"
  echo "$name: $((SECONDS - began)) s, $cpu s CPU$([ "$status" -eq 0 ] || echo ", failed (exit $status)")" >>"$logs/times.txt"
  return "$status"
}

phase "set-up (scripts/setup.sh)" bash scripts/setup.sh
# A container engine and the test images, in the background while the suites run.
rm -f .work/containers/status
phase "container set-up (scripts/setup_containers.sh)" bash scripts/setup_containers.sh >"$logs/containers.log" 2>&1 &
containers_setup=$!

tests=bindings/python/tests
container_tests() {  # container_tests VENV: the container tests under VENV, once the container set-up is done
  until [ -f .work/containers/status ]; do sleep 2; done
  phase "container tests under $1" "$1/bin/python" -m pytest "$tests/test_containers.py" -q -rs
}
first_stream() {
  local status=0
  phase "Python suite under openenv-core 0.3.0" .venv/bin/python -m pytest "$tests" -q \
      --ignore="$tests/test_containers.py" || status=1
  container_tests .venv || status=1
  return "$status"
}
second_stream() {
  local status=0
  phase "Swift suites under AddressSanitizer" bash scripts/sanitizers.sh address || status=1
  phase "Swift suites under ThreadSanitizer" bash scripts/sanitizers.sh thread || status=1
  # The same Python suite under today's OpenEnv (openenv 0.10.0), in the second venv set-up
  # made, but for the files that never touch the installed reference (the C programs, the fuzz
  # targets, the WebSocket conformance server, the Ray fleet, which only starts servers, the
  # package as installed from an index, which makes virtualenvs of its own) and the discovery
  # comparisons with openenv-core 0.3.0's own rules (test_packaging.py; test_reference_rows.py
  # compares get_env_info with 0.10.0's).
  phase "Python suite under openenv 0.10.0" .venv-openenv-0.10/bin/python -m pytest "$tests" -q \
      --ignore="$tests/test_c_abi.py" --ignore="$tests/test_fuzz.py" --ignore="$tests/test_websocket_conformance.py" \
      --ignore="$tests/test_packaging.py" --ignore="$tests/test_ray.py" --ignore="$tests/test_index_install.py" \
      --ignore="$tests/test_containers.py" || status=1
  container_tests .venv-openenv-0.10 || status=1
  return "$status"
}

first_stream >"$logs/first.log" 2>&1 &
first=$!
status=0
second_stream >"$logs/second.log" 2>&1 || status=1
wait "$first" || status=1
wait "$containers_setup" || { echo "scripts/setup_containers.sh failed; see $logs/containers.log" >&2; status=1; }
for stream in first second; do
  echo "==> $stream stream ($logs/$stream.log)"
  cat "$logs/$stream.log"
done
echo "total: $((SECONDS - start)) s" >>"$logs/times.txt"
echo "==> times"
cat "$logs/times.txt"
exit "$status"
