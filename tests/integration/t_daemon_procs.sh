#!/bin/sh
# Process tree and roles in ps, and the sandbox state of every child:
# seccomp filter loaded (Seccomp: 2) and no_new_privs set.  As root the
# children also run as RUN_AS_USER and workers are chrooted.
. tests/integration/lib.sh
it_setup
it_redis_start
it_guardian_start

it_wait_children worker 2 || it_fail "expected 2 workers: $(ps -o pid,args --ppid $IT_GPID)"
it_wait_children learner 1 || it_fail "expected 1 learner"
it_wait_children oracle-proxy 1 || it_fail "expected 1 oracle-proxy"
args=$(ps -o args= -p "$IT_GPID")
[ "$args" = "mailuminati-guardian: master" ] || it_fail "master title: '$args'"
[ "$(it_children_all | wc -l)" -eq 4 ] || it_fail "unexpected children"
grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$IT_GPID/status ||
	it_fail "master lacks no_new_privs"

for p in $(it_children_all); do
	role=$(ps -o args= -p "$p")
	grep -q '^Seccomp:[[:space:]]*2' /proc/$p/status ||
		it_fail "$role ($p) has no seccomp filter"
	grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$p/status ||
		it_fail "$role ($p) lacks no_new_privs"
	if [ "$(id -u)" = 0 ]; then
		uid=$(awk '/^Uid:/ { print $2 }' /proc/$p/status)
		[ "$uid" = "$(id -u nobody)" ] || it_fail "$role runs as uid $uid"
	fi
done
if [ "$(id -u)" = 0 ]; then
	for p in $(it_children worker); do
		root=$(readlink /proc/$p/root)
		[ "$root" = "$IT_TMP/empty" ] || it_fail "worker root is '$root'"
	done
	# Chroot skipped for the others: they keep the real root.
	p=$(it_children learner)
	[ "$(readlink /proc/$p/root)" = / ] || it_fail "learner chrooted"
else
	grep -q 'not started as root' "$IT_TMP/guardian.log" ||
		it_fail "no log line about skipping the chroot"
fi

# Children hold only the descriptors they need: no stray files.
for p in $(it_children worker); do
	n=$(ls /proc/$p/fd | wc -l)
	[ "$n" -lt 20 ] || it_fail "worker $p has $n descriptors"
done
set -- $(it_curl /status)
[ "$1" = 200 ] || it_fail "status $1"
it_check_log
echo ok
