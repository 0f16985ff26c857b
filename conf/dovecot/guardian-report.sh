#!/bin/sh
# guardian-report.sh spam|ham
#
# Run by Dovecot's sieve "pipe" (IMAPSieve) when a user moves mail into or
# out of the Junk folder: reads the message on stdin and posts
#   {"message-id":"<id>","report_type":"spam|ham"}
# to mailuminati-guardian's /report.
#
# Configuration: /etc/mailuminati-guardian/report.conf (KEY=VALUE lines,
# read as data, never sourced; another file with GUARDIAN_REPORT_CONF),
# then the environment, then the defaults (a value in the file wins, as
# in guardian.conf):
#   GUARDIAN_URL      http://127.0.0.1:12421 (the daemon's base URL)
#   GUARDIAN_TOKEN    unset (sent as "Authorization: Bearer" when set)
#   GUARDIAN_TIMEOUT  5 (seconds for the whole request, 1..60)
#
# Always exits 0: a failed report must never fail the user's IMAP command.
# What was reported and the answer go to syslog (logger -t guardian-report,
# facility mail), or to stderr when logger cannot be used.

# Dovecot starts pipe programs with an empty environment: no PATH.
PATH=${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
# Bytes, not characters: the Message-ID is handled byte by byte.
LC_ALL=C
export PATH LC_ALL

# Headers beyond this are not looked at; the rest of the message is read
# and thrown away, never held in memory.
max_header=262144
# A longer id cannot be a real Message-ID (the daemon takes 64 KiB bodies).
max_id=16384

log() {
	pri=$1
	shift
	if command -v logger >/dev/null 2>&1 &&
	    logger -t guardian-report -p "mail.$pri" "$*" 2>/dev/null &&
	    [ -S /dev/log ]; then
		return 0
	fi
	# No syslog socket (util-linux logger then drops the line and still
	# exits 0): stderr, which Dovecot writes to its log.
	printf 'guardian-report: %s\n' "$*" >&2
}

# Reads the rest of stdin so that Dovecot's write does not fail with
# EPIPE (it logs an error and marks the sieve script failed).
drain() {
	cat >/dev/null 2>&1
}

# conf_value FILE KEY: the last value of KEY in FILE.  Spaces around the
# key and the value are ignored, one pair of surrounding quotes is
# removed, '#' starts a comment line.  Nothing is expanded or executed.
conf_value() {
	awk -v k="$2" '
	{ sub(/\r$/, "") }
	/^[ \t]*#/ { next }
	{
		i = index($0, "=")
		if (i == 0)
			next
		key = substr($0, 1, i - 1)
		val = substr($0, i + 1)
		gsub(/^[ \t]+|[ \t]+$/, "", key)
		gsub(/^[ \t]+|[ \t]+$/, "", val)
		if (key != k)
			next
		n = length(val)
		if (n >= 2 && (val ~ /^".*"$/ || val ~ /^'\''.*'\''$/))
			val = substr(val, 2, n - 2)
		v = val
	}
	END { printf "%s", v }' "$1" 2>/dev/null
}

# The first Message-ID field of the header section, unfolded the way the
# daemon reads it when /analyze stores the scan record (its SHA-1 names
# the record): continuation lines trimmed and joined with one space, a
# line without a colon glued to the field before it, one space before
# the colon tolerated, the name compared without case.  Printed escaped
# for a JSON string.  Stops at the first empty line (LF or CRLF).
extract_id() {
	awk '
	function trim(s) {
		sub(/^[ \t\r\n]+/, "", s)
		sub(/[ \t\r\n]+$/, "", s)
		return s
	}
	# Returns 1 once the Message-ID field has been seen.
	function field(line,   i, name, c, j) {
		line = trim(line)
		i = index(line, ":")
		if (i <= 1)
			return 0
		name = substr(line, 1, i - 1)
		for (j = 1; j <= length(name); j++) {
			c = substr(name, j, 1)
			if (!(c in namebyte))
				return 0
		}
		if (tolower(name) != "message-id")
			return 0
		id = substr(line, i + 1)
		sub(/^[ \t]+/, "", id)
		return 1
	}
	function jesc(s,   out, i, c) {
		out = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\")
				out = out "\\\\"
			else if (c == "\"")
				out = out "\\\""
			else if (c in ctl)
				out = out ctl[c]
			else
				out = out c
		}
		return out
	}
	BEGIN {
		for (i = 1; i < 32; i++)
			ctl[sprintf("%c", i)] = sprintf("\\u%04x", i)
		ctl[sprintf("%c", 127)] = "\\u007f"
		for (i = 33; i < 127; i++)
			if (i != 58)
				namebyte[sprintf("%c", i)] = 1
		cur = ""
		have = 0
		first = 1
		found = 0
	}
	{ sub(/\r$/, "") }
	$0 == "" { exit }
	{
		c = substr($0, 1, 1)
		if (c == " " || c == "\t" || c == "\r") {
			cur = cur " " trim($0)
			have = 1
			next
		}
		i = index($0, ":")
		if (i == 1)
			next
		if (i == 0) {
			cur = cur " " $0
			have = 1
			next
		}
		if (have) {
			# A header that starts with a continuation: the daemon
			# refuses the message, there is no scan record.
			if (first)
				exit
			if (field(cur)) {
				found = 1
				exit
			}
		}
		if (substr($0, i - 1, 1) == " ")
			cur = substr($0, 1, i - 2) substr($0, i)
		else
			cur = $0
		have = 1
		first = 0
	}
	END {
		if (!found && have && !first)
			found = field(cur)
		if (found)
			printf "%s", jesc(id)
	}'
}

type=$1
case "$type" in
spam | ham) ;;
*)
	drain
	log err "usage: guardian-report.sh spam|ham (got \"$type\"), nothing reported"
	exit 0
	;;
esac

id=$(head -c "$max_header" | extract_id)
drain

# Dovecot sets USER to the mail user: it names who reported.
who=
if [ -n "${USER:-}" ]; then
	who=" (user $(printf '%s' "$USER" | tr -d '\000-\037'))"
fi

if [ -z "$id" ]; then
	log info "$type$who: message without a Message-ID, nothing reported"
	exit 0
fi
if [ "${#id}" -gt "$max_id" ]; then
	log warning "$type$who: Message-ID longer than $max_id bytes, nothing reported"
	exit 0
fi

conf=${GUARDIAN_REPORT_CONF:-/etc/mailuminati-guardian/report.conf}
if [ -r "$conf" ]; then
	for key in GUARDIAN_URL GUARDIAN_TOKEN GUARDIAN_TIMEOUT; do
		val=$(conf_value "$conf" "$key")
		[ -n "$val" ] || continue
		case "$key" in
		GUARDIAN_URL) GUARDIAN_URL=$val ;;
		GUARDIAN_TOKEN) GUARDIAN_TOKEN=$val ;;
		GUARDIAN_TIMEOUT) GUARDIAN_TIMEOUT=$val ;;
		esac
	done
elif [ -e "$conf" ]; then
	log warning "$conf is not readable by $(id -un 2>/dev/null), using the environment and defaults"
fi

url=${GUARDIAN_URL:-http://127.0.0.1:12421}
while :; do
	case "$url" in
	*/) url=${url%/} ;;
	*) break ;;
	esac
done
case "$url" in
http://?* | https://?*) ;;
*)
	log err "$type report of $id$who: GUARDIAN_URL must start with http:// or https://, nothing reported"
	exit 0
	;;
esac

timeout=${GUARDIAN_TIMEOUT:-5}
case "$timeout" in
'' | *[!0-9]*) timeout=5 ;;
esac
[ "$timeout" -ge 1 ] && [ "$timeout" -le 60 ] || timeout=5
ctimeout=2
[ "$timeout" -lt "$ctimeout" ] && ctimeout=$timeout

token=${GUARDIAN_TOKEN:-}
case "$token" in
*[[:cntrl:]]*)
	log err "$type report of $id$who: GUARDIAN_TOKEN contains a control character, nothing reported"
	exit 0
	;;
esac
# curl's config syntax: backslash and double quote escaped in a quoted
# string.
token=$(printf '%s' "$token" | sed 's/[\\"]/\\&/g')

if ! command -v curl >/dev/null 2>&1; then
	log err "$type report of $id$who: curl not found, nothing reported"
	exit 0
fi

json="{\"message-id\":\"$id\",\"report_type\":\"$type\"}"
# The token travels in curl's config read from stdin (printf is a shell
# builtin), never on a command line that ps shows.  -q first: no
# ~/.curlrc of the mail user changes the request.
resp=$(
	if [ -n "$token" ]; then
		printf 'header = "Authorization: Bearer %s"\n' "$token"
	fi | curl -q -sS -K - --proto =http,https --max-redirs 0 \
	    --connect-timeout "$ctimeout" --max-time "$timeout" \
	    -H 'Content-Type: application/json' -A guardian-report \
	    --data-binary "$json" -w "\\n%{http_code}" "$url/report" 2>&1
)
rc=$?
code=$(printf '%s\n' "$resp" | tail -n 1)
body=$(printf '%s\n' "$resp" | sed '$d' | tr -d '\000-\037' | cut -c1-200)

if [ "$rc" -ne 0 ]; then
	log err "$type report of $id$who: request to $url/report failed (curl exit $rc): $body"
	exit 0
fi
case "$code" in
2?? | 409)
	log info "$type report of $id$who: HTTP $code $body"
	;;
*)
	log warning "$type report of $id$who: HTTP $code $body"
	;;
esac
exit 0
