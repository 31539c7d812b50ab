#!/bin/sh
# Scenario: block trailers. In exact mode growth keeps a small block's site in 8 bytes it adds
# after the block (preload/record.h); blocks of 64 KiB and more stay in the address map. The
# trailers program fills blocks up to malloc_usable_size, reallocs across the 64 KiB limit and to
# 0 bytes, and frees blocks growth never saw (glibc's __libc_malloc). Its output is unchanged and
# every function holds exactly the bytes it kept, with GROWTH_TRAILER=1 (the default) and with
# GROWTH_TRAILER=0 (address map only), and no site ever shows more frees than allocations.
# growth reads a block's size from glibc's chunk header only where a probe at init found that
# layout: behind an allocator laid out otherwise (otheralloc.so, preloaded after growth) it asks
# malloc_usable_size, and leaks are still exact (small aligned blocks included). The probe leaves
# glibc's mmap threshold where it was: a 200000-byte block still gets a mapping of its own.
. "$(dirname "$0")/lib.sh"
need "$PROGS/trailers" "$PROGS/leaker" "$PROGS/otheralloc.so" "$PROGS/mmapthreshold"

expected='trailers: kept 302900 bytes'
[ "$("$PROGS/trailers")" = "$expected" ] || fail "trailers alone does not print '$expected'"

for mode in 1 0; do
	d=$TMP/m$mode
	mkdir -p "$d"
	GROWTH_TRAILER=$mode preload "$d/t.%p.zst" "$PROGS/trailers" >"$d/out" 2>"$d/err"
	rc=$?
	[ $rc -eq 0 ] || { cat "$d/err"; fail "trailers exited $rc under GROWTH_TRAILER=$mode"; }
	[ "$(cat "$d/out")" = "$expected" ] || fail "GROWTH_TRAILER=$mode changed the output: $(cat "$d/out")"
	[ ! -s "$d/err" ] || { cat "$d/err"; fail "GROWTH_TRAILER=$mode: growth printed on stderr"; }
	only_trace "$d"
	rep=$d/report.json
	report_json "$trace" "$rep"
	m="GROWTH_TRAILER=$mode:"
	json_check "$rep" 'live("keep_small") == 2400 and sum(s["allocs"] for s in within("keep_small")) == 100' \
		"$m keep_small's 100 blocks (filled to their usable size) hold 2400 bytes"
	json_check "$rep" 'live("keep_large") == 300000' "$m keep_large's blocks (address map) hold 300000 bytes"
	json_check "$rep" 'live("realloc_across") == 500' "$m realloc across the limit and back holds 500 bytes"
	json_check "$rep" 'sum(s["allocs"] for s in within("realloc_across")) == 3 and sum(s["frees"] for s in within("realloc_across")) == 2' \
		"$m realloc_across: 3 allocations, 2 frees"
	json_check "$rep" 'live("fill_usable") == 0 and sum(s["frees"] for s in within("fill_usable")) == 1000' \
		"$m fill_usable: 1000 blocks written to their usable size, all seen freed"
	json_check "$rep" 'live("realloc_to_zero") == 0 and sum(s["frees"] for s in within("realloc_to_zero")) == 1' \
		"$m realloc(p, 0) counts as the free of p"
	json_check "$rep" 'len(within("free_foreign")) == 0' "$m blocks growth never saw have no site"
	json_check "$rep" 'all(s["frees"] <= s["allocs"] and s["live_bytes_end"] >= 0 for s in sites)' \
		"$m no site has more frees than allocations"
done

msg_hdr="block sizes for trailers: from glibc's chunk headers"
msg_call="block sizes for trailers: by malloc_usable_size (the allocator behind growth is not glibc's)"
d=$TMP/glibc
mkdir -p "$d"
GROWTH_LOG=debug preload "$d/t.%p.zst" "$PROGS/leaker" malloc >"$d/out" 2>"$d/err" ||
	{ cat "$d/err"; fail "leaker malloc failed under growth"; }
if [ "$(uname -m)" = x86_64 ]; then # chunk headers are read there only (record.c)
	grep -qF "$msg_hdr" "$d/err" || { cat "$d/err"; fail "glibc's layout was not recognised"; }
fi
want=$("$PROGS/mmapthreshold")
if [ "$want" = "malloc(200000): own mapping" ]; then # else MALLOC_MMAP_THRESHOLD_ or the like
	d=$TMP/threshold
	mkdir -p "$d"
	got=$(preload "$d/t.%p.zst" "$PROGS/mmapthreshold") || fail "mmapthreshold failed under growth"
	[ "$got" = "$want" ] || fail "growth moved glibc's mmap threshold: '$got' instead of '$want'"
	got=$(MALLOC_PERTURB_=165 preload "$d/p.%p.zst" "$PROGS/mmapthreshold") ||
		fail "mmapthreshold failed under growth with MALLOC_PERTURB_"
	[ "$got" = "$want" ] || fail "with MALLOC_PERTURB_, growth moved glibc's mmap threshold: '$got'"
fi
for kind in malloc calloc realloc realloc_null memalign posix_memalign aligned_alloc; do
	d=$TMP/other-$kind
	mkdir -p "$d"
	want=$(LD_PRELOAD=$PROGS/otheralloc.so "$PROGS/leaker" "$kind") ||
		fail "leaker $kind fails on otheralloc.so alone"
	GROWTH_LOG=debug GROWTH_OUTPUT="$d/t.%p.zst" LD_PRELOAD="$LIBGROWTH $PROGS/otheralloc.so" \
		"$PROGS/leaker" "$kind" >"$d/out" 2>"$d/err"
	rc=$?
	[ $rc -eq 0 ] || { cat "$d/err"; fail "leaker $kind exited $rc behind growth on otheralloc.so"; }
	[ "$(cat "$d/out")" = "$want" ] || fail "otheralloc.so: growth changed leaker $kind's output: $(cat "$d/out")"
	grep -qF "$msg_call" "$d/err" || { cat "$d/err"; fail "otheralloc.so: growth did not fall back to malloc_usable_size"; }
	bytes=${want##*leaked }
	bytes=${bytes%% bytes*}
	only_trace "$d"
	report_json "$trace" "$d/report.json"
	json_check "$d/report.json" 'live("leak_with_'"$kind"'") == '"$bytes" \
		"otheralloc.so: leak_with_$kind holds the $bytes bytes leaked"
done
pass
