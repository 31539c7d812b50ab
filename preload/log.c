/* SPDX-License-Identifier: MIT */
/*
 * Everything libgrowth.so says on stderr goes through here. A tiny formatter (vsnprintf may
 * allocate for some conversions) writes into a stack buffer; one write(2) loop sends it.
 * Never allocates, never locks, keeps errno: callable from hooks, the writer and signal handlers.
 */
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int grw_log_level = GRW_LOG_WARN;

struct out {
	char *buf;
	size_t cap;
	size_t n; /* characters produced so far, including those that did not fit */
};

static void put(struct out *o, char c)
{
	if (o->n + 1 < o->cap)
		o->buf[o->n] = c;
	o->n++;
}

static void put_str(struct out *o, const char *s, int prec)
{
	if (!s)
		s = "(null)";
	for (int i = 0; s[i] && (prec < 0 || i < prec); i++)
		put(o, s[i]);
}

static void put_uint(struct out *o, uint64_t v, unsigned base)
{
	char tmp[24];
	int i = 0;
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		put(o, tmp[--i]);
}

size_t grw_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = {buf, cap, 0};
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		int prec = -1;
		if (fmt[0] == '.' && fmt[1] == '*') {
			prec = va_arg(ap, int);
			fmt += 2;
		}
		int lng = 0;
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		if (*fmt == 'z') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = lng == 0 ? va_arg(ap, int)
				      : lng == 1 ? va_arg(ap, long)
						 : va_arg(ap, long long);
			if (v < 0) {
				put(&o, '-');
				put_uint(&o, (uint64_t)0 - (uint64_t)v, 10);
			} else {
				put_uint(&o, (uint64_t)v, 10);
			}
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = lng == 0 ? va_arg(ap, unsigned)
					       : lng == 1 ? va_arg(ap, unsigned long)
							  : va_arg(ap, unsigned long long);
			put_uint(&o, v, *fmt == 'x' ? 16 : 10);
			break;
		}
		case 'p':
			put_str(&o, "0x", -1);
			put_uint(&o, (uintptr_t)va_arg(ap, void *), 16);
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), prec);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end */
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (cap)
		buf[o.n < cap ? o.n : cap - 1] = '\0';
	return o.n;
}

size_t grw_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = grw_vfmt(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

void grw_log(int level, const char *fmt, ...)
{
	if (level > __atomic_load_n(&grw_log_level, __ATOMIC_RELAXED))
		return;
	int saved = errno;
	char buf[512];
	static const char prefix[] = "growth: ";
	memcpy(buf, prefix, sizeof prefix - 1);
	va_list ap;
	va_start(ap, fmt);
	size_t room = sizeof buf - (sizeof prefix - 1) - 1; /* keep one byte for '\n' */
	size_t n = grw_vfmt(buf + sizeof prefix - 1, room, fmt, ap);
	va_end(ap);
	if (n > room - 1)
		n = room - 1;
	n += sizeof prefix - 1;
	buf[n++] = '\n';
	for (size_t off = 0; off < n;) {
		ssize_t w = write(STDERR_FILENO, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	errno = saved;
}

const char *grw_strerror(int err)
{
	const char *s = strerrordesc_np(err);
	return s ? s : "Unknown error";
}
