#!/bin/sh
# Installs missing Debian packages, builds the daemon and prints its version.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh --runtime
[ -f config.mk ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"
build/mailuminati-guardian -v
