#!/bin/sh
# HTML on which the packaged libgumbo fails an assertion and aborts: the
# worker answers (the parse counts as failed: 400 Invalid MIME with the
# reason logged) instead of dying, keeps its pid, and serves the next
# message.  The sandbox is on, so the abort path must stay within it.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
an_start "WORKERS=1"

workers=$(it_children worker)
[ -n "$workers" ] || it_fail "no worker"
printf 'From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\nMessage-ID: <gumbo@example.com>\r\nContent-Type: text/html\r\n\r\n<table><svg><title><![CDATA[m]]>a\r\n' \
    >"$IT_TMP/bad.eml"
for i in 1 2 3; do
	an_analyze "$IT_TMP/bad.eml"
	an_expect 400 '"error":"Invalid MIME"' "gumbo abort $i"
done
an_analyze $AN_DATA/ham1.eml
an_expect 200 '"action":"allow"' "after the aborts"
[ "$(it_children worker)" = "$workers" ] || it_fail "the worker was replaced"
grep -q '"msg":"Invalid MIME".*HTML could not be rendered' "$IT_TMP/guardian.log" ||
	it_fail "no log line with the reason"
it_check_log
