#!/usr/bin/env bash
# Builds the release, the one release build of the repository, in .build, and prints the
# shipped libopenenv.so's path: the Swift runtime, libyaml and OpenSSL (Debian's libssl-dev
# archives) linked in, so that it needs only the C library and libstdc++/libgcc at run time
# (the manylinux policy); only openenv.h's functions exported (include/openenv.map); soname
# libopenenv.so.MAJOR; no debug information (its symbol table stays: LeakSanitizer suppressions
# and backtraces name its functions). The openenv-swift CLI is built with the same flags, so it runs
# without the toolchain too. Used by scripts/setup.sh, the Python wheel's build backend and
# `make install`.
#   bash scripts/build_library.sh              builds, prints the library's path
#   bash scripts/build_library.sh --version    prints the version (Sources/OpenEnvCore/Version.swift)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch="$root/.build"
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
# COpenSSL's and CYAML's module maps link the static archives of Debian's libssl-dev and libyaml-dev.
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for name in libssl.a libcrypto.a; do
  if [ ! -f "/usr/lib/$multiarch/$name" ]; then
    echo "OpenSSL's static archive /usr/lib/$multiarch/$name is missing; install it with: apt-get install libssl-dev" >&2
    exit 1
  fi
done
# lld, not gold: gold keeps the engine's Swift symbols that the version script makes local in
# the dynamic symbol table (as LOCAL entries), lld leaves only the exports there.
(cd "$root" && swift build -c release --scratch-path "$scratch" \
  -Xswiftc -static-stdlib -Xswiftc -use-ld=lld \
  -Xlinker --version-script="$root/include/openenv.map" \
  -Xlinker -soname=libopenenv.so."${version%%.*}" \
  -Xlinker --gc-sections -Xlinker --strip-debug) >&2
# The soname's link beside it, as `make install` makes, so that a program linked with
# -L.build/release and that rpath finds it (bindings/python/tests/conftest.py's compile_c).
ln -sf libopenenv.so "$scratch/release/libopenenv.so.${version%%.*}"
echo "$scratch/release/libopenenv.so"
