#!/bin/sh
# Runs every tests/integration/t_*.sh script (each one a test that starts what
# it needs on loopback in its own temporary directory) and prints one summary
# line in the form CI reads: "integration: N passed, N failed, N skipped".
# A script exits 0 to pass, 77 to skip (a missing optional program), else fails.
# INTEGRATION_FILTER=pattern runs only the scripts whose name matches.
# BUILD=dir runs them against the programs in dir (default build); the
# logs go there too.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
passed=0
failed=0
skipped=0
failed_names=
for t in tests/integration/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	case "$name" in
	*${INTEGRATION_FILTER:-}*) ;;
	*) continue ;;
	esac
	start=$(date +%s)
	sh "$t" >"$BUILD/$name.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok   $name (${secs}s)"
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "skip $name: $(tail -n 1 "$BUILD/$name.log")"
	else
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		echo "FAIL $name (${secs}s), last lines of $BUILD/$name.log:"
		tail -n 30 "$BUILD/$name.log" | sed 's/^/    /'
	fi
done
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
