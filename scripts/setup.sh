#!/usr/bin/env bash
# Sets up a working copy: the Python virtualenv .venv (openenv-core, pytest), a release build
# of the Swift engine, the openenv_swift wheel built and installed into .venv, and a real example
# environment made by `openenv init` and pip-installed into .venv. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/.work"
mkdir -p "$work"

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

if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import openenv, pytest, wheel" 2>/dev/null; then
  log "installing openenv-core, pytest and wheel into .venv"
  .venv/bin/pip install --quiet --disable-pip-version-check "openenv-core==0.3.0" pytest wheel
fi

log "building the Swift engine (release) and the openenv-swift CLI"
swift build -c release --product openenv >&2
swift build -c release --product openenv-swift >&2

log "building the openenv_swift wheel (the shipped libopenenv.so inside) and installing it into .venv"
rm -rf "$work/wheel"
.venv/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/wheel" ./bindings/python
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$work"/wheel/openenv_swift-*.whl

if ! .venv/bin/python -c "import parrot_env" 2>/dev/null; then
  log "creating the example environment parrot_env with 'openenv init' and installing it"
  rm -rf "$work/envs/parrot_env"
  mkdir -p "$work/envs"
  (cd "$work/envs" && "$root/.venv/bin/openenv" init parrot_env >/dev/null)
  .venv/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation "$work/envs/parrot_env"
fi
log "set-up done"
