#!/bin/sh
# The SpamAssassin plugin (conf/spamassassin) through the real spamassassin
# command, local tests only, with a private site configuration: the
# system's .pre files plus ours.  --lint passes; before any report spam1
# hits neither rule while the plugin did ask the daemon; after spam1 is
# reported, spam2 hits MAILUMINATI_SPAM with label, source and request id
# in X-Spam-Mailuminati, ham1 hits nothing.  Fail open: a stopped daemon,
# and a scripted endpoint that never answers, answers 503, too much or
# not JSON, leave the rules out, promptly; the same endpoint checks the
# suspicious rule, the label's sanitising and the request itself.  With
# API_TOKEN the right mailuminati_token works, a wrong one gives no hit,
# and the token is never logged.  The plugin also loads from Perl's
# search path (upstream's layout), and spamd user preferences cannot set
# its options.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh

SA=$(command -v spamassassin) || it_skip "spamassassin not installed"
perl -MLWP::UserAgent -e 1 2>/dev/null ||
	it_skip "LWP::UserAgent not installed"
perl -MJSON -e 1 2>/dev/null || it_skip "JSON (Perl) not installed"

an_start
SA_PIDS=
trap 'for p in $SA_PIDS; do kill -TERM "$p" 2>/dev/null; done; it_cleanup' EXIT

# The system's site directory holds the .pre files that load the standard
# plugins the system rules expect.
SYS_SITE=$(sed -n "s/^my \$LOCAL_RULES_DIR *= *'\([^']*\)'.*/\1/p" "$SA")
[ -d "${SYS_SITE:=/etc/spamassassin}" ] || it_fail "no $SYS_SITE"
SITE=$IT_TMP/sa-site
mkdir "$SITE"
cp "$SYS_SITE"/*.pre "$SITE"/ 2>/dev/null
cp conf/spamassassin/Mailuminati.pm conf/spamassassin/mailuminati.pre \
    conf/spamassassin/mailuminati.cf "$SITE"/
# local.cf sorts before mailuminati.cf: the options work thanks to the .pre.
cat >"$SITE/local.cf" <<EOF
mailuminati_endpoint http://127.0.0.1:$GUARDIAN_PORT/analyze
mailuminati_timeout 2
add_header all Mailuminati _MAILUMINATI_
report_safe 0
use_bayes 0
bayes_auto_learn 0
EOF
: >"$IT_TMP/user_prefs"

# sa_run NAME [spamassassin args]: output in NAME, stderr in NAME.err,
# wall time in milliseconds in SA_MS.
sa_run() {
	n=$1
	shift
	t0=$(date +%s%N)
	HOME=$IT_TMP TMPDIR=$IT_TMP "$SA" -L -x -p "$IT_TMP/user_prefs" \
	    --siteconfigpath="$SITE" "$@" >"$IT_TMP/$n" 2>"$IT_TMP/$n.err"
	rc=$?
	if [ $rc != 0 ]; then
		cat "$IT_TMP/$n.err"
		it_fail "$n: spamassassin exited $rc"
	fi
	SA_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

# sa_verdicts NAME: one line per scanned message, in order:
# "<Mailuminati rules or none>|<X-Spam-Mailuminati value>".
sa_verdicts() {
	awk '
	function out(s, r) {
		gsub(/[ \t]+/, " ", cur)
		if (cur ~ /^X-Spam-Status:/) {
			s = cur; r = ""
			while (match(s, /MAILUMINATI_[A-Z]+/)) {
				r = r (r == "" ? "" : ",") substr(s, RSTART, RLENGTH)
				s = substr(s, RSTART + RLENGTH)
			}
			st[++ns] = (r == "" ? "none" : r)
		} else if (cur ~ /^X-Spam-Mailuminati:/) {
			sub(/^X-Spam-Mailuminati: ?/, "", cur)
			tg[++nt] = cur
		}
	}
	/^[ \t]/ { cur = cur " " $0; next }
	{ out(); cur = $0 }
	END {
		out()
		for (i = 1; i <= ns || i <= nt; i++) print st[i] "|" tg[i]
	}' "$IT_TMP/$1"
}

# expect_verdict NAME INDEX RULES TAG-PATTERN
expect_verdict() {
	v=$(sa_verdicts "$1" | sed -n "${2}p")
	case "$v" in
	"$3|"*) ;;
	*) it_fail "$1 message $2: rules ${v%%|*}, want $3 ($v)" ;;
	esac
	echo "${v#*|}" | grep -Eq -- "$4" || it_fail "$1 message $2: tag ${v#*|}"
}

# sa_took NAME PATTERN: the seconds a failure took, from the plugin's
# message matching PATTERN.
sa_took() {
	sed -n "s/.*info: mailuminati: $2.* (after \([0-9.]*\)s).*/\1/p" \
	    "$IT_TMP/$1.err"
}

RID='request_id=[0-9a-f]{16}'

sa_run lint --lint
if [ -s "$IT_TMP/lint.err" ]; then
	cat "$IT_TMP/lint.err"
	it_fail "lint warnings"
fi

# Before any report: no rule, but an answer from the daemon (action=allow).
sa_run before "$AN_DATA/spam1.eml"
[ "$(sa_verdicts before | wc -l)" = 1 ] ||
	it_fail "before: $(sa_verdicts before)"
expect_verdict before 1 none "^action=allow $RID\$"

an_report 'spam-one@lottery.example' spam
case "$CODE" in 200 | 202) ;; *) it_fail "report: $CODE $BODY" ;; esac

# After the report: spam2 is a near-duplicate, ham1 unrelated.
sa_run after "$AN_DATA/spam2.eml" "$AN_DATA/ham1.eml"
[ "$(sa_verdicts after | wc -l)" = 2 ] ||
	it_fail "after: $(sa_verdicts after)"
expect_verdict after 1 MAILUMINATI_SPAM "^action=spam proximity=1 \
label=local_spam source=local distance=[0-9]+ $RID\$"
expect_verdict after 2 none "^action=allow $RID\$"
# The request id is the daemon's own, as logged with its decision.
rid=$(sa_verdicts after | sed -n '1s/.*request_id=\([0-9a-f]*\).*/\1/p')
grep '"msg":"Local spam detected"' "$IT_TMP/guardian.log" |
    grep -q "\"request_id\":\"$rid\"" ||
	it_fail "request id $rid not in the log"

# Fail open, daemon stopped: connection refused, no rule, no wait.  The
# log is checked per daemon run: shutdown is t_daemon_signals' business.
it_check_log
kill -TERM "$IT_GPID"
wait "$IT_GPID"
mv "$IT_TMP/guardian.log" "$IT_TMP/guardian-1.log"
sa_run stopped -D mailuminati "$AN_DATA/spam2.eml"
expect_verdict stopped 1 none '^error=connect$'
took=$(sa_took stopped 'request to .* Can.t connect')
[ -n "$took" ] ||
	it_fail "no failure message: $(grep mailuminati "$IT_TMP/stopped.err")"
awk -v t="$took" 'BEGIN { exit !(t < 1) }' || it_fail "refused after ${took}s"
refused_ms=$SA_MS

# A scripted endpoint, one answer per connection: none at all (the 1 s
# deadline), not JSON, 503, 2 MiB, spam with a label carrying CR LF and a
# header, allow with proximity_match.  It keeps each request.
cat >"$IT_TMP/fake.pl" <<'PERL'
use strict;
use warnings;
use IO::Socket::INET;
$SIG{PIPE} = 'IGNORE';
my ($port, $dir) = @ARGV;
my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
    Listen => 8, ReuseAddr => 1) or die "listen: $!";
my @answers = (undef, [200, 'not json'],
    [503, '{"error":"Redis unavailable"}'],
    [200, '{"action":"allow","pad":"' . ('x' x (2 << 20)) . '"}'],
    [200, '{"action":"spam","label":"evil\r\nX-Injected: 1",'
        . '"proximity_match":false,"request_id":"0123456789abcdef"}'],
    [200, '{"action":"allow","proximity_match":true,'
        . '"request_id":"fedcba9876543210"}']);
my ($n, @held) = (0);
while (my $c = $s->accept) {
	$n++;
	my $req = '';
	while ($req !~ /\r\n\r\n/) {
		sysread($c, $req, 65536, length $req) or last;
	}
	my ($head, $body) = split(/\r\n\r\n/, $req, 2);
	my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
	$body //= '';
	while (length($body) < ($len // 0)) {
		sysread($c, $body, 65536, length $body) or last;
	}
	for (['head', $head], ['body', $body]) {
		open(my $f, '>', "$dir/req$n.$_->[0]") or die;
		print $f $_->[1];
		close $f;
	}
	my $a = $answers[$n - 1];
	if (!$a) { push @held, $c; next; }
	print $c "HTTP/1.1 $a->[0] X\r\nContent-Type: application/json\r\n"
	    . "Content-Length: " . length($a->[1]) . "\r\n"
	    . "Connection: close\r\n\r\n$a->[1]";
	close $c;
}
PERL
FAKE_PORT=$(it_free_port)
mkdir "$IT_TMP/reqs"
perl "$IT_TMP/fake.pl" "$FAKE_PORT" "$IT_TMP/reqs" &
SA_PIDS="$SA_PIDS $!"
i=0
until ss -Htln "sport = :$FAKE_PORT" | grep -q .; do
	i=$((i + 1))
	[ $i -gt 50 ] && it_fail "scripted endpoint did not start"
	sleep 0.1
done
sa_run fake -D mailuminati \
    --cf="mailuminati_endpoint http://127.0.0.1:$FAKE_PORT/analyze" \
    --cf="mailuminati_timeout 1" \
    "$AN_DATA/spam2.eml" "$AN_DATA/spam1.eml" "$AN_DATA/ham1.eml" \
    "$AN_DATA/spam2.eml" "$AN_DATA/spam1.eml" "$AN_DATA/ham1.eml"
[ "$(sa_verdicts fake | wc -l)" = 6 ] || it_fail "fake: $(sa_verdicts fake)"
expect_verdict fake 1 none '^error=timeout$'
expect_verdict fake 2 none '^error=bad_json$'
expect_verdict fake 3 none '^error=http_503$'
expect_verdict fake 4 none '^error=too_large$'
expect_verdict fake 5 MAILUMINATI_SPAM \
    '^action=spam label=evil__X-Injected:_1 request_id=0123456789abcdef$'
expect_verdict fake 6 MAILUMINATI_SUSPICIOUS \
    '^action=allow proximity=1 request_id=fedcba9876543210$'
if grep -q '^X-Injected' "$IT_TMP/fake"; then
	it_fail "a label added a header"
fi
took=$(sa_took fake 'no answer from .* within 1s')
[ -n "$took" ] ||
	it_fail "no timeout message: $(grep mailuminati "$IT_TMP/fake.err")"
awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t < 2.5) }' ||
	it_fail "deadline of 1 s ended after ${took}s"
for m in 'not a JSON object' 'answered HTTP 503' 'larger than 1048576 bytes'
do
	grep -q "info: mailuminati: .*$m" "$IT_TMP/fake.err" ||
		it_fail "no message '$m'"
done
[ $((SA_MS - refused_ms)) -lt 8000 ] ||
	it_fail "scripted run: ${SA_MS} ms, one refused scan: ${refused_ms} ms"
# One request per message, the message as it came, no token configured.
[ -f "$IT_TMP/reqs/req6.head" ] && [ ! -f "$IT_TMP/reqs/req7.head" ] ||
	it_fail "requests: $(ls "$IT_TMP/reqs")"
cmp -s "$IT_TMP/reqs/req2.body" "$AN_DATA/spam1.eml" ||
	it_fail "body not the message as received"
head -n 1 "$IT_TMP/reqs/req2.head" | grep -q '^POST /analyze HTTP/1\.1' ||
	it_fail "request line: $(head -n 1 "$IT_TMP/reqs/req2.head")"
grep -qi '^Content-Type: text/plain' "$IT_TMP/reqs/req2.head" ||
	it_fail "content type: $(cat "$IT_TMP/reqs/req2.head")"
if grep -qi '^Authorization' "$IT_TMP/reqs/req2.head"; then
	it_fail "a token was sent while none is configured"
fi

# API_TOKEN: the right token gives the hit (and is in no log line), a
# wrong one a 401 and no hit.  The wrong-token run loads the plugin from
# Perl's search path, without the .pre (upstream's layout).
TOKEN=sa-token-0123456789abcdef
it_config "API_TOKEN=$TOKEN"
it_guardian_start 401
echo "mailuminati_token $TOKEN" >"$SITE/token.cf"
sa_run token -D all "$AN_DATA/spam2.eml"
expect_verdict token 1 MAILUMINATI_SPAM "label=local_spam .*$RID\$"
if grep -q "$TOKEN" "$IT_TMP/token.err" "$IT_TMP/token"; then
	it_fail "the token was logged"
fi

UPSITE=$IT_TMP/sa-site-inc
mkdir -p "$UPSITE" "$IT_TMP/lib/Mail/SpamAssassin/Plugin"
cp "$SYS_SITE"/*.pre "$UPSITE"/ 2>/dev/null
cp conf/spamassassin/mailuminati.cf "$UPSITE"/
cp conf/spamassassin/Mailuminati.pm "$IT_TMP/lib/Mail/SpamAssassin/Plugin/"
# Without the .pre the options must sort after mailuminati.cf.
sed '/^mailuminati_/d' "$SITE/local.cf" >"$UPSITE/local.cf"
cat >"$UPSITE/zz-mailuminati.cf" <<EOF
mailuminati_endpoint http://127.0.0.1:$GUARDIAN_PORT/analyze
mailuminati_token wrong-token-0123456789
EOF
t0=$(date +%s%N)
HOME=$IT_TMP TMPDIR=$IT_TMP perl -T -w -I"$IT_TMP/lib" "$SA" -L -x \
    -p "$IT_TMP/user_prefs" --siteconfigpath="$UPSITE" -D plugin,mailuminati \
    "$AN_DATA/spam2.eml" >"$IT_TMP/wrong" 2>"$IT_TMP/wrong.err" ||
	it_fail "wrong token: spamassassin exited $?"
grep -q "loading Mail::SpamAssassin::Plugin::Mailuminati from @INC" \
    "$IT_TMP/wrong.err" || it_fail "plugin not loaded from @INC"
expect_verdict wrong 1 none '^error=http_401$'
grep -q 'answered HTTP 401 (check mailuminati_token)' "$IT_TMP/wrong.err" ||
	it_fail "no 401 message"

# spamd user preferences (read "scores only") cannot set the options, and
# a refused token is not echoed.
cat >"$IT_TMP/prefs" <<EOF
mailuminati_token user-secret-0123456789
mailuminati_endpoint http://192.0.2.1/analyze
mailuminati_timeout 100
score MAILUMINATI_SPAM 1.5
EOF
mkdir "$IT_TMP/norules"
out=$(HOME=$IT_TMP perl -T -e '
	use strict;
	use Mail::SpamAssassin;
	my $sa = Mail::SpamAssassin->new({ rules_filename => $ARGV[0],
	    site_rules_filename => $ARGV[1], userprefs_filename => $ARGV[2],
	    dont_copy_prefs => 1, local_tests_only => 1, debug => "all" });
	$sa->init(0);
	$sa->read_scoreonly_config($ARGV[2]);
	my $c = $sa->{conf};
	print join("|", $c->{mailuminati_token}, $c->{mailuminati_endpoint},
	    $c->{mailuminati_timeout}, $c->{scores}{MAILUMINATI_SPAM}), "\n";
	' "$IT_TMP/norules" "$SITE" "$IT_TMP/prefs" 2>"$IT_TMP/prefs.err")
[ "$out" = "$TOKEN|http://127.0.0.1:$GUARDIAN_PORT/analyze|2|1.5" ] ||
	it_fail "user preferences: $out"
grep -q 'mailuminati_token is a site setting' "$IT_TMP/prefs.err" ||
	it_fail "no message for the refused token"
if grep -q "user-secret" "$IT_TMP/prefs.err"; then
	it_fail "a refused token was logged"
fi

it_check_log
echo ok
