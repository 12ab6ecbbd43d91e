#!/usr/bin/env bash
# Sets up a working copy: the Python virtualenvs (below), the release build of the Swift
# engine (scripts/build_library.sh, built while the virtualenvs install), the openenv_swift
# wheel built and installed into each, and a real example environment made by `openenv init`
# and pip-installed into each. Safe to run again.
#   bash scripts/setup.sh --demo   what scripts/demo.sh needs: .venv-openenv-0.10 only
#   bash scripts/setup.sh          what scripts/test.sh needs: that, and the rest below
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/.work"
mkdir -p "$work"
demo=false
[ "${1:-}" = "--demo" ] && demo=true

log() { printf '==> %s\n' "$*" >&2; }

# Debian packages the build needs: OpenSSL (TLS) and libyaml (openenv.yaml manifests).
missing=()
{ [ -f /usr/include/openssl/ssl.h ] && command -v openssl >/dev/null; } || missing+=(libssl-dev openssl)
[ -f /usr/include/yaml.h ] || missing+=(libyaml-dev)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "development files are missing; install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The release build (libopenenv.so and the openenv-swift CLI), in the background while pip works.
log "building the Swift engine (release) and the openenv-swift CLI, log in $work/build.log"
bash scripts/build_library.sh >"$work/build.log" 2>&1 &
build=$!

# Two virtualenvs, one per OpenEnv release users have: .venv-openenv-0.10 with openenv 0.10.0
# (today's; the demo runs there, and the Python suite but for the files scripts/test.sh names)
# and, for the tests, .venv with openenv-core 0.3.0 (the whole Python suite runs there). Each
# gets the openenv_swift wheel and a parrot_env made by its own reference's `openenv init`.
make_venv() {  # make_venv DIR REQUIREMENT...: installs what changed since the last time
  local venv=$1
  shift
  if [ ! -x "$venv/bin/python" ]; then
    log "creating $venv"
    python3 -m venv "$venv"
  fi
  if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$*" ]; then
    log "installing $* into $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check $compile "$@"
    echo "$*" >"$venv/.requirements"
  fi
  # The tests start hundreds of interpreters, where PYTHONDONTWRITEBYTECODE may be set: each
  # would compile the reference's modules (gradio, fastapi...) from source again. The demo
  # starts two and skips it (most of a venv is never imported).
  $demo || "$venv/bin/python" -m compileall -q -j 0 "$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null || true
}
# pip's byte-compiling takes most of an install's time; the demo goes without it.
compile=""
$demo && compile="--no-compile"
venvs=(.venv-openenv-0.10)
if $demo; then
  make_venv .venv-openenv-0.10 "openenv==0.10.0" setuptools wheel
else
  # The virtualenvs install at once (pip mostly waits on the network).
  venvs+=(.venv)
  installs=()
  make_venv .venv-openenv-0.10 "openenv==0.10.0" setuptools wheel pytest &
  installs+=($!)
  # Ray, for openenv_swift.ray (the wheel's "ray" extra) and its test, in .venv only: the Ray
  # path starts servers and never touches the installed reference's client.
  make_venv .venv "openenv-core==0.3.0" setuptools wheel pytest "ray>=2.9" &
  installs+=($!)
  # The packaging tools the tests run: a package index server, the manylinux and metadata checks.
  make_venv .venv-tools pypiserver auditwheel twine trove-classifiers &
  installs+=($!)
  # Every CPython 3.10 to 3.13 found here, each with openenv 0.10.0 and a parrot_env, for the
  # tests that install the wheel from a package index under each.
  bash scripts/setup_pythons.sh &
  installs+=($!)
  for install in "${installs[@]}"; do
    wait "$install"
  done
fi

if ! wait "$build"; then
  cat "$work/build.log" >&2
  echo "the release build failed (its log is above)" >&2
  exit 1
fi

log "building the openenv_swift wheel (the shipped libopenenv.so inside)"
rm -rf "$work/wheel"
.venv-openenv-0.10/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/wheel" ./bindings/python

for venv in "${venvs[@]}"; do
  log "installing the wheel into $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$work"/wheel/swift_openenv-*.whl
  if ! "$venv/bin/python" -c "import parrot_env" 2>/dev/null; then
    log "creating the example environment parrot_env with $venv's 'openenv init' and installing it"
    envs="$work/envs/$(basename "$venv")"
    rm -rf "$envs/parrot_env"
    mkdir -p "$envs"
    (cd "$envs" && "$root/$venv/bin/openenv" init parrot_env >/dev/null)
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation "$envs/parrot_env"
  fi
done
log "set-up done"
