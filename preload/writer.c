/* SPDX-License-Identifier: MIT */
/*
 * The trace file and the writer thread. Records accumulate in a batch (under the writer
 * mutex: the writer appends snapshots, dlclose appends module maps and sites); each interval
 * the writer swaps the batch out, compresses it as one complete zstd frame and appends it with
 * one write loop, after checking that its descriptor still is its file. Runs with the guard
 * set for the whole life of the thread, so zstd's mallocs pass through.
 */
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "addrmap.h"
#include "config.h"
#include "counters.h"
#include "ialloc.h"
#include "log.h"
#include "modules.h"
#include "procinfo.h"
#include "sites.h"
#include "state.h"
#include "trace_codec.h"
#include "unwind.h"
#include "warn.h"

#define ZSTD_LEVEL 1
#define FINISH_WAIT_NS (10ull * 1000000000ull) /* exit waits this long for the last flush */
#define VEC_BYTES 16384                         /* mincore vector: 64 MiB of 4 KiB pages a call */

/* What the last snapshot said about a site, to write only the ones that changed. */
struct site_state {
	uint64_t allocs, frees, alloc_bytes, live_bytes, reserved_bytes;
};

static struct {
	/* Guarded by mu. */
	pthread_mutex_t mu;
	pthread_cond_t wake;    /* the writer sleeps on it (CLOCK_MONOTONIC) */
	pthread_cond_t done_cv; /* the writer thread has finished */
	struct grw_buf batch;   /* records not yet compressed */
	uint32_t emitted_sites; /* SITE records for ids below this are in the batch or the file */
	uint64_t mod_adds, mod_subs; /* loader counts of the last MODULES appended */
	bool mod_valid;
	bool running; /* the writer thread was started */
	bool stop;    /* exit: do the final flush and end */
	bool done;    /* the writer thread is finished */
	uint64_t end_reason;

	/* The starting thread's until the writer runs, then the writer's alone. */
	int fd;
	dev_t dev;
	ino_t ino;
	bool failed; /* stopped writing (cap, error): never write again */
	uint64_t written;
	ZSTD_CCtx *cctx;
	struct grw_buf spare, out, snap, mods;
	struct site_state *last;
	struct grw_cslot *sums;
	uint64_t *resident, *mapped;
	size_t nstate; /* entries in last, sums, resident, mapped */
	struct grw_region_view *regions;
	size_t regions_cap;
	uint64_t start_ns; /* monotonic time the trace started */
	pid_t pid;         /* the process the trace belongs to */

	/* Set before the thread starts, read-only afterwards. */
	char path[PATH_MAX];
	char exe[PATH_MAX];
} w = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.fd = -1,
};

static unsigned char vec[VEC_BYTES]; /* writer-only */
static bool conds_ready;             /* w.wake and w.done_cv are initialised */

int grw_writer_pending;

static void init_bufs(void)
{
	w.batch.realloc_fn = w.spare.realloc_fn = w.out.realloc_fn = w.snap.realloc_fn =
		w.mods.realloc_fn = grw_ibuf_realloc;
}

static void buf_clear(struct grw_buf *b)
{
	b->len = 0;
	b->oom = false;
}

static uint64_t trace_ns(void)
{
	uint64_t now = grw_now_ns();
	return now > w.start_ns ? now - w.start_ns : 0;
}

static void init_conds(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&w.wake, &a);
	pthread_cond_init(&w.done_cv, &a);
	pthread_condattr_destroy(&a);
}

static struct timespec ts_of(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
	return ts;
}

/* ------------------------------------------------------------------------------------------ */
/* The file */

/* GROWTH_OUTPUT with %p, %e and %% expanded, made absolute. Returns 0 or -ENAMETOOLONG. */
static int expand_path(char *out, size_t cap)
{
	size_t n = 0;
	const char *t = grw_cfg.output;
	if (t[0] != '/') {
		if (!getcwd(out, cap))
			return -errno;
		n = strlen(out);
		if (n && out[n - 1] != '/') {
			if (n + 1 >= cap)
				return -ENAMETOOLONG;
			out[n++] = '/';
		}
	}
	const char *exe_base = strrchr(w.exe, '/');
	exe_base = exe_base ? exe_base + 1 : (*w.exe ? w.exe : "unknown");
	for (; *t; t++) {
		char tmp[32];
		const char *add = tmp;
		tmp[0] = *t;
		tmp[1] = '\0';
		if (t[0] == '%' && t[1]) {
			if (t[1] == 'p') {
				grw_fmt(tmp, sizeof tmp, "%d", (int)getpid());
				t++;
			} else if (t[1] == 'e') {
				add = exe_base;
				t++;
			} else if (t[1] == '%') {
				t++;
			}
		}
		size_t len = strlen(add);
		if (n + len >= cap)
			return -ENAMETOOLONG;
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

/* Moves fd above the standard descriptors, which daemons like to close and reopen. */
static int lift_fd(int fd)
{
	if (fd >= 3)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return fd;
	close(fd);
	return nfd;
}

static int create_file(void)
{
	char base[PATH_MAX];
	int rc = expand_path(base, sizeof base);
	if (rc < 0) {
		grw_log(GRW_LOG_ERROR, "cannot create trace '%s': %s; profiling disabled",
			grw_cfg.output, grw_strerror(-rc));
		return rc;
	}
	int fd = -1, e = 0;
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			memcpy(w.path, base, strlen(base) + 1);
		else if (grw_fmt(w.path, sizeof w.path, "%s.%d", base, i) >= sizeof w.path)
			break;
		fd = open(w.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		e = errno;
		if (fd >= 0 || e != EEXIST)
			break;
	}
	if (fd < 0) {
		grw_log(GRW_LOG_ERROR, "cannot create trace '%s': %s; profiling disabled", base,
			grw_strerror(e));
		return -e;
	}
	fd = lift_fd(fd);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		grw_log(GRW_LOG_ERROR, "cannot create trace '%s': %s; profiling disabled", w.path,
			grw_strerror(e));
		return -e;
	}
	w.fd = fd;
	w.dev = st.st_dev;
	w.ino = st.st_ino;
	w.written = 0;
	w.failed = false;
	grw_log(GRW_LOG_INFO, "writing trace '%s'", w.path);
	return 0;
}

/* Whether w.fd still is our file; reopens it by path when the application closed or replaced
 * the descriptor. Never touches a descriptor that is not ours. */
static bool fd_is_ours(void)
{
	struct stat st;
	if (w.fd >= 0 && fstat(w.fd, &st) == 0 && st.st_dev == w.dev && st.st_ino == w.ino)
		return true;
	int fd = open(w.path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == w.dev && st.st_ino == w.ino) {
		w.fd = lift_fd(fd);
		grw_log(GRW_LOG_DEBUG, "trace descriptor was closed or replaced; reopened '%s'",
			w.path);
		return true;
	}
	if (fd >= 0)
		close(fd);
	GRW_LOG_ONCE(GRW_LOG_WARN,
		     "trace '%s' was closed or replaced and cannot be reopened; profiling stopped",
		     w.path);
	return false;
}

static void stop_writing(void)
{
	w.failed = true;
	grw_state_disable();
}

static int write_all(const uint8_t *p, size_t n)
{
	if (!fd_is_ours()) {
		stop_writing();
		return -EBADF;
	}
	uint64_t frame_start = w.written;
	while (n) {
		ssize_t r = write(w.fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : ENOSPC;
			/* Cut the part of the frame that fit (a full disk), so that the trace ends on
			 * a frame boundary and `zstd -t` still accepts it (tests/stress disk_full). */
			if (w.written > frame_start && ftruncate(w.fd, (off_t)frame_start) == 0)
				w.written = frame_start;
			GRW_LOG_ONCE(GRW_LOG_ERROR, "cannot write trace '%s': %s; profiling stopped",
				     w.path, grw_strerror(e));
			stop_writing();
			return -e;
		}
		p += r;
		n -= (size_t)r;
		w.written += (uint64_t)r;
	}
	return 0;
}

/* Compresses src as one complete frame into w.out. Returns 0 or -1. */
static int compress(const struct grw_buf *src)
{
	buf_clear(&w.out);
	if (grw_buf_reserve(&w.out, ZSTD_compressBound(src->len) + 64) < 0)
		return -1;
	ZSTD_CCtx_reset(w.cctx, ZSTD_reset_session_only);
	ZSTD_CCtx_setPledgedSrcSize(w.cctx, src->len);
	ZSTD_inBuffer in = {src->data, src->len, 0};
	for (;;) {
		ZSTD_outBuffer o = {w.out.data, w.out.cap, w.out.len};
		size_t left = ZSTD_compressStream2(w.cctx, &o, &in, ZSTD_e_end);
		w.out.len = o.pos;
		if (ZSTD_isError(left))
			return -1;
		if (left == 0)
			return 0;
		if (grw_buf_reserve(&w.out, left + 4096) < 0)
			return -1;
	}
}

/* Writes b as one frame, honouring GROWTH_MAX_TRACE. Returns 0 or -1 (writing stopped). */
static int write_batch(const struct grw_buf *b)
{
	if (w.failed)
		return -1;
	if (b->oom || compress(b) < 0) {
		GRW_LOG_ONCE(GRW_LOG_ERROR, "out of memory while writing trace '%s'; profiling stopped",
			     w.path);
		stop_writing();
		return -1;
	}
	uint64_t cap = grw_cfg.max_trace_bytes;
	if (cap && w.written && w.written + w.out.len > cap) {
		/* The cap: end the trace with a note and an END record instead. */
		struct grw_buf e = {.realloc_fn = grw_ibuf_realloc};
		uint64_t t = trace_ns();
		grw_enc_note(&e, t, "trace size cap (GROWTH_MAX_TRACE) reached; trace ends here");
		struct grw_end end = {t, GRW_END_CAP};
		grw_enc_end(&e, &end);
		if (!e.oom && compress(&e) == 0)
			write_all(w.out.data, w.out.len);
		grw_ifree(e.data, e.cap);
		grw_log(GRW_LOG_WARN, "trace '%s' reached GROWTH_MAX_TRACE (%llu bytes); profiling stopped",
			w.path, (unsigned long long)cap);
		stop_writing();
		return -1;
	}
	return write_all(w.out.data, w.out.len);
}

/* ------------------------------------------------------------------------------------------ */
/* Records */

static void encode_header(struct grw_buf *b)
{
	struct grw_hdr h = {0};
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	h.version = GRW_TRACE_VERSION;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	h.flags = GRW_HDR_FLAG_LITTLE_ENDIAN;
#endif
	h.pointer_size = sizeof(void *);
	h.pid = (uint64_t)getpid();
	h.ppid = (uint64_t)getppid();
	h.start_unix_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	h.page_size = grw_page_size;
	grw_proc_mem_limit(&h.mem_limit_bytes, &h.mem_limit_source);
	h.interval_ms = grw_cfg.interval_ms;
	h.max_depth = grw_cfg.depth;
	h.sample_bytes = grw_cfg.sample_bytes; /* 0: exact mode */
	if (h.sample_bytes)
		h.flags |= GRW_HDR_FLAG_SAMPLED;
	h.exe = w.exe;
	h.exe_len = (uint32_t)strlen(w.exe);
	char *data = NULL, **argv = NULL;
	size_t data_cap = 0, argv_cap = 0;
	h.argc = grw_proc_cmdline(&data, &data_cap, &argv, &argv_cap);
	grw_enc_magic(b);
	grw_enc_header(b, &h, argv, GRW_VERSION);
	grw_ifree(data, data_cap);
	grw_ifree(argv, argv_cap * sizeof *argv);
}

/* Under mu: appends a MODULES record encoded in m if it is newer than the last one. */
static void append_modules_locked(const struct grw_buf *m, uint64_t adds, uint64_t subs)
{
	if (!m->len || m->oom)
		return;
	bool newer = !w.mod_valid || (adds >= w.mod_adds && subs >= w.mod_subs &&
				      (adds != w.mod_adds || subs != w.mod_subs));
	if (!newer)
		return;
	grw_buf_put(&w.batch, m->data, m->len);
	w.mod_adds = adds;
	w.mod_subs = subs;
	w.mod_valid = true;
}

/* Under mu: SITE records for the ids below n not written yet. */
static void append_sites_locked(uint32_t n)
{
	static struct grw_site_rec rec; /* 2 KiB; only used under mu */
	for (uint32_t id = w.emitted_sites; id < n; id++) {
		const struct grw_site *s = grw_sites_get(id);
		if (!s)
			break;
		rec.id = id;
		rec.kind = s->kind;
		rec.t_ns = s->t_ns > w.start_ns ? s->t_ns - w.start_ns : 0;
		rec.depth = s->depth;
		for (uint32_t i = 0; i < s->depth; i++)
			rec.frames[i] = s->frames[i];
		rec.flags = s->kind == GRW_KIND_MMAP && grw_unwind_go_runtime_site(s->frames, s->depth)
				    ? GRW_SITE_FLAG_GO_RUNTIME
				    : 0;
		grw_enc_site(&w.batch, &rec);
		w.emitted_sites = id + 1;
	}
}

/* Encodes the module map into w.mods when the loader says it changed. */
static void encode_modules_if_changed(uint64_t *adds, uint64_t *subs)
{
	buf_clear(&w.mods);
	grw_modules_counts(adds, subs);
	pthread_mutex_lock(&w.mu);
	bool same = w.mod_valid && *adds == w.mod_adds && *subs == w.mod_subs;
	pthread_mutex_unlock(&w.mu);
	if (!same)
		grw_modules_encode(&w.mods, trace_ns(), w.exe, adds, subs);
}

/* Grows the per-site arrays to n entries (new ones zero). Returns 0 or -ENOMEM. */
static int grow_state(size_t n)
{
	if (n <= w.nstate)
		return 0;
	size_t c = w.nstate ? w.nstate : 1024;
	while (c < n)
		c *= 2;
	struct site_state *last = grw_icalloc(c * sizeof *last);
	struct grw_cslot *sums = grw_ialloc(c * sizeof *sums);
	uint64_t *res = grw_ialloc(c * sizeof *res), *map = grw_ialloc(c * sizeof *map);
	if (!last || !sums || !res || !map) {
		grw_ifree(last, c * sizeof *last);
		grw_ifree(sums, c * sizeof *sums);
		grw_ifree(res, c * sizeof *res);
		grw_ifree(map, c * sizeof *map);
		return -ENOMEM;
	}
	if (w.last)
		memcpy(last, w.last, w.nstate * sizeof *last);
	grw_ifree(w.last, w.nstate * sizeof *w.last);
	grw_ifree(w.sums, w.nstate * sizeof *w.sums);
	grw_ifree(w.resident, w.nstate * sizeof *w.resident);
	grw_ifree(w.mapped, w.nstate * sizeof *w.mapped);
	w.last = last;
	w.sums = sums;
	w.resident = res;
	w.mapped = map;
	w.nstate = c;
	return 0;
}

/* Resident bytes of [start, end) by mincore; pages gone meanwhile count as not resident. */
static uint64_t resident_bytes(uintptr_t start, uintptr_t end)
{
	uint64_t pg = grw_page_size, res = 0;
	for (uintptr_t a = start; a < end;) {
		uint64_t len = end - a;
		if (len > (uint64_t)VEC_BYTES * pg)
			len = (uint64_t)VEC_BYTES * pg;
		if (mincore((void *)a, len, vec) == 0) {
			size_t pages = (size_t)((len + pg - 1) / pg);
			for (size_t i = 0; i < pages; i++)
				res += vec[i] & 1;
		}
		a += len;
	}
	return res * pg;
}

static void site_values(uint32_t id, struct site_state *v)
{
	const struct grw_site *s = grw_sites_get(id);
	const struct grw_cslot *c = &w.sums[id];
	v->allocs = c->allocs;
	v->frees = c->frees;
	v->alloc_bytes = c->alloc_bytes;
	if (s && s->kind == GRW_KIND_MMAP) {
		v->live_bytes = w.resident[id];
		v->reserved_bytes = w.mapped[id] > w.resident[id] ? w.mapped[id] - w.resident[id] : 0;
	} else {
		v->live_bytes = c->alloc_bytes - c->freed_bytes;
		v->reserved_bytes = 0;
	}
}

/* Encodes a SNAPSHOT of the sites below n that changed into w.snap. */
static void encode_snapshot(uint32_t n)
{
	buf_clear(&w.snap);
	struct grw_snap_hdr h = {0};
	h.t_ns = trace_ns();
	grw_proc_statm(&h.rss_bytes, &h.vm_bytes);
	grw_counters_untracked_get(&h.untracked_allocs, &h.untracked_bytes);
	h.nfields = GRW_SNAP_FIELDS_V1;
	if (grow_state(n) < 0) {
		GRW_LOG_ONCE(GRW_LOG_WARN, "out of memory for site counters; snapshots are partial");
		n = (uint32_t)w.nstate;
	}
	if (n) {
		memset(w.sums, 0, n * sizeof *w.sums);
		memset(w.resident, 0, n * sizeof *w.resident);
		memset(w.mapped, 0, n * sizeof *w.mapped);
		grw_counters_sum(w.sums, n);
		size_t nr = grw_regions_copy(&w.regions, &w.regions_cap);
		for (size_t i = 0; i < nr; i++) {
			const struct grw_region_view *r = &w.regions[i];
			if (r->site >= n)
				continue;
			w.mapped[r->site] += r->end - r->start;
			w.resident[r->site] += resident_bytes(r->start, r->end);
		}
	}
	for (uint32_t id = 0; id < n; id++) {
		struct site_state v;
		site_values(id, &v);
		if (memcmp(&v, &w.last[id], sizeof v) != 0)
			h.n++;
	}
	size_t r = grw_enc_snapshot_begin(&w.snap, &h);
	uint32_t prev = 0;
	bool first = true;
	for (uint32_t id = 0; id < n; id++) {
		struct site_state v;
		site_values(id, &v);
		if (memcmp(&v, &w.last[id], sizeof v) == 0)
			continue;
		struct grw_snap_entry e = {first ? id : id - (prev + 1), v.allocs, v.frees,
					   v.alloc_bytes, v.live_bytes, v.reserved_bytes};
		grw_enc_snapshot_entry(&w.snap, &e);
		w.last[id] = v;
		prev = id;
		first = false;
	}
	grw_rec_end(&w.snap, r);
	/* GROWTH_WARN: w.last now holds every site's live bytes; WARN records follow the snapshot. */
	if (n)
		grw_warn_interval(&w.snap, h.t_ns, h.rss_bytes, n, &w.last[0].live_bytes, sizeof *w.last);
}

/* One interval: modules if changed, new sites, a snapshot (and END when final), as one frame. */
static void flush(bool final, uint64_t reason)
{
	uint32_t n = grw_sites_count();
	encode_snapshot(n);
	uint64_t adds, subs;
	encode_modules_if_changed(&adds, &subs);
	pthread_mutex_lock(&w.mu);
	append_modules_locked(&w.mods, adds, subs);
	append_sites_locked(n);
	grw_buf_put(&w.batch, w.snap.data, w.snap.len);
	if (final) {
		struct grw_end e = {trace_ns(), reason};
		grw_enc_end(&w.batch, &e);
	}
	struct grw_buf t = w.batch;
	w.batch = w.spare;
	w.spare = t;
	pthread_mutex_unlock(&w.mu);
	write_batch(&w.spare);
	buf_clear(&w.spare);
}

/* ------------------------------------------------------------------------------------------ */
/* The thread */

static void *writer_main(void *arg)
{
	(void)arg;
	grw_in_growth = 1; /* for the whole life of this thread */
	uint64_t period = grw_cfg.interval_ms * 1000000ull;
	uint64_t next = grw_now_ns() + period;
	pthread_mutex_lock(&w.mu);
	while (!w.stop) {
		struct timespec ts = ts_of(next);
		pthread_cond_timedwait(&w.wake, &w.mu, &ts);
		if (w.stop)
			break;
		uint64_t now = grw_now_ns();
		if (now < next)
			continue;
		next += period;
		if (next <= now)
			next = now + period;
		pthread_mutex_unlock(&w.mu);
		flush(false, 0);
		pthread_mutex_lock(&w.mu);
		if (w.failed)
			break;
	}
	bool final = w.stop && !w.failed;
	uint64_t reason = w.end_reason;
	pthread_mutex_unlock(&w.mu);
	if (final)
		flush(true, reason);
	pthread_mutex_lock(&w.mu);
	w.done = true;
	pthread_cond_broadcast(&w.done_cv);
	pthread_mutex_unlock(&w.mu);
	return NULL;
}

int grw_writer_start(void)
{
	init_bufs();
	if (!conds_ready) {
		init_conds();
		conds_ready = true;
	}
	grw_proc_exe(w.exe, sizeof w.exe);
	w.start_ns = grw_now_ns();
	w.pid = getpid();
	int rc = create_file();
	if (rc < 0)
		return rc;
	if (!w.cctx) {
		w.cctx = ZSTD_createCCtx();
		if (w.cctx) {
			ZSTD_CCtx_setParameter(w.cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL);
			ZSTD_CCtx_setParameter(w.cctx, ZSTD_c_checksumFlag, 1);
		}
	}
	if (!w.cctx) {
		grw_log(GRW_LOG_ERROR, "cannot set up compression; profiling disabled");
		goto fail;
	}

	/* First frame: magic, HEADER, MODULES; a trace killed right away still has them. */
	buf_clear(&w.spare);
	encode_header(&w.spare);
	uint64_t adds, subs;
	grw_modules_encode(&w.spare, 0, w.exe, &adds, &subs);
	pthread_mutex_lock(&w.mu);
	w.mod_adds = adds;
	w.mod_subs = subs;
	w.mod_valid = true;
	pthread_mutex_unlock(&w.mu);
	if (write_batch(&w.spare) < 0)
		goto fail_written;
	buf_clear(&w.spare);

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 512u << 10);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits: every signal blocked */
	pthread_t th;
	rc = pthread_create(&th, &attr, writer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc) {
		grw_log(GRW_LOG_ERROR, "cannot start the writer thread: %s; profiling disabled",
			grw_strerror(rc));
		goto fail_written;
	}
	pthread_mutex_lock(&w.mu);
	w.running = true;
	pthread_mutex_unlock(&w.mu);
	return 0;

fail:
	close(w.fd);
	unlink(w.path); /* empty, and ours: we created it with O_EXCL */
	w.fd = -1;
	return -EIO;
fail_written:
	/* Keep what was written (it is a valid, if short, trace). */
	close(w.fd);
	w.fd = -1;
	return -EIO;
}

__attribute__((noinline)) void grw_writer_start_child(void)
{
	int expected = 1;
	if (!__atomic_compare_exchange_n(&grw_writer_pending, &expected, 2, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	if (grw_writer_start() < 0)
		grw_state_disable();
	__atomic_store_n(&grw_writer_pending, 0, __ATOMIC_RELEASE);
}

void grw_writer_before_dlclose(void)
{
	pthread_mutex_lock(&w.mu);
	bool live = w.running && !w.done && !w.stop;
	pthread_mutex_unlock(&w.mu);
	if (!live)
		return;
	uint32_t n = grw_sites_count();
	struct grw_buf m = {.realloc_fn = grw_ibuf_realloc};
	uint64_t adds, subs;
	grw_modules_encode(&m, trace_ns(), w.exe, &adds, &subs);
	pthread_mutex_lock(&w.mu);
	append_modules_locked(&m, adds, subs);
	append_sites_locked(n);
	pthread_mutex_unlock(&w.mu);
	grw_ifree(m.data, m.cap);
}

void grw_writer_finish(uint64_t reason)
{
	grw_state_disable();
	pthread_mutex_lock(&w.mu);
	if (w.running && !w.done) {
		w.stop = true;
		w.end_reason = reason;
		pthread_cond_signal(&w.wake);
		struct timespec ts = ts_of(grw_now_ns() + FINISH_WAIT_NS);
		while (!w.done)
			if (pthread_cond_timedwait(&w.done_cv, &w.mu, &ts) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&w.mu);
}

void grw_writer_before_exec(void)
{
	/* A vfork child shares our memory but is another process: the trace is not its own. */
	if (getpid() != w.pid)
		return;
	grw_writer_finish(GRW_END_EXEC);
	grw_log(GRW_LOG_DEBUG, "exec: trace '%s' ended", w.path);
}

void grw_writer_lock(void)
{
	pthread_mutex_lock(&w.mu);
}

void grw_writer_unlock(void)
{
	pthread_mutex_unlock(&w.mu);
}

void grw_writer_child(void)
{
	pthread_mutex_init(&w.mu, NULL);
	init_conds();
	conds_ready = true;
	if (w.fd >= 0) {
		struct stat st;
		if (fstat(w.fd, &st) == 0 && st.st_dev == w.dev && st.st_ino == w.ino)
			close(w.fd); /* the parent's trace: our copy of the descriptor only */
		w.fd = -1;
	}
	w.running = w.stop = w.done = w.failed = false;
	w.cctx = NULL; /* the parent's writer may have been using it: abandon, do not free */
	w.written = 0;
	buf_clear(&w.batch); /* consistent: prepare held mu */
	/* The parent's writer may have been anywhere in these (say, between freeing an array and
	 * storing its replacement): abandon them rather than trust them. */
	memset(&w.spare, 0, sizeof w.spare);
	memset(&w.out, 0, sizeof w.out);
	memset(&w.snap, 0, sizeof w.snap);
	memset(&w.mods, 0, sizeof w.mods);
	w.last = NULL;
	w.sums = NULL;
	w.resident = w.mapped = NULL;
	w.nstate = 0;
	w.regions = NULL;
	w.regions_cap = 0;
	init_bufs();
	w.emitted_sites = 0;
	w.mod_valid = false;
	__atomic_store_n(&grw_writer_pending, grw_enabled() ? 1 : 0, __ATOMIC_RELAXED);
}
