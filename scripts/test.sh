#!/bin/sh
# Builds everything and runs every test: the unit tests and the integration
# suite on a normal build, then both again under AddressSanitizer and
# UndefinedBehaviorSanitizer (build/san), the integration suite with the
# sandbox on as always, and last every libFuzzer target for a few seconds
# (FUZZ_SECONDS, default 10; 0 skips them).  Installs missing Debian
# packages first.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

./configure
make -j"$jobs"
make -j"$jobs" check

# The scanners that take sixteen bytes at a time with SSE2 (chardet's
# n-gram count, normalization) keep a plain C path for other machines:
# their tests run once more on a build of it.
echo "== the plain C paths of the SSE2 scanners"
make -j"$jobs" B=build/nosse CFLAGS="-O2 -g -U__SSE2__" \
    build/nosse/tests/test_chardet_fast build/nosse/tests/test_normalize
sh tests/run-unit.sh build/nosse/tests/test_chardet_fast \
    build/nosse/tests/test_normalize

# The sanitizer build uses clang when it is there, so that every run also
# proves the tree builds warning-free (-Werror) under both compilers.
san_cc=gcc
command -v clang >/dev/null 2>&1 && san_cc=clang

echo "== unit and integration tests under ASan + UBSan ($san_cc)"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# The programs too: the unit tests that drive a role run the daemon built
# beside them.
make -j"$jobs" B=build/san CC="$san_cc" SAN_FLAGS="$san" all unit-tests
UNIT=$(ls build/san/tests/test_* 2>/dev/null || true)
# LeakSanitizer needs ptrace, which the seccomp filters forbid.
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
sh tests/run-unit.sh $UNIT
BUILD=build/san sh tests/integration/run.sh

fuzz_seconds=${FUZZ_SECONDS:-10}
if [ "$fuzz_seconds" -gt 0 ] && [ "$san_cc" = clang ]; then
	echo "== libFuzzer targets, ${fuzz_seconds}s each"
	make -j"$jobs" B=build/fuzz CC=clang ENABLE_FUZZ=yes \
	    FUZZ_FLAGS="-fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer" \
	    FUZZ_SECONDS="$fuzz_seconds" fuzz-run
fi
