#!/bin/sh
# The oracle-proxy inside the real daemon under SANDBOX=kill: it starts
# with the Oracle named by a host name (resolved inside the sandbox) and
# with an https URL (CA bundle read before the sandbox), survives whatever
# its peers send the Oracle meanwhile, and is restarted with a new
# ORACLE_URL on reload.  The request/answer cases themselves are in
# tests/unit/test_oracle_proxy.c, which drives the same binary.
. tests/integration/lib.sh
. tests/oracle/lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
trap 'oracle_stop; it_cleanup' EXIT
oracle_start "$IT_TMP" --quiet || it_fail "test Oracle did not start"
it_redis_start
it_config "ORACLE_URL=http://localhost:$ORACLE_PORT"
it_guardian_start

it_wait_children oracle-proxy 1 || it_fail "no oracle-proxy"
p=$(it_children oracle-proxy)
grep -q '^Seccomp:[[:space:]]*2' /proc/$p/status ||
	it_fail "oracle-proxy has no seccomp filter"
sleep 2
[ "$(it_children oracle-proxy)" = "$p" ] ||
	it_fail "oracle-proxy restarted: $(grep -i 'oracle' "$IT_TMP/guardian.log" | tail -n 5)"

# Reload onto https: a new proxy reads the CA bundle, then sandboxes.
sed -i '/^ORACLE_URL=/d' "$IT_CONF"
it_config "ORACLE_URL=https://127.0.0.1:1"
kill -HUP "$IT_GPID"
i=0
while [ $i -lt 50 ] && [ "$(it_children oracle-proxy)" = "$p" ]; do
	sleep 0.1; i=$((i + 1))
done
it_wait_children oracle-proxy 1 || it_fail "no oracle-proxy after reload"
q=$(it_children oracle-proxy)
[ -n "$q" ] && [ "$q" != "$p" ] || it_fail "oracle-proxy not replaced"
sleep 1
[ "$(it_children oracle-proxy)" = "$q" ] || it_fail "new oracle-proxy died"
grep -q 'signal 31\|SIGSYS' "$IT_TMP/guardian.log" &&
	it_fail "a process was killed by the sandbox"
set -- $(it_curl /status)
[ "$1" = 200 ] || it_fail "status $1"
it_check_log
