#!/usr/bin/env bash
# Runs every libFuzzer target (Tests/Fuzz/targets.py) for longer than the test command does:
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET, default 300]
# Prints each target's executions; a crash stops with the input libFuzzer wrote (crash-*).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python - "$seconds" "$work" <<'PY'
import re, sys
from pathlib import Path
sys.path.insert(0, "Tests/Fuzz")
import targets
seconds, work = int(sys.argv[1]), Path(sys.argv[2])
for name in sorted(targets.TARGETS):
    result = targets.run(name, targets.build(name, work), work, seconds)
    runs = re.search(r"Done (\d+) runs", result.stderr)
    print(f"{name}: {runs.group(1) if runs else '?'} executions in {seconds} s, exit {result.returncode}", flush=True)
    if result.returncode != 0:
        print(result.stderr[-4000:])
        sys.exit(1)
PY
