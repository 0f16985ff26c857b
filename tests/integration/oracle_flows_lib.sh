# Helpers for the t_oracle_*.sh flow tests (sourced after lib.sh,
# analyze_lib.sh and tests/oracle/lib.sh).

# of_wait TENTHS EXPR: waits until the shell expression EXPR succeeds.
of_wait() {
	_of_n=$1
	shift
	_of_i=0
	while ! eval "$*"; do
		_of_i=$((_of_i + 1))
		[ $_of_i -ge "$_of_n" ] && return 1
		kill -0 "$IT_GPID" 2>/dev/null || it_fail "daemon exited"
		sleep 0.1
	done
	return 0
}

# The mirror, one band a line, sorted.
of_mirror() {
	an_redis --scan --pattern 'mi_f:*' | sed 's/^mi_f://' | sort
}

# The Oracle's band set, one a line, sorted.
of_oracle_bands() {
	oracle_state '"\n".join(d["bands"])' | sed '/^$/d' | sort
}

of_node() {
	an_redis GET mi_meta:id
}

# of_variant N: a copy of ham1.eml with its own Message-ID
# <ham-N@example.org> and a line of its own, so its digests are its own.
of_variant() {
	_of_f=$IT_TMP/variant$1.eml
	sed -e "s/ham-one@example.org/ham-$1@example.org/" \
	    -e "s/Lunch on Friday is at the usual place\./Reference $(echo \
	    "$1" | sha1sum | cut -c1-24): lunch on day $1 at the usual place./" \
	    tests/data/analyze/ham1.eml >"$_of_f"
	echo "$_of_f"
}

# of_digest N: the first digest the daemon stored for variant N.
of_digest() {
	an_redis GET "mi:msgid:$(an_sha1 "<ham-$1@example.org>")" |
	    sed -n 's/.*"hashes":\["\([^"]*\)".*/\1/p'
}
