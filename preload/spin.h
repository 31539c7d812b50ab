/* SPDX-License-Identifier: MIT */
/*
 * A test-and-test-and-set spinlock for short critical sections that never make a syscall.
 * Only taken with the re-entry guard set, so a signal handler on the same thread cannot try to
 * take it again.
 */
#ifndef GRW_SPIN_H
#define GRW_SPIN_H

#include <sched.h>

typedef int grw_spin_t; /* 0 = free, 1 = held; zero-initialised storage is a free lock */

static inline void grw_spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static inline void grw_spin_lock(grw_spin_t *l)
{
	unsigned spins = 0;
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
			/* The holder may have been preempted: stop burning the core after a while. */
			if (++spins > 2000)
				sched_yield();
			else
				grw_spin_pause();
		}
	}
}

static inline void grw_spin_unlock(grw_spin_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* For the fork child: the holder (the forking thread, in prepare) is gone or is us. */
static inline void grw_spin_reinit(grw_spin_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELAXED);
}

#endif
