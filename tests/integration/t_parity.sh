#!/bin/sh
# Digest parity with upstream Guardian 0.7.6 on the shared corpus: at least
# 99% of the messages must give exactly upstream's digest list and every
# differing digest must stay within TLSH distance 10.  Skips without the
# shared data (SHARED_DIR, default ../shared next to the checkout).
set -u
shared=${SHARED_DIR:-../shared}
tsv=$shared/testdata/upstream-digests/digests.tsv
if [ ! -f "$tsv" ] || [ ! -d "$shared/corpus" ]; then
	echo "no shared corpus at $shared"
	exit 77
fi
"${BUILD:-build}"/guardianctl digest-parity "$tsv" "$shared/corpus"
