#!/bin/sh
# Builds everything and runs every test: the unit tests and the integration
# suite on a normal build, then the unit tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer.  Installs missing Debian packages first.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

./configure
make -j"$jobs"
make -j"$jobs" check

echo "== unit tests under ASan + UBSan"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
make -j"$jobs" B=build/san SAN_FLAGS="$san" unit-tests
UNIT=$(ls build/san/tests/test_* 2>/dev/null || true)
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
	sh tests/run-unit.sh $UNIT
