/* SPDX-License-Identifier: MIT */
/*
 * JUnit XML for `growth check --junit FILE`: one testsuite, one testcase per trace named by
 * program and pid; a failing trace carries a <failure> whose message is the reasons and whose
 * body is the culprit stacks; an unreadable trace carries an <error>. Every string from a trace
 * is untrusted: it is escaped, and what XML 1.0 cannot hold becomes '?'.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "gate.h"
#include "util.h"

void grw_xml_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = strlen((const char *)s);
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '\n':
			fputs("&#10;", f);
			break;
		case '\t':
			fputs("&#9;", f);
			break;
		case '\r':
			fputs("&#13;", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fputc('?', f);
			} else if (c < 0x80) {
				fputc((int)c, f);
			} else {
				size_t k = grw_utf8_len(s + i, n - i);
				/* U+FFFE and U+FFFF are not XML characters either. */
				if (k == 0) {
					fputc('?', f);
				} else if (k == 3 && s[i] == 0xef && s[i + 1] == 0xbf &&
					   (s[i + 2] == 0xbe || s[i + 2] == 0xbf)) {
					fputc('?', f);
					i += k;
					continue;
				} else {
					fwrite(s + i, 1, k, f);
					i += k;
					continue;
				}
			}
		}
		i++;
	}
}

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;
	return s ? s + 1 : (p ? p : "");
}

int grw_report_junit(FILE *f, const struct grw_check_result *r, size_t n)
{
	size_t failures = 0, errors = 0;
	double time_s = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].unreadable)
			errors++;
		else if (!r[i].passed)
			failures++;
		time_s += r[i].duration_s;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f,
		"<testsuites name=\"growth check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n"
		"  <testsuite name=\"growth check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		"time=\"%.3f\">\n",
		n, failures, errors, n, failures, errors, time_s);
	for (size_t i = 0; i < n; i++) {
		const struct grw_check_result *t = &r[i];
		fputs("    <testcase classname=\"growth.check\" name=\"", f);
		if (t->exe) {
			grw_xml_escape(f, base_name(t->exe));
			fprintf(f, " (pid %" PRIu64 ")", t->pid);
		} else {
			grw_xml_escape(f, base_name(t->trace));
		}
		fprintf(f, "\" time=\"%.3f\" file=\"", t->duration_s);
		grw_xml_escape(f, t->trace);
		fputs("\">\n", f);
		if (t->unreadable || !t->passed) {
			const char *tag = t->unreadable ? "error" : "failure";
			fprintf(f, "      <%s type=\"%s\" message=\"", tag,
				t->unreadable ? "unreadable" : "growth");
			grw_xml_escape(f, t->reasons);
			fputs("\">", f);
			grw_xml_escape(f, t->reasons);
			if (t->details && *t->details) {
				fputs("&#10;", f);
				grw_xml_escape(f, t->details);
			}
			fprintf(f, "</%s>\n", tag);
		}
		fputs("      <system-out>", f);
		grw_xml_escape(f, "trace: ");
		grw_xml_escape(f, t->trace);
		fputs("</system-out>\n", f);
		fputs("    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}
