#!/bin/sh
# Checks, and with "install" installs, what growth needs to build and test:
#   build: pkg-config, libunwind, zstd, zlib, libdw (elfutils)
#   tests: g++, Go (cgo, go tool pprof), zstd CLI, python3, chromium (HTML report), man-db
# Usage: tests/deps.sh check|install
set -u
mode=${1:-check}
pkgs="pkg-config libunwind-dev libzstd-dev zlib1g-dev libdw-dev libelf-dev zstd g++ golang-go python3 man-db groff-base"
# Wanted by some tests, which skip without them: installed when possible, never required.
optional="chromium"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
opt_missing=""
for p in $optional; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || opt_missing="$opt_missing $p"
done
if [ -n "$opt_missing" ] && [ "$mode" = install ] && [ "$(id -u)" = 0 ]; then
	echo "growth: installing (optional)$opt_missing" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends$opt_missing >/dev/null ||
		echo "growth: could not install$opt_missing; the tests that need it will skip" >&2
fi
[ -z "$missing" ] && exit 0
if [ "$mode" != install ]; then
	echo "growth: missing packages:$missing (run 'make deps')" >&2
	exit 1
fi
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo apt-get update -qq && sudo env DEBIAN_FRONTEND=noninteractive $cmd
		exit $?
	fi
	echo "growth: missing packages:$missing" >&2
	echo "growth: install them as root with: apt-get update && $cmd" >&2
	exit 1
fi
echo "growth: installing$missing" >&2
apt-get update -qq && DEBIAN_FRONTEND=noninteractive $cmd >/dev/null
