#!/usr/bin/env bash
# Finds every CPython 3.10 to 3.13 on this machine (pyenv's versions, then python3.X on PATH)
# and makes, for each, .work/pythons/3.X: a virtualenv with openenv 0.10.0 and a parrot_env
# made by its `openenv init`, the reference and the environment that the tests installing the
# wheel from a package index put beside it (bindings/python/tests/test_index_install.py). Those
# are the Python versions the package declares (pyproject.toml's classifiers); one not found
# here is not tested, and the test comparing the two fails. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
pythons=.work/pythons
mkdir -p "$pythons"

find_python() {  # find_python 3.X: prints the interpreter's path, or nothing
  local candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1".*/bin/python"$1" "$(command -v "python$1" || true)"; do
    if [ -x "$candidate" ] && "$candidate" -c "import sys, venv; sys.exit(sys.implementation.name != 'cpython')" 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
}

pids=()
for version in 3.10 3.11 3.12 3.13; do
  python=$(find_python "$version")
  if [ -z "$python" ]; then
    echo "==> no CPython $version found (pyenv or python$version on PATH): it will not be tested" >&2
    rm -rf "${pythons:?}/$version"
    continue
  fi
  venv="$pythons/$version"
  if [ "$(cat "$venv/.requirements" 2>/dev/null)" = "$python openenv==0.10.0 parrot_env" ]; then
    continue
  fi
  echo "==> making $venv ($python) with openenv 0.10.0 and parrot_env" >&2
  (
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-compile "openenv==0.10.0" setuptools wheel
    (cd "$venv" && bin/openenv init parrot_env >/dev/null)
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation "$venv/parrot_env"
    echo "$python openenv==0.10.0 parrot_env" >"$venv/.requirements"
  ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid"
done
