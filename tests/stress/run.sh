#!/bin/sh
# The host-robustness suite (`make stress`; `make test` runs `run.sh --short`): real programs that
# close growth's descriptors, storm it with signals, fork under it, churn threads, dlclose the code
# their stacks point into, allocate outside its life, end abruptly, fill the disk and starve its
# memory. Each runs with and without libgrowth.so under `timeout`: same stdout, same exit status,
# no hang, and every trace it leaves is readable (`growth report --format json` exits 0; `zstd -t`
# accepts it when the program ended cleanly). Prints one line per case; exits 1 if any failed.
# Environment: GROWTH_BUILD (default <repo>/build), GROWTH_STRESS_KEEP=1 keeps the temp dir.
set -u
STRESS_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$STRESS_DIR/../.." && pwd)
BUILD=${GROWTH_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
GROWTH=$BUILD/growth
LIB=$BUILD/libgrowth.so
P=$BUILD/tests/stress
PY=${PYTHON:-python3}
SHORT=0
[ "${1:-}" = --short ] && SHORT=1
ulimit -c 0 2>/dev/null || :

make -s -C "$STRESS_DIR/programs" BUILD="$P" >/dev/null || { echo "FAIL stress: cannot build programs"; exit 1; }
[ -x "$GROWTH" ] && [ -f "$LIB" ] || { echo "FAIL stress: build growth first (make)"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/growth-stress.XXXXXX") || exit 1
MNT=
SYSLIB=
cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	[ -n "$SYSLIB" ] && rm -f "$SYSLIB"
	if [ "${GROWTH_STRESS_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
# Private copies: other builds in the same tree must not swap the library under a running case.
mkdir -p "$TMP/lib" && cp "$LIB" "$TMP/lib/libgrowth.so" && cp "$GROWTH" "$TMP/lib/growth" &&
	LIB=$TMP/lib/libgrowth.so && GROWTH=$TMP/lib/growth
FAILED=0
TO=60
[ $SHORT = 1 ] && TO=30

# pick SHORT LONG: the parameter for this mode.
pick() { if [ $SHORT = 1 ]; then echo "$1"; else echo "$2"; fi; }

bad() {
	echo "FAIL $CASE: $*"
	FAILED=1
	return 1
}

# check_traces DIR CLEAN: every trace in DIR gives a JSON report (kept in $D/r); with CLEAN=1
# zstd -t accepts it.
check_traces() {
	_n=0
	mkdir -p "$D/r"
	for _t in "$1"/*.zst "$1"/*.zst.*; do
		[ -f "$_t" ] || continue
		_n=$((_n + 1))
		_j=$D/r/$(basename "$_t").json
		if ! "$GROWTH" report --format json "$_t" >"$_j" 2>"$_j.err"; then
			head -n 3 "$_j.err"
			bad "growth report $(basename "$_t") exited non-zero"
			return 1
		fi
		if [ "$2" = 1 ] && ! zstd -q -t "$_t" 2>/dev/null; then
			bad "zstd -t rejects $(basename "$_t")"
			return 1
		fi
	done
	NTRACES=$_n
	return 0
}

# run_case NAME CLEAN CMD...: CMD without and with growth (traces in $TMP/NAME/t, the
# application's files in $TMP/NAME/a0 and a1, passed as $APPDIR); same stdout and exit status,
# no timeout, readable traces. Sets $D to the case directory.
run_case() {
	CASE=$1
	_clean=$2
	shift 2
	D=$TMP/$CASE
	mkdir -p "$D/t" "$D/a0" "$D/a1"
	APPDIR=$D/a0 timeout -k 5 $TO "$@" >"$D/out0" 2>"$D/err0"
	_rc0=$?
	# Only the program gets the preload, not timeout: sh execs it with LD_PRELOAD set.
	APPDIR=$D/a1 GROWTH_OUTPUT="$D/t/growth.%e.%p.zst" timeout -k 5 $TO \
		sh -c 'LD_PRELOAD=$0 exec "$@"' "$LIB" "$@" >"$D/out1" 2>"$D/err1"
	_rc1=$?
	[ $_rc1 -ne 124 ] && [ $_rc1 -ne 137 ] || { bad "hung under growth (timeout)"; return 1; }
	[ $_rc0 -eq $_rc1 ] || { cat "$D/err1"; bad "exit status $_rc0 without growth, $_rc1 with"; return 1; }
	cmp -s "$D/out0" "$D/out1" || { diff "$D/out0" "$D/out1" | head; bad "stdout differs under growth"; return 1; }
	check_traces "$D/t" "$_clean" || return 1
	[ "$NTRACES" -ge 1 ] || { bad "no trace written"; return 1; }
	return 0
}

ok() { echo "ok   $CASE${1:+ ($1)}"; }

# json_has DIR EXPR: some trace report in DIR satisfies the Python expression over r.
json_has() {
	"$PY" - "$@" <<'PYEOF'
import glob, json, sys
d, expr = sys.argv[1], sys.argv[2]
for f in glob.glob(d + "/*.json"):
    r = json.load(open(f))
    fns = [fr.get("function") or "" for s in r["sites"] for fr in s["frames"]]
    if eval(expr, {"r": r, "fns": fns}):
        sys.exit(0)
sys.exit(1)
PYEOF
}

# --- daemons that take growth's descriptors -----------------------------------------------------
for mode in close dup2 close_range; do
	if run_case "daemon_$mode" 1 "$P/daemon_fds" $mode "$(pick 100 2000)"; then
		# The program checked its own files (exit 1 otherwise); check again from outside.
		for f in "$D"/a1/app.*.log; do
			if grep -v -q -E '^file [0-9] line [0-9]+$' "$f"; then bad "$(basename "$f") holds foreign bytes"; fi
		done
		json_has "$D/r" '"daemon_alloc" in fns' || bad "daemon_alloc missing from the report"
		[ $FAILED = 0 ] && ok "$NTRACES trace"
	fi
done

# --- signal storms --------------------------------------------------------------------------------
run_case sigstorm 1 "$P/sigstorm" "$(pick 6 16)" "$(pick 1500 8000)" && ok

# --- fork, vfork, posix_spawn, system, exec chains ------------------------------------------------
run_case forkstorm 1 "$P/forkstorm" 4 "$(pick 40 400)" && ok "$NTRACES traces"
if run_case execchain 1 "$P/execchain" 3; then
	[ "$NTRACES" -eq 4 ] && ok "4 traces" || bad "expected 4 traces (one per image), found $NTRACES"
fi
if GROWTH_FOLLOW_EXEC=0 run_case execchain_nofollow 1 "$P/execchain" 3; then
	[ "$NTRACES" -eq 1 ] && ok "1 trace" || bad "GROWTH_FOLLOW_EXEC=0: expected 1 trace, found $NTRACES"
fi

# --- threads ---------------------------------------------------------------------------------------
GROWTH_INTERVAL_MS=5 run_case threadchurn 1 "$P/threadchurn" "$(pick 800 20000)" && ok

# --- the same in sampled mode: its pass-through tests run before growth knows libc is resolved ----
GROWTH_SAMPLE=4K run_case sigstorm_sampled 1 "$P/sigstorm" "$(pick 6 16)" "$(pick 1500 8000)" && ok
GROWTH_SAMPLE=4K run_case forkstorm_sampled 1 "$P/forkstorm" 4 "$(pick 40 400)" && ok "$NTRACES traces"
GROWTH_SAMPLE=4K GROWTH_INTERVAL_MS=5 run_case threadchurn_sampled 1 "$P/threadchurn" "$(pick 800 20000)" && ok
for mode in exit abort; do
	clean=1
	[ $mode = exit ] || clean=0
	GROWTH_SAMPLE=4K run_case "early_${mode}_sampled" $clean "$P/early" $mode && ok
done

# --- dlopen / dlclose --------------------------------------------------------------------------------
if run_case dlloop 1 "$P/dlloop" "$P/libdlalloc.so" "$(pick 50 2000)"; then
	json_has "$D/r" '"dlalloc_leak" in fns' && ok || bad "dlalloc_leak (in the dlclosed library) not symbolized"
fi

# --- allocation outside growth's life, abrupt endings -------------------------------------------------
for mode in exit _exit abort exit_group; do
	clean=1
	[ $mode = exit ] || clean=0
	run_case "early_$mode" $clean "$P/early" $mode && ok
done
# libearly.so preloaded before libgrowth.so: its constructor runs first.
CASE=early_preload_first
D=$TMP/$CASE
mkdir -p "$D/t"
GROWTH_OUTPUT="$D/t/growth.%e.%p.zst" timeout -k 5 $TO \
	sh -c 'LD_PRELOAD=$0 exec "$@"' "$P/libearly.so $LIB" "$P/early" exit >"$D/out1" 2>"$D/err1"
rc=$?
if [ $rc -ne 0 ]; then bad "exited $rc"; elif check_traces "$D/t" 1; then ok; fi

# --- the disk fills ----------------------------------------------------------------------------------
CASE=disk_full
D=$TMP/$CASE
mkdir -p "$D/fs"
if mount -t tmpfs -o size=64k tmpfs "$D/fs" 2>/dev/null; then
	MNT=$D/fs
	how="tmpfs of 64 KiB"
	TARGET=$D/fs
	LIMITVAR=
else
	how="GROWTH_MAX_TRACE=32k"
	TARGET=$D/fs
	LIMITVAR="GROWTH_MAX_TRACE=32k"
fi
"$P/sigstorm" 4 "$(pick 2500 8000)" >"$D/out0" 2>/dev/null
rc0=$?
env $LIMITVAR GROWTH_OUTPUT="$TARGET/growth.%e.%p.zst" GROWTH_INTERVAL_MS=2 timeout -k 5 $TO \
	sh -c 'LD_PRELOAD=$0 exec "$@"' "$LIB" "$P/sigstorm" 4 "$(pick 2500 8000)" >"$D/out1" 2>"$D/err1"
rc1=$?
n=$(grep -c '^growth' "$D/err1")
if [ $rc1 -ne $rc0 ]; then bad "exit status $rc0 without growth, $rc1 with ($how)"
elif ! cmp -s "$D/out0" "$D/out1"; then bad "stdout differs ($how)"
elif [ "$n" -ne 1 ]; then cat "$D/err1"; bad "expected one line from growth on stderr, got $n ($how)"
elif check_traces "$TARGET" 1; then ok "$how: $(cat "$D/err1")"; fi
if [ -n "$MNT" ]; then umount "$MNT"; MNT=; fi

# --- growth's own memory runs out -----------------------------------------------------------------------
# GROWTH_TEST_IALLOC_LIMIT (a test hook in preload/ialloc.c): growth's allocator gets one 1 MiB
# chunk and a little more, then fails as if the system had no memory left. GROWTH_TRAILER=0 puts
# every live block in the address map, so the map outgrows the limit (with trailers, small blocks
# cost growth no memory of its own and this program would never reach it).
if GROWTH_TRAILER=0 GROWTH_TEST_IALLOC_LIMIT=1100k run_case ialloc_oom 1 "$P/daemon_fds" close "$(pick 6000 20000)"; then
	if json_has "$D/r" 'r.get("untracked", {}).get("allocs", 0) > 0'; then ok "untracked allocations counted"
	else bad "no untracked allocations reported with GROWTH_TEST_IALLOC_LIMIT=1100k"; fi
fi

# --- the analyzer against hostile input ----------------------------------------------------------------
# bounded NAME MAXKB EXPECT_RC FILE: growth report FILE exits EXPECT_RC within the timeout, prints at
# most one line to stderr, and peaks below MAXKB of memory (when /usr/bin/time can tell).
bounded() {
	CASE=$1
	D=$TMP/$CASE
	mkdir -p "$D"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$D/mem" -f %M timeout -k 5 $TO "$GROWTH" report --format json "$4" >/dev/null 2>"$D/err"
	else
		timeout -k 5 $TO "$GROWTH" report --format json "$4" >/dev/null 2>"$D/err"
	fi
	_rc=$?
	_kb=$(tail -n 1 "$D/mem" 2>/dev/null || echo 0)
	if [ $_rc -ne "$3" ]; then cat "$D/err"; bad "growth report exited $_rc, expected $3"
	elif [ "$(wc -l <"$D/err")" -gt 1 ]; then cat "$D/err"; bad "more than one line on stderr"
	elif [ "$_kb" -gt "$2" ]; then bad "peak memory $_kb KB, bound $2 KB"
	else ok "exit $_rc, ${_kb} KB: $(cat "$D/err")"; fi
}
H=$TMP/hostile
mkdir -p "$H"
SEED=$(ls "$TMP"/daemon_close/t/*.zst | head -n 1)
truncate -s 2G "$H/zeros"
bounded sparse_2g_zeros 65536 2 "$H/zeros"
# A real trace, then a 2 GB sparse tail of zeros: a partial report that says where the data ends.
cp "$SEED" "$H/trace_zeros"
truncate -s 2G "$H/trace_zeros"
bounded trace_then_2g_zeros 65536 0 "$H/trace_zeros"
# zstd bombs: a 36 KB frame decompressing to 1 GiB (refused above the reader's 512 MiB frame
# bound, GRW_READ_MAX_FRAME), alone (foreign) and after a real trace (partial report).
head -c 1G /dev/zero | zstd -q -1 -c >"$H/bomb"
bounded zstd_bomb_alone 65536 2 "$H/bomb"
cat "$SEED" "$H/bomb" >"$H/trace_bomb"
bounded zstd_bomb_after_trace 600000 0 "$H/trace_bomb"
# A trace whose module path names a FIFO (the executable's path, rewritten): symbolizing must not
# open it and block.
CASE=symbolize_fifo
zstd -q -d -c "$SEED" >"$H/plain" 2>/dev/null
FD=$(mktemp -d /tmp/gf.XXXXXX) # short: the FIFO's path must be as long as the one it replaces
FIFO=$("$PY" - "$H/plain" "$P/daemon_fds" "$FD" <<'PYEOF'
import os, sys
plain, old, d = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
k = len(old) - len(d) - 1
if k < 1:
    sys.exit(1)
new = (d + "/" + "f" * k).encode()
os.mkfifo(new)
b = open(plain, "rb").read()
open(plain, "wb").write(b.replace(old, new))
print(new.decode())
PYEOF
)
if [ -n "$FIFO" ] && zstd -q -f "$H/plain" -o "$H/fifo_trace.zst"; then
	bounded symbolize_fifo 65536 0 "$H/fifo_trace.zst"
else
	echo "SKIP $CASE: cannot build the trace"
fi
rm -rf "$FD"

# --- security: where the trace goes, what it holds ----------------------------------------------------
CASE=symlink_target
D=$TMP/$CASE
mkdir -p "$D/t"
echo victim >"$D/victim"
echo other >"$D/other"
ln -s "$D/victim" "$D/t/trace.zst"
ln -s "$D/victim" "$D/t/trace.zst.1"
cp "$D/other" "$D/t/trace.zst.2"
GROWTH_OUTPUT="$D/t/trace.zst" LD_PRELOAD=$LIB "$P/execchain" 0 >/dev/null 2>"$D/err"
if [ "$(cat "$D/victim")" != victim ] || [ "$(cat "$D/t/trace.zst.2")" != other ]; then
	bad "a planted symlink or an existing file was followed or overwritten"
elif [ ! -L "$D/t/trace.zst" ] || [ ! -L "$D/t/trace.zst.1" ]; then
	bad "a planted symlink was replaced"
elif [ ! -f "$D/t/trace.zst.3" ] || [ -L "$D/t/trace.zst.3" ]; then
	ls -la "$D/t"
	bad "the trace was not created as a new file at trace.zst.3"
elif [ "$(stat -c %a "$D/t/trace.zst.3")" != 600 ]; then
	bad "trace mode $(stat -c %a "$D/t/trace.zst.3"), expected 600"
elif ! zstd -q -t "$D/t/trace.zst.3"; then
	bad "zstd -t rejects trace.zst.3"
else ok "symlinks at trace.zst and .1 and a file at .2 untouched; trace at .3, mode 600"; fi

CASE=no_secrets
D=$TMP/$CASE
mkdir -p "$D/t"
SECRET="growth-secret-$$-$(date +%s%N)"
HEAPSECRET="heap-secret-$$-$(date +%s%N)"
GROWTH_OUTPUT="$D/t/trace.zst" GROWTH_STRESS_SECRET=$SECRET LD_PRELOAD=$LIB \
	"$P/secret" "$HEAPSECRET" >/dev/null 2>&1
zstd -q -d -c "$D/t/trace.zst" >"$D/plain" 2>/dev/null
if [ ! -s "$D/plain" ]; then bad "no trace to search"
elif grep -q -a -F "$SECRET" "$D/plain"; then bad "the environment's secret is in the trace"
elif [ "$(grep -c -a -F "$HEAPSECRET" "$D/plain")" -gt 1 ]; then
	bad "heap contents are in the trace (beyond argv)"
elif ! grep -q -a -F "$P/secret" "$D/plain"; then bad "the executable's path is not in the trace (the check cannot see strings)"
else ok "no environment, no heap contents"; fi

# Secure execution (AT_SECURE): a setuid-root copy of a program, run as nobody. ld.so ignores
# LD_PRELOAD paths with a slash and loads bare names only from the system directories, and only
# when the library file is itself set-user-ID; a library loaded that way must do nothing.
CASE=setuid
SYSLIB=
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "SKIP $CASE: needs root and setpriv"
else
	D=$TMP/$CASE
	SD=$(mktemp -d /tmp/growth-setuid.XXXXXX)
	chmod 755 "$SD"
	mkdir -m 777 "$SD/out"
	cp "$P/secret" "$SD/prog"
	SYSDIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
	[ -d "$SYSDIR" ] || SYSDIR=/usr/lib
	SYSLIB=$SYSDIR/libgrowth-stress-$$.so
	cp "$LIB" "$SYSLIB"
	chmod 4755 "$SYSLIB"
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env GROWTH_LOG=info "$@"; }
	# Control: not setuid, the library by path: profiled (so the test can fail).
	nobody GROWTH_OUTPUT="$SD/out/plain.%p.zst" LD_PRELOAD="$SYSLIB" "$SD/prog" x >/dev/null 2>&1
	control=$(ls "$SD/out" | grep -c plain)
	chown root:root "$SD/prog"
	chmod 4755 "$SD/prog"
	nobody GROWTH_OUTPUT="$SD/out/suid.%p.zst" LD_PRELOAD="$SYSLIB" "$SD/prog" x >"$D.out1" 2>"$D.err1"
	rc1=$?
	nobody GROWTH_OUTPUT="$SD/out/suid.%p.zst" LD_PRELOAD="$(basename "$SYSLIB")" "$SD/prog" x >"$D.out2" 2>"$D.err2"
	rc2=$?
	loaded=$(grep -c "$(basename "$SYSLIB")" "$D.out2")
	# setgid only (egid root, gid nobody): secure execution as well.
	chmod 2755 "$SD/prog"
	nobody GROWTH_OUTPUT="$SD/out/sgid.%p.zst" LD_PRELOAD="$(basename "$SYSLIB")" "$SD/prog" x >"$D.out3" 2>"$D.err3"
	rc3=$?
	loaded3=$(grep -c "$(basename "$SYSLIB")" "$D.out3")
	rm -f "$SYSLIB"
	SYSLIB=
	if [ "$control" -ne 1 ]; then bad "control run (not setuid) wrote $control traces, expected 1"
	elif [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ] || [ $rc3 -ne 0 ]; then bad "the setuid/setgid program exited $rc1 / $rc2 / $rc3"
	elif ls "$SD/out" | grep -q 'suid\|sgid'; then bad "growth wrote a trace for a setuid or setgid program"
	elif grep -q '^growth' "$D.err1" "$D.err2" "$D.err3"; then bad "growth printed under secure execution"
	elif [ "$loaded" -eq 0 ] || [ "$loaded3" -eq 0 ]; then bad "ld.so did not load the set-user-ID system library (the test proves nothing)"
	else ok "by path: not loaded; set-user-ID system library by name: loaded, silent, no trace (setuid and setgid)"; fi
	rm -rf "$SD"
fi

exit $FAILED
