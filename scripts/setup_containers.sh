#!/usr/bin/env bash
# Sets up a real container engine and the images the container tests use, without any registry:
#
#   1. rootful podman from Debian, with podman-docker (a `docker` command that speaks the Docker
#      CLI, for the reference's LocalDockerProvider) and runc;
#   2. /etc/containers/containers.conf for this machine kind (runc: crun refuses a hybrid cgroup
#      layout; cgroupfs and a file events logger: no systemd; default ulimits within the session's
#      hard limits: podman's own defaults are above them and every container start fails);
#   3. a Debian bookworm base image made by debootstrap and `podman import`;
#   4. one image per OpenEnv release (openenv-core 0.3.0 from .venv, openenv 0.10.0 from
#      .venv-openenv-0.10), built from the server/Dockerfile of that release's own
#      `openenv init parrot_env`: its runtime stage is used as it is; its builder stage (which
#      needs uv and the network inside the build) is replaced by one that installs the same
#      environment from wheels `pip download`ed here on the host (pip inside `podman build` has
#      no trusted TLS);
#   5. a variant whose server crashes at start (the early-failure tests).
#
# Needs scripts/setup.sh to have run (the two virtualenvs). Images stay in podman's storage and
# carry a label with the hash of what they were made from, so a second run only checks them.
# The outcome is written to .work/containers/status: "ready", or "unavailable: WHY" when no
# engine can be had here (not root, no apt, the engine does not run); the container tests read
# it and skip with that reason, loudly. Exits non-zero only when a step that should work fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/.work/containers"
mkdir -p "$work"
status="$work/status"
rm -f "$status"
t0=$(date +%s)
log() { printf '==> [%ss] %s\n' "$(( $(date +%s) - t0 ))" "$*" >&2; }
unavailable() { echo "unavailable: $*" > "$status"; log "no container engine: $*"; exit 0; }
trap 'rc=$?; [ -f "$status" ] || echo "unavailable: scripts/setup_containers.sh failed (exit $rc), see its output" > "$status"' EXIT

base=localhost/openenv-swift/base:bookworm
image_prefix=localhost/openenv-swift/parrot-env

# 1. The engine.
if ! command -v podman >/dev/null; then
  [ "$(id -u)" -eq 0 ] || unavailable "podman is not installed and this is not root (install podman, podman-docker and runc)"
  command -v apt-get >/dev/null || unavailable "podman is not installed and there is no apt-get here"
  log "installing podman, podman-docker, runc and debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null || unavailable "apt-get update failed (no Debian mirror reachable?)"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends podman podman-docker runc conmon \
      netavark aardvark-dns iptables uidmap slirp4netns fuse-overlayfs catatonit debootstrap ca-certificates >/dev/null \
    || unavailable "apt-get install podman failed"
fi
[ "$(id -u)" -eq 0 ] || unavailable "podman is installed but this is not root; the tests use rootful podman"

# 2. Its configuration (only ours, or none yet: a file someone else wrote is left alone).
conf=/etc/containers/containers.conf
marker="# written by openenv-swift scripts/setup_containers.sh"
if [ ! -f "$conf" ] || grep -qF "$marker" "$conf"; then
  nofile=$(awk '/^Max open files/ {print $5}' /proc/self/limits); [ "$nofile" = unlimited ] && nofile=65536
  nproc=$(awk '/^Max processes/ {print $4}' /proc/self/limits)
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt 20000 ]; } && nproc=20000
  mkdir -p /etc/containers
  cat > "$conf.tmp" <<EOF
$marker
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  mv "$conf.tmp" "$conf"
fi
touch /etc/containers/nodocker   # keeps podman-docker's "Emulate Docker CLI" notice off stderr
# A folder whose `docker` is podman-docker's, to put first on PATH where a Docker CLI without a
# daemon (/usr/local/bin/docker) would shadow it.
mkdir -p "$work/bin"
[ -x /usr/bin/docker ] && ln -sf /usr/bin/docker "$work/bin/docker"
podman info >/dev/null 2>&1 || unavailable "podman is installed but 'podman info' fails: $(podman info 2>&1 | tail -1)"

# Is IMAGE present and made from RECIPE (its label says so)?
up_to_date() {  # IMAGE RECIPE_HASH
  [ "$(podman image inspect --format '{{index .Labels "org.openenv-swift.recipe"}}' "$1" 2>/dev/null)" = "$2" ]
}

# 3. The base image.
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
if ! podman image exists "$base"; then
  command -v debootstrap >/dev/null || unavailable "debootstrap is missing (apt-get install debootstrap)"
  log "making $base with debootstrap from $mirror"
  rootfs="$work/rootfs"
  if [ ! -x "$rootfs/usr/bin/python3" ]; then
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" "$mirror" >/dev/null
  fi
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  tar -C "$rootfs" -c . | podman import - "$base" >/dev/null
  rm -rf "$rootfs"
fi
podman run --rm --network none "$base" python3 -c 'pass' || unavailable "podman cannot run a container here"

# 4. One image per release, from its own `openenv init` Dockerfile.
build_release() {  # TAG VENV REQUIREMENT
  local tag=$1 venv=$2 requirement=$3 ctx="$work/build-$1"
  [ -x "$root/$venv/bin/openenv" ] || { echo "$venv is missing: run scripts/setup.sh first" >&2; exit 1; }
  rm -rf "$ctx/parrot_env"
  mkdir -p "$ctx"
  (cd "$ctx" && "$root/$venv/bin/openenv" init parrot_env >/dev/null)
  local template="$ctx/parrot_env/server/Dockerfile"
  # The template's last stage (from its last `FROM ${BASE_IMAGE}` on), as it is.
  local runtime_from
  runtime_from=$(grep -n '^FROM \${BASE_IMAGE}[[:space:]]*$' "$template" | tail -1 | cut -d: -f1)
  [ -n "$runtime_from" ] || { echo "$template has no final 'FROM \${BASE_IMAGE}' stage" >&2; exit 1; }
  # Where the runtime stage takes the virtualenv from (/app/env/.venv in 0.3.0, /app/.venv in 0.10.0).
  local image_venv
  image_venv=$(sed -n 's#^COPY --from=builder \([^ ]*\) /app/\.venv[[:space:]]*$#\1#p' "$template" | head -1)
  [ -n "$image_venv" ] || { echo "$template's runtime stage copies no virtualenv from its builder" >&2; exit 1; }
  {
    echo "# Builder stage by scripts/setup_containers.sh: the environment and its wheels, offline."
    echo "ARG BASE_IMAGE=$base"
    echo 'FROM ${BASE_IMAGE} AS builder'
    echo 'COPY wheels /wheels'
    echo 'COPY parrot_env /app/env'
    echo "RUN python3 -m venv $image_venv && $image_venv/bin/pip install -q --no-index --find-links /wheels '$requirement' uvicorn /app/env && rm -rf /app/env/build /root/.cache"
    echo "# Runtime stage: $venv's openenv init template, server/Dockerfile line $runtime_from on."
    tail -n +"$runtime_from" "$template"
  } > "$ctx/Containerfile"
  local recipe
  # (README.md left out: `openenv init` picks its emoji and colours at random)
  recipe=$( { cat "$ctx/Containerfile"; find "$ctx/parrot_env" -type f ! -path '*/__pycache__/*' ! -name Dockerfile ! -name README.md -print0 | sort -z | xargs -0 cat; } | sha256sum | cut -c1-16)
  if up_to_date "$image_prefix:$tag" "$recipe"; then
    log "$image_prefix:$tag is up to date"
    return
  fi
  log "downloading the wheels for $requirement on the host"
  "$root/$venv/bin/pip" download -q --disable-pip-version-check -d "$ctx/wheels" "$requirement" uvicorn "setuptools>=45" wheel >/dev/null
  log "building $image_prefix:$tag"
  local previous
  previous=$(podman image inspect --format '{{.Id}}' "$image_prefix:$tag" 2>/dev/null || true)
  podman build -q --network none --label "org.openenv-swift.recipe=$recipe" -t "$image_prefix:$tag" -f "$ctx/Containerfile" "$ctx" >/dev/null
  [ -z "$previous" ] || podman rmi "$previous" >/dev/null 2>&1 || true   # the image this one replaces (unless still used)
}
build_release 0.3.0 .venv "openenv-core[core]==0.3.0"
build_release 0.10.0 .venv-openenv-0.10 "openenv==0.10.0"

# 5. The server that crashes at start: one line on stderr, exit 3.
crash_ctx="$work/build-crash"
mkdir -p "$crash_ctx"
printf '%s\n' "FROM $image_prefix:0.3.0" \
  'CMD ["sh", "-c", "echo starting; echo boom: the server crashed at start >&2; exit 3"]' > "$crash_ctx/Containerfile"
crash_recipe=$( { cat "$crash_ctx/Containerfile"; podman image inspect --format '{{.Id}}' "$image_prefix:0.3.0"; } | sha256sum | cut -c1-16)
if ! up_to_date "$image_prefix:crash" "$crash_recipe"; then
  log "building $image_prefix:crash"
  podman build -q --network none --label "org.openenv-swift.recipe=$crash_recipe" -t "$image_prefix:crash" "$crash_ctx" >/dev/null
fi

echo ready > "$status"
log "container engine and images ready"
