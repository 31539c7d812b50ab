#!/bin/sh
# Checks, and with "install" installs, what growth needs to build and test:
#   build: pkg-config, libunwind, zstd, uthash, libdw (elfutils)
#   tests: g++, Go (cgo), zstd CLI, python3
# Usage: tests/deps.sh check|install
set -u
mode=${1:-check}
pkgs="pkg-config libunwind-dev libzstd-dev uthash-dev libdw-dev libelf-dev zstd g++ golang-go python3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
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
