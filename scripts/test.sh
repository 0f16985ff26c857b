#!/bin/sh
# Builds everything and runs every test: the unit tests and the integration
# suite on a normal build, then both again under AddressSanitizer and
# UndefinedBehaviorSanitizer (build/san), the integration suite with the
# sandbox on as always.  Installs missing Debian packages first.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

./configure
make -j"$jobs"
make -j"$jobs" check

echo "== unit and integration tests under ASan + UBSan"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# The programs too: the unit tests that drive a role run the daemon built
# beside them.
make -j"$jobs" B=build/san SAN_FLAGS="$san" all unit-tests
UNIT=$(ls build/san/tests/test_* 2>/dev/null || true)
# LeakSanitizer needs ptrace, which the seccomp filters forbid.
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
sh tests/run-unit.sh $UNIT
BUILD=build/san sh tests/integration/run.sh
