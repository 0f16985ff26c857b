#!/bin/sh
# guardianctl tlsh and diff against known TLSH vectors (tests/data/tlsh).
set -u
ctl=${BUILD:-build}/guardianctl
in=tests/data/tlsh/inputs
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

expect() {	# expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		echo "  got:  $2"
		echo "  want: $3"
		fail=1
	fi
}

text=$in/nd_text300_base.txt
short=$in/short_00_a256_075.bin
head -c 58 $in/sweep_abc_100.txt >"$tmp/abc58"

expect "reference digest" "$($ctl tlsh $text)" \
"$text	T1F6E08C6BE7B1277010520143500F39D9ABA5E0B421E2CA6820ADA5382250CB99A763E1"
# Few non-zero buckets: only the Guardian flavour gives a digest.
expect "reference TNULL" "$($ctl tlsh "$tmp/abc58" | cut -f2)" "TNULL"
expect "compat digest" "$($ctl tlsh --compat "$tmp/abc58" | cut -f2)" \
"T156A00030C0F382233323E0F08B00CFC8B0C2220C8BB20C83A82EC00830283C232B00AE"
expect "conservative TNULL" "$($ctl tlsh --conservative $short | cut -f2)" \
"TNULL"
expect "non-conservative" "$($ctl tlsh $short | cut -f2)" \
"T163A0220332C02E3338CB00B300BE2E0C2C802E80F288AC0BC3F88C8CBC283E00B0A080"
expect "stdin" "$($ctl tlsh - <$text)" \
"-	T1F6E08C6BE7B1277010520143500F39D9ABA5E0B421E2CA6820ADA5382250CB99A763E1"
expect "empty file" "$(: | $ctl tlsh --compat - | cut -f2)" "TNULL"

# A missing file: the others are still hashed, then exit 1.
out=$($ctl tlsh "$tmp/missing" $text 2>"$tmp/err")
expect "missing file exit" "$?" 1
expect "missing file others" "$(echo "$out" | cut -f2)" \
"T1F6E08C6BE7B1277010520143500F39D9ABA5E0B421E2CA6820ADA5382250CB99A763E1"
grep -q "missing" "$tmp/err" || { echo "FAIL: no message"; fail=1; }

a=T1B5490EBDB9FC11EEC1CEB780C6EAA33B4764EAEDD3EAE58688A153B8B0C305B9ACBA74
b=T19EA65EC15BAC6BB48E3EFA1DE1FE04B0D6802A2D51964E80BBFDFB147D00135B0431F9
expect "diff" "$($ctl diff $a $b)" 757
expect "diff --no-length" "$($ctl diff --no-length $a $b)" 253
expect "diff lower case, no prefix" \
    "$($ctl diff "$(echo $a | cut -c3- | tr A-F a-f)" $b)" 757
expect "diff self" "$($ctl diff $a $a)" 0
$ctl diff $a "${b}0" 2>"$tmp/err"
expect "bad digest exit" "$?" 2
grep -q "not a TLSH digest" "$tmp/err" || { echo "FAIL: no message"; fail=1; }
$ctl diff $a 2>/dev/null
expect "missing argument exit" "$?" 2
exit $fail
