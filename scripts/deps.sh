#!/bin/sh
# Installs the Debian packages needed to build, run and test the daemon when
# any of them is missing.  Runs apt-get through sudo when not root.  The
# test set includes Rspamd, SpamAssassin and Dovecot, whose integrations
# (conf/) the tests run against the real programs; --runtime installs only
# what the daemon needs.
set -eu
PKGS="gcc make pkg-config libevent-dev libevhtp-dev libhiredis-dev
libgmime-3.0-dev libcurl4-openssl-dev libseccomp-dev libjansson-dev
libgumbo-dev libssl-dev libcmocka-dev redis-server curl python3 procps
iproute2 openssl ca-certificates clang libclang-rt-14-dev
rspamd spamassassin libwww-perl libjson-perl dovecot-imapd dovecot-sieve"
[ "${1:-}" = "--runtime" ] && PKGS="gcc make pkg-config libevent-dev
libevhtp-dev libhiredis-dev libgmime-3.0-dev libcurl4-openssl-dev
libseccomp-dev libjansson-dev libgumbo-dev libssl-dev redis-server curl
iproute2 procps ca-certificates"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
