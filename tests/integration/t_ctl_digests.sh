#!/bin/sh
# guardianctl digests: the output format, 400 cases, standard input, and
# the digests upstream computes for the committed test messages.
set -eu
ctl=${BUILD:-build}/guardianctl
dir=tests/data/digest/messages
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail=0
while IFS='	' read -r name want; do
	out=$($ctl digests "$dir/$name")
	got=${out#*	}
	case "$want" in
	ERROR:400)
		case "$got" in
		ERROR:*) ;;
		*) echo "$name: expected an error, got '$got'"; fail=1 ;;
		esac ;;
	*)
		if [ "$got" != "$want" ]; then
			echo "$name: digests differ"
			echo "  want $want"
			echo "  got  $got"
			fail=1
		fi ;;
	esac
	[ "${out%%	*}" = "$dir/$name" ] || { echo "$name: bad file column"; fail=1; }
done <"$dir/expected.tsv"

# A short message has no digest: nothing after the tab.
printf 'Subject: hi\n\nshort\n' >"$tmp/short.eml"
out=$($ctl digests "$tmp/short.eml")
[ "$out" = "$tmp/short.eml	" ] || { echo "short: '$out'"; fail=1; }

# "-" reads standard input and gives the same digests as the file.
a=$($ctl digests "$dir/010" | cut -f2)
b=$($ctl digests - <"$dir/010" | cut -f2)
[ "$a" = "$b" ] && [ -n "$a" ] || { echo "stdin: '$b' vs '$a'"; fail=1; }

# Several files, one line each, in order; an unreadable one makes exit 1
# but the others are still printed.
n=$($ctl digests "$dir/010" "$dir/bsmtp" | wc -l)
[ "$n" -eq 2 ] || { echo "two files gave $n lines"; fail=1; }
set +e
out=$($ctl digests "$tmp/missing" "$dir/010" 2>/dev/null)
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "missing file: exit $rc"; fail=1; }
case "$out" in
"$dir/010	T1"*) ;;
*) echo "missing file: others not printed: '$out'"; fail=1 ;;
esac
exit $fail
