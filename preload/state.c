/* SPDX-License-Identifier: MIT */
/*
 * Life cycle: the constructor (resolve, read the config, set up, create the trace, start the
 * writer), the destructor (last flush) and the fork handlers. One atomic state says what the
 * hooks may do. Until init is done nothing here may allocate through libc.
 */
#include "state.h"

#include <errno.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "addrmap.h"
#include "bootstrap.h"
#include "config.h"
#include "counters.h"
#include "ialloc.h"
#include "log.h"
#include "record.h"
#include "sites.h"
#include "trace_format.h"
#include "unwind.h"
#include "writer.h"

int grw_state = GRW_ST_UNINIT;
__thread int grw_in_growth __attribute__((tls_model("initial-exec")));
__thread const void *grw_entry_frame __attribute__((tls_model("initial-exec")));
uint64_t grw_page_size = 4096;
intptr_t grw_errno_off;

static __thread int fork_saved_guard; /* the guard before prepare, on the forking thread */
static __thread int fork_locked;      /* prepare took our locks */

uint64_t grw_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void grw_state_disable(void)
{
	int expected = GRW_ST_ENABLED;
	__atomic_compare_exchange_n(&grw_state, &expected, GRW_ST_DISABLED, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------------------------ */
/* Fork: our locks must not be held by a thread that does not exist in the child. */

/* errno is put back by each handler: see grw_ctor. */
static void fork_prepare(void)
{
	int saved = errno;
	int st = __atomic_load_n(&grw_state, __ATOMIC_ACQUIRE);
	fork_locked = st == GRW_ST_ENABLED || st == GRW_ST_DISABLED;
	fork_saved_guard = grw_in_growth;
	/* Mallocs by later prepare handlers (and fork itself) must not wait for our locks. */
	grw_in_growth = 1;
	if (fork_locked) {
		grw_writer_lock();
		grw_sites_lock();
		grw_counters_lock();
		grw_addrmap_lock();
		grw_ialloc_lock();
	}
	errno = saved;
}

static void fork_parent(void)
{
	int saved = errno;
	if (fork_locked) {
		grw_ialloc_unlock();
		grw_addrmap_unlock();
		grw_counters_unlock();
		grw_sites_unlock();
		grw_writer_unlock();
	}
	grw_in_growth = fork_saved_guard;
	errno = saved;
}

static void fork_child(void)
{
	int saved = errno;
	if (fork_locked) {
		grw_ialloc_reinit();
		grw_addrmap_reinit();
		grw_counters_reinit();
		grw_sites_reinit();
		grw_record_child();
		grw_writer_child();
	}
	grw_in_growth = fork_saved_guard;
	errno = saved;
}

/* ------------------------------------------------------------------------------------------ */

static void init(void)
{
	int expected = GRW_ST_UNINIT;
	if (!__atomic_compare_exchange_n(&grw_state, &expected, GRW_ST_INITIALIZING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	int saved_guard = grw_in_growth;
	grw_in_growth = 1;
	int next = GRW_ST_OFF;
#ifdef __x86_64__
	uintptr_t tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp)); /* the TCB's pointer to itself (x86-64 TLS ABI) */
	grw_errno_off = (intptr_t)((uintptr_t)__errno_location() - tp);
#endif
	if (grw_bootstrap_resolve() < 0)
		goto out;
	if (getauxval(AT_SECURE))
		goto out; /* setuid and friends: do nothing at all, say nothing */
	grw_record_reserve_filter(); /* before GROWTH_SAMPLE can enable the filter */
	/* grw_real and those slots before GROWTH_SAMPLE's value (record.h, grw_record_skips_free) */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	grw_config_read();
	if (grw_cfg.disable) {
		grw_log(GRW_LOG_INFO, "GROWTH_DISABLE is set; passing everything through");
		goto out;
	}
	grw_record_probe_usable();
	unsigned long pg = getauxval(AT_PAGESZ);
	if (pg)
		grw_page_size = pg;
	grw_unwind_init();
	if (!grw_cfg.follow_exec)
		grw_config_drop_preload(grw_unwind_self_name());
	if (grw_counters_init() < 0) {
		grw_log(GRW_LOG_ERROR, "cannot create a thread key; profiling disabled");
		goto out;
	}
	if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0) {
		grw_log(GRW_LOG_ERROR, "cannot register fork handlers; profiling disabled");
		goto out;
	}
	/* Enable before the writer starts so that its first snapshot sees a consistent state. */
	__atomic_store_n(&grw_state, GRW_ST_ENABLED, __ATOMIC_RELEASE);
	if (grw_writer_start() < 0) {
		__atomic_store_n(&grw_state, GRW_ST_OFF, __ATOMIC_RELEASE);
		goto done;
	}
	next = GRW_ST_ENABLED;
out:
	__atomic_store_n(&grw_state, next, __ATOMIC_RELEASE);
done:
	grw_in_growth = saved_guard;
}

static void fini(void)
{
	int st = __atomic_load_n(&grw_state, __ATOMIC_ACQUIRE);
	if (st != GRW_ST_ENABLED && st != GRW_ST_DISABLED)
		return;
	int saved_guard = grw_in_growth;
	grw_in_growth = 1;
	grw_writer_finish(GRW_END_EXIT);
	grw_in_growth = saved_guard;
}

/* The program sees errno as without growth: 0 at main (C11 7.5), and unchanged by fork's
 * handlers and by exit (init opens files that need not exist; the fork handlers take and
 * reset growth's locks and state). */
__attribute__((constructor(101))) static void grw_ctor(void)
{
	int saved = errno;
	init();
	errno = saved;
}

__attribute__((destructor(101))) static void grw_dtor(void)
{
	int saved = errno;
	fini();
	errno = saved;
}
