#!/bin/sh
# The programs start and identify themselves.
set -eu
out=$("${BUILD:-build}"/mailuminati-guardian -v)
echo "$out"
case "$out" in
"mailuminati-guardian "*"compatible with Mailuminati Guardian 0.7.6"*) ;;
*) echo "unexpected version line: $out"; exit 1 ;;
esac
out=$("${BUILD:-build}"/guardianctl version)
echo "$out"
case "$out" in
"guardianctl "*) ;;
*) echo "unexpected version line: $out"; exit 1 ;;
esac
