#!/usr/bin/env bash
# Runs the Swift test suites under AddressSanitizer and/or ThreadSanitizer, each in its own
# build folder (.build-asan, .build-tsan) so the plain build is kept:
#   bash scripts/sanitizers.sh [address|thread|all] [build]   (default: all; needs scripts/setup.sh first)
# With "build", only builds the suites (no test runs, so no servers: scripts/test.sh builds them
# while the Python suite runs, and runs them after).
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
action="${2:-test}"
run() {
    if [ "$action" = build ]; then
        echo "==> building the Swift suites under the $1 sanitizer" >&2
        swift build --build-tests --sanitize="$1" --scratch-path ".build-$2"
        return
    fi
    echo "==> swift test under the $1 sanitizer" >&2
    # Swift's crash reporter would hang symbolicating a sanitizer's abort; the sanitizer reports.
    # Leaks the toolchain's own libraries keep are suppressed, each explained in Tests/lsan.supp.
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$PWD/Tests/lsan.supp" \
        swift test --sanitize="$1" --scratch-path ".build-$2"
}
case "$which" in
    address) run address asan ;;
    thread) run thread tsan ;;
    all) run address asan; run thread tsan ;;
    *) echo "usage: $0 [address|thread|all] [build]" >&2; exit 2 ;;
esac
