#!/bin/sh
# Dovecot IMAPSieve reporting (conf/dovecot): a private Dovecot
# configuration built from 90-mailuminati.conf, the sieve scripts compiled
# with sievec, and preauthenticated IMAP sessions of the imap binary (run
# as nobody when the test runs as root) that MOVE, COPY and APPEND mail
# into and out of Junk; the reports must reach the daemon and change its
# verdicts.  Then guardian-report.sh alone: folded, upper-case and CRLF
# Message-ID headers, a Message-ID that tries to inject JSON keys, no
# Message-ID, the daemon down or not answering.  The daemon requires
# API_TOKEN throughout: the token must travel in every report, never on
# a command line.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh

SCRIPT=conf/dovecot/guardian-report.sh
DV_IMAP=
for p in ${DOVECOT_IMAP:-} /usr/lib/dovecot/imap /usr/libexec/dovecot/imap \
    /usr/local/libexec/dovecot/imap; do
	if [ -x "$p" ]; then
		DV_IMAP=$p
		break
	fi
done
[ -n "$DV_IMAP" ] || it_skip "dovecot's imap binary not found"
command -v sievec >/dev/null 2>&1 || it_skip "sievec not installed"
command -v doveconf >/dev/null 2>&1 || it_skip "doveconf not installed"
# Run as root, imap wants mail_uid to drop privileges to: the mail side
# runs as nobody instead.
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || it_skip "setpriv not installed"
	id nobody >/dev/null 2>&1 || it_skip "no user nobody"
	MUSER=nobody
	AS_MAIL="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody) --clear-groups"
else
	MUSER=$(id -un)
	AS_MAIL=
fi
REAL_CURL=$(command -v curl)

# API_TOKEN from the start (with a quote and a backslash, which curl's
# config syntax must escape): every report carries it.
TOKEN='tok"en\-0123456789-abcdef'
it_setup
it_redis_start
it_config "ORACLE_URL=http://127.0.0.1:9" "ORACLE_TIMEOUT=2" "API_TOKEN=$TOKEN"
it_guardian_start 401
BH_PID=
RUN_PID=
dv_cleanup() {
	[ -n "$RUN_PID" ] && kill -KILL "$RUN_PID" 2>/dev/null
	[ -n "$BH_PID" ] && kill -KILL "$BH_PID" 2>/dev/null
	it_cleanup
}
trap dv_cleanup EXIT

# The mail user's home: Maildir, Dovecot's base_dir, the installed files
# (lib/ stands for /usr/local/lib/mailuminati-guardian) and the logs.
MH=$IT_TMP/mail
LOG=$MH/log/report.log
mkdir -p "$MH/lib/bin" "$MH/lib/sieve" "$MH/fakebin" "$MH/log" "$MH/run" ||
	it_fail "mkdir"
cp conf/dovecot/report-spam.sieve conf/dovecot/report-ham.sieve \
    "$MH/lib/sieve/" || it_fail "copy sieve scripts"
cp "$SCRIPT" "$MH/lib/guardian-report.sh" || it_fail "copy script"
sed "s|/usr/local/lib/mailuminati-guardian|$MH/lib|g" \
    conf/dovecot/90-mailuminati.conf >"$MH/90-mailuminati.conf"
grep -q "file:$MH/lib/sieve/report-ham.sieve" "$MH/90-mailuminati.conf" ||
	it_fail "90-mailuminati.conf does not use /usr/local/lib/mailuminati-guardian"
cat >"$MH/dovecot.conf" <<EOF
ssl = no
base_dir = $MH/run
mail_location = maildir:$MH/Maildir
!include $MH/90-mailuminati.conf
EOF
# Dovecot starts pipe programs with only USER, HOME and HOST set: this
# stand-in for the installed program points the real one at the test's
# configuration and at a logger that writes to a file (no syslog here).
cat >"$MH/lib/bin/guardian-report.sh" <<EOF
#!/bin/sh
GUARDIAN_REPORT_CONF=$MH/report.conf
PATH=$MH/fakebin:/usr/local/bin:/usr/bin:/bin
export GUARDIAN_REPORT_CONF PATH
exec /bin/sh $MH/lib/guardian-report.sh "\$@"
EOF
cat >"$MH/fakebin/logger" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>$LOG
EOF
# curl's command line, as ps shows it, then the real curl.
cat >"$MH/fakebin/curl" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>$MH/log/curl.args
exec $REAL_CURL "\$@"
EOF
chmod 755 "$MH/lib/bin/guardian-report.sh" "$MH/fakebin/logger" \
    "$MH/fakebin/curl"
printf 'GUARDIAN_URL=http://127.0.0.1:%s\nGUARDIAN_TOKEN=%s\n' \
    "$GUARDIAN_PORT" "$TOKEN" >"$MH/report.conf"
: >"$LOG"
: >"$MH/log/curl.args"
if [ -n "$AS_MAIL" ]; then
	chown -R "$MUSER:$(id -g nobody)" "$MH" || it_fail "chown"
fi

moddir=$(doveconf -c "$MH/dovecot.conf" -h mail_plugin_dir 2>/dev/null)
[ -f "$moddir/lib95_imap_sieve_plugin.so" ] ||
	it_skip "dovecot's imap_sieve plugin not installed"
for m in imapsieve extprograms; do
	[ -f "$moddir/sieve/lib90_sieve_${m}_plugin.so" ] ||
		it_skip "pigeonhole's sieve_$m plugin not installed"
done
for s in spam ham; do
	$AS_MAIL env -i HOME="$MH" PATH=/usr/bin:/bin sievec \
	    -c "$MH/dovecot.conf" "$MH/lib/sieve/report-$s.sieve" \
	    >>"$MH/log/sievec" 2>&1 ||
		it_fail "sievec report-$s.sieve: $(cat "$MH/log/sievec")"
done

# imap_session NAME COUNT: runs the IMAP commands in $MH/NAME.imap (CRLF
# lines) in one preauthenticated session as the mail user; each of the
# COUNT tagged answers must be OK.  stdin must be a pipe, not a file.
imap_session() {
	to=
	command -v timeout >/dev/null 2>&1 && to="timeout 20"
	cat "$MH/$1.imap" | $to $AS_MAIL env -i USER="$MUSER" HOME="$MH" \
	    PATH=/usr/bin:/bin "$DV_IMAP" -c "$MH/dovecot.conf" \
	    >"$MH/log/$1.out" 2>>"$MH/log/dovecot.log"
	ok=$(grep -c '^t[0-9A-Z]* OK' "$MH/log/$1.out")
	if [ "$ok" != "$2" ]; then
		cat "$MH/log/$1.out" "$MH/log/dovecot.log"
		it_fail "IMAP session $1: $ok of $2 commands OK"
	fi
}

# imap_append MAILBOX FILE: an APPEND command with a non-synchronizing
# literal (LITERAL+), on stdout.
imap_append() {
	printf 'tA APPEND %s {%d+}\r\n' "$1" "$(wc -c <"$2")"
	cat "$2"
	printf '\r\n'
}

# an_analyze with the token.
dv_analyze() {
	an_analyze "$1" -H "X-Guardian-Token: $TOKEN"
}

rpt() {
	an_redis EXISTS "mi:rpt:$(an_sha1 "$1"):$2"
}

crlf() {
	awk '{ printf "%s\r\n", $0 }' "$@"
}

# Mail is sent over IMAP with CRLF line ends.
crlf $AN_DATA/spam1.eml >"$IT_TMP/spam1.crlf"
crlf $AN_DATA/spam2.eml >"$IT_TMP/spam2.crlf"
crlf $AN_DATA/ham1.eml >"$IT_TMP/ham1.crlf"

# Scan records first; spam2 is not spam yet.
dv_analyze $AN_DATA/spam1.eml
an_expect 200 '"action":"allow"' "spam1 before any report"
dv_analyze $AN_DATA/ham1.eml
an_expect 200 '"action":"allow"' "ham1"
dv_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"allow"' "spam2 before the report"

# MOVE spam1 into Junk (a COPY cause for IMAPSieve), COPY ham1 into Junk.
{
	printf 't1 CREATE Junk\r\nt2 CREATE Trash\r\n'
	imap_append INBOX "$IT_TMP/spam1.crlf"
	imap_append INBOX "$IT_TMP/ham1.crlf"
	printf 't3 SELECT INBOX\r\nt4 UID MOVE 1 Junk\r\nt5 UID COPY 2 Junk\r\n'
	printf 't6 LOGOUT\r\n'
} >"$MH/into.imap"
imap_session into 8
[ "$(rpt '<spam-one@lottery.example>' spam)" = 1 ] ||
	it_fail "MOVE into Junk: no spam report (log: $(cat "$LOG"))"
[ "$(rpt '<ham-one@example.org>' spam)" = 1 ] ||
	it_fail "COPY into Junk: no spam report (log: $(cat "$LOG"))"
[ -z "$(an_redis --scan --pattern 'mi:rpt:*:ham')" ] ||
	it_fail "a ham report while moving into Junk"
grep -q "mail.info spam report of <spam-one@lottery.example> (user $MUSER): HTTP 20[02] " \
    "$LOG" || it_fail "report not logged: $(cat "$LOG")"
dv_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"spam","label":"local_spam"' \
    "spam2 after spam1 was moved into Junk"

# Out of Junk: ham1's copy to Trash (deleted, not ham), spam1 back to the
# inbox (ham).
printf 't1 SELECT Junk\r\nt2 UID MOVE 2 Trash\r\nt3 UID MOVE 1 INBOX\r\nt4 LOGOUT\r\n' \
    >"$MH/out.imap"
imap_session out 4
[ "$(rpt '<spam-one@lottery.example>' ham)" = 1 ] ||
	it_fail "MOVE out of Junk: no ham report (log: $(cat "$LOG"))"
[ "$(rpt '<ham-one@example.org>' ham)" = 0 ] ||
	it_fail "Junk to Trash was reported as ham"
grep -q 'ham report of <ham-one' "$LOG" && it_fail "Junk to Trash reported"
dv_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"allow","proximity_match":true' \
    "spam2 after spam1 was moved out of Junk"

# APPEND into Junk is reported too; a large message is not read into
# memory, and Dovecot must not see its write fail (EPIPE).
{
	printf 'Message-ID: <big-1@example.org>\r\n'
	grep -v '^Message-ID:' "$IT_TMP/spam1.crlf" | awk '{ print } /^\r$/ { exit }'
	head -c 3000000 /dev/zero | tr '\0' 'x' | fold -w 998 | crlf
} >"$IT_TMP/big.crlf"
{
	imap_append Junk "$IT_TMP/spam2.crlf"
	imap_append Junk "$IT_TMP/big.crlf"
	printf 't1 LOGOUT\r\n'
} >"$MH/append.imap"
imap_session append 3
[ "$(rpt '<spam-two@lottery.example>' spam)" = 1 ] ||
	it_fail "APPEND into Junk: no spam report (log: $(cat "$LOG"))"
grep -q "mail.warning spam report of <big-1@example.org> (user $MUSER): HTTP 404 " "$LOG" ||
	it_fail "large message: $(cat "$LOG")"
if grep -E 'Error|Fatal|Panic|Warning' "$MH/log/dovecot.log"; then
	it_fail "Dovecot logged errors"
fi

# guardian-report.sh alone, as the wrapper runs it.  rep TYPE FILE
# [VAR=VALUE...]: sets RC and NEW (its log lines).
rep() {
	t=$1
	f=$2
	shift 2
	mark=$(wc -l <"$LOG")
	env PATH="$MH/fakebin:$PATH" USER=tester \
	    GUARDIAN_REPORT_CONF="$MH/report.conf" \
	    "$@" sh "$SCRIPT" "$t" <"$f" 2>>"$MH/log/stderr"
	RC=$?
	NEW=$(tail -n +"$((mark + 1))" "$LOG")
}
# mkmsg FILE HEADER...: ham1 with its Message-ID replaced by the headers.
mkmsg() {
	out=$1
	shift
	{
		printf '%s\n' "$@"
		sed '/^Message-ID:/d' $AN_DATA/ham1.eml
	} >"$out"
}

# Folded, upper-case name.
mkmsg "$IT_TMP/fold.eml" 'MESSAGE-ID:' '   <fold-1@example.org>'
dv_analyze "$IT_TMP/fold.eml"
rep spam "$IT_TMP/fold.eml"
[ "$RC" = 0 ] || it_fail "folded: exit $RC"
[ "$(rpt '<fold-1@example.org>' spam)" = 1 ] || it_fail "folded: $NEW"

# CRLF, name in mixed case, folded with a tab; a Message-ID in the body
# is not a header.
mkmsg "$IT_TMP/crlf.lf" 'Message-Id:' '	<crlf-1@example.org>'
echo 'Message-ID: <body-1@example.org>' >>"$IT_TMP/crlf.lf"
crlf "$IT_TMP/crlf.lf" >"$IT_TMP/crlf.eml"
dv_analyze "$IT_TMP/crlf.eml"
rep spam "$IT_TMP/crlf.eml"
[ "$(rpt '<crlf-1@example.org>' spam)" = 1 ] || it_fail "CRLF: $NEW"

# No Message-ID header (one in the body): no request, exit 0, logged.
sed '/^Message-ID:/d' $AN_DATA/ham1.eml >"$IT_TMP/noid.eml"
echo 'Message-ID: <body-2@example.org>' >>"$IT_TMP/noid.eml"
calls=$(wc -l <"$MH/log/curl.args")
rep spam "$IT_TMP/noid.eml"
[ "$RC" = 0 ] || it_fail "no Message-ID: exit $RC"
[ "$(wc -l <"$MH/log/curl.args")" = "$calls" ] ||
	it_fail "no Message-ID: a request was made"
echo "$NEW" | grep -q '^-t guardian-report -p mail.info spam (user tester): message without a Message-ID' ||
	it_fail "no Message-ID: not logged ($NEW)"

# A Message-ID that would add keys to a JSON body built without escaping
# (with a backslash and a tab): reported as itself, once, as spam.
tab=$(printf '\t')
inj="<inj-1\\$tab\"x@example.org>\", \"report_type\": \"ham\", \"message-id\": \"<other-1@example.org>"
mkmsg "$IT_TMP/inj.eml" "Message-ID: $inj"
dv_analyze "$IT_TMP/inj.eml"
an_expect 200 '"hashes":\["T1' "injection message"
before=$(an_redis --scan --pattern 'mi:rpt:*' | wc -l)
rep spam "$IT_TMP/inj.eml"
[ "$(rpt "$inj" spam)" = 1 ] || it_fail "injection: not reported as itself: $NEW"
[ "$(an_redis --scan --pattern 'mi:rpt:*' | wc -l)" = $((before + 1)) ] ||
	it_fail "injection: more than one report"
[ "$(rpt "$inj" ham)" = 0 ] || it_fail "injection: became a ham report"
[ -z "$(an_redis --scan --pattern "mi:rpt:$(an_sha1 '<other-1@example.org>'):*")" ] ||
	it_fail "injection: reported another Message-ID"

# The daemon down: exit 0 at once, the failure logged.
start=$(date +%s)
rep spam "$IT_TMP/fold.eml" GUARDIAN_REPORT_CONF=/dev/null \
    GUARDIAN_URL="http://127.0.0.1:$(it_free_port)"
[ "$RC" = 0 ] || it_fail "daemon down: exit $RC"
[ $(($(date +%s) - start)) -le 2 ] || it_fail "daemon down: not prompt"
echo "$NEW" | grep -q 'mail.err spam report of <fold-1@example.org> (user tester): request to .* failed (curl exit 7)' ||
	it_fail "daemon down: not logged ($NEW)"

# Without the token: 401, logged, nothing reported.
mkmsg "$IT_TMP/tok.eml" 'Message-ID: <token-1@example.org>'
dv_analyze "$IT_TMP/tok.eml"
an_expect 200 '"hashes":\["T1' "token message"
echo "GUARDIAN_URL=http://127.0.0.1:$GUARDIAN_PORT" >"$MH/notoken.conf"
rep spam "$IT_TMP/tok.eml" GUARDIAN_REPORT_CONF="$MH/notoken.conf"
echo "$NEW" | grep -q 'mail.warning spam report of <token-1@example.org> (user tester): HTTP 401 ' ||
	it_fail "without the token: $NEW"
[ "$(rpt '<token-1@example.org>' spam)" = 0 ] || it_fail "401 but reported"
printf 'GUARDIAN_URL = "http://127.0.0.1:%s/"\nGUARDIAN_TOKEN=%s\n' \
    "$GUARDIAN_PORT" "$TOKEN" >"$MH/token.conf"
# Not code: a file that runs something when sourced.
echo "GUARDIAN_TIMEOUT=\$(touch $IT_TMP/sourced)" >>"$MH/token.conf"
rep spam "$IT_TMP/tok.eml" GUARDIAN_REPORT_CONF="$MH/token.conf"
echo "$NEW" | grep -q 'mail.info spam report of <token-1@example.org> (user tester): HTTP 20[02] ' ||
	it_fail "with the token: $NEW"
[ "$(rpt '<token-1@example.org>' spam)" = 1 ] || it_fail "token: not reported"
[ ! -e "$IT_TMP/sourced" ] || it_fail "report.conf was executed"
[ "$(grep -c '/report$' "$MH/log/curl.args")" -ge 10 ] ||
	it_fail "curl's command lines were not recorded"
grep -qF -- "-0123456789-" "$MH/log/curl.args" &&
	it_fail "the token is on curl's command line"

# A daemon that accepts and never answers: GUARDIAN_TIMEOUT bounds the
# wait; meanwhile no process shows the token in its arguments.
if command -v perl >/dev/null 2>&1; then
	bh=$(it_free_port)
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
	        Listen => 8, ReuseAddr => 1) or exit 1;
	    print STDOUT "up\n"; close STDOUT; sleep 30' "$bh" >"$IT_TMP/bh" &
	BH_PID=$!
	i=0
	until [ -s "$IT_TMP/bh" ]; do
		i=$((i + 1))
		[ $i -gt 50 ] && it_fail "listener did not start"
		sleep 0.1
	done
	printf 'GUARDIAN_URL=http://127.0.0.1:%s\nGUARDIAN_TOKEN=%s\nGUARDIAN_TIMEOUT=1\n' \
	    "$bh" "$TOKEN" >"$MH/bh.conf"
	start=$(date +%s)
	rep spam "$IT_TMP/tok.eml" GUARDIAN_REPORT_CONF="$MH/bh.conf" &
	RUN_PID=$!
	seen=0
	i=0
	while kill -0 "$RUN_PID" 2>/dev/null && [ $i -lt 100 ]; do
		args=$(ps -eo args)
		case "$args" in
		*"127.0.0.1:$bh/report"*) seen=1 ;;
		esac
		case "$args" in
		*-0123456789-*) it_fail "the token is visible in ps" ;;
		esac
		i=$((i + 1))
		sleep 0.05
	done
	wait "$RUN_PID"
	RUN_PID=
	[ "$seen" = 1 ] || it_fail "curl was never seen waiting"
	[ $(($(date +%s) - start)) -le 4 ] || it_fail "GUARDIAN_TIMEOUT not applied"
	tail -n 1 "$LOG" | grep -q 'request to .* failed (curl exit 28)' ||
		it_fail "timeout not logged: $(tail -n 1 "$LOG")"
fi

it_check_log
echo ok
