#!/usr/bin/env bash
# Runs the Swift test suites under AddressSanitizer and/or ThreadSanitizer, each in its own
# build folder (.build-asan, .build-tsan) so the plain build is kept:
#   bash scripts/sanitizers.sh [address|thread|all]   (default: all; needs scripts/setup.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
run() {
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
    *) echo "usage: $0 [address|thread|all]" >&2; exit 2 ;;
esac
