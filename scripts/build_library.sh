#!/usr/bin/env bash
# Builds the shipped libopenenv.so and prints its path: the Swift runtime and libyaml linked
# in (it needs only the C library, libstdc++/libgcc and the system OpenSSL at run time), only
# openenv.h's functions exported (include/openenv.map), soname libopenenv.so.MAJOR, stripped.
# Used by the Python wheel's build backend and by `make install`.
#   bash scripts/build_library.sh              builds, prints the library's path
#   bash scripts/build_library.sh --version    prints the version (Sources/OpenEnvCore/Version.swift)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch="$root/.build-ship"
version=$(sed -n 's/.*static let string = "\(.*\)".*/\1/p' "$root/Sources/OpenEnvCore/Version.swift")
if [ -z "$version" ]; then
  echo "no 'static let string = \"x.y.z\"' in $root/Sources/OpenEnvCore/Version.swift" >&2
  exit 1
fi
if [ "${1:-}" = "--version" ]; then
  echo "$version"
  exit 0
fi
if [ ! -f /usr/include/yaml.h ]; then
  echo "libyaml's development files are missing; install them with: apt-get install libyaml-dev" >&2
  exit 1
fi
(cd "$root" && swift build -c release --product openenv --scratch-path "$scratch" \
  -Xswiftc -static-stdlib \
  -Xlinker --version-script="$root/include/openenv.map" \
  -Xlinker -soname=libopenenv.so."${version%%.*}" \
  -Xlinker --gc-sections -Xlinker --strip-all) >&2
echo "$scratch/release/libopenenv.so"
