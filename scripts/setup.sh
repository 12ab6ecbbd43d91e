#!/usr/bin/env bash
# Sets up a working copy: the Python virtualenvs (below), a release build
# of the Swift engine, the openenv_swift wheel built and installed into each, and a real example
# environment made by `openenv init` and pip-installed into each. Safe to run again.
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

# Two virtualenvs, one per OpenEnv release users have: .venv with openenv-core 0.3.0 (the
# whole Python suite runs there) and .venv-openenv-0.10 with openenv 0.10.0 (the suite runs
# there too, but for the files scripts/test.sh names). Each gets the openenv_swift wheel and a parrot_env made by its own
# reference's `openenv init`.
make_venv() {  # make_venv DIR REQUIREMENT
  local venv=$1 requirement=$2
  if [ ! -x "$venv/bin/python" ]; then
    log "creating $venv"
    python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -c "import openenv.core, pytest, wheel, setuptools" 2>/dev/null \
      || [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("'"${requirement%%==*}"'"))' 2>/dev/null)" != "${requirement##*==}" ]; then
    log "installing $requirement, pytest, setuptools and wheel into $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$requirement" pytest setuptools wheel
  fi
}
make_venv .venv "openenv-core==0.3.0"
make_venv .venv-openenv-0.10 "openenv==0.10.0"

# Ray, for openenv_swift.ray (the wheel's "ray" extra) and its test, in .venv only: the Ray
# path starts servers and never touches the installed reference's client.
if ! .venv/bin/python -c "import ray" 2>/dev/null; then
  log "installing ray into .venv (the wheel's ray extra)"
  .venv/bin/pip install --quiet --disable-pip-version-check "ray>=2.9"
fi

log "building the Swift engine (release) and the openenv-swift CLI"
swift build -c release --product openenv >&2
swift build -c release --product openenv-swift >&2

log "building the openenv_swift wheel (the shipped libopenenv.so inside)"
rm -rf "$work/wheel"
.venv/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/wheel" ./bindings/python

for venv in .venv .venv-openenv-0.10; do
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
