/* SPDX-License-Identifier: MIT */
/*
 * `growth run [-o TEMPLATE] [--] CMD [ARGS...]`: runs CMD with libgrowth.so preloaded, waits
 * for it like time(1) (SIGINT and SIGQUIT ignored in growth, so they reach the command only),
 * passes its exit status through (128+N for signal N), then prints a short report of its trace
 * on stderr. stdout belongs to the command alone.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "gate.h"
#include "model.h"
#include "reader.h"
#include "report.h"
#include "symbolize.h"

#define DEFAULT_TEMPLATE "growth.%e.%p.zst"

const char grw_run_help[] =
	"usage: growth run [-o TEMPLATE] [--check [CHECK OPTIONS]] [--] CMD [ARGS...]\n\n"
	"Runs CMD with growth's preload library (libgrowth.so, found next to the growth binary or\n"
	"in ../lib/growth/), waits for it, and prints a short report on standard error: the\n"
	"growing allocation sites with their innermost function and file:line, and the leaks at\n"
	"exit. The command's own output, input and exit status are left alone; growth exits with\n"
	"the command's status (128+N when signal N killed it). While the command runs, Ctrl-C and\n"
	"Ctrl-\\ go to the command, not to growth. A site that starts growing while the command\n"
	"runs gets one \"growth: site N is growing\" line on standard error at once (set\n"
	"GROWTH_WARN=0 to turn that off, GROWTH_WARN_FILE=PATH to send it to a file).\n\n"
	"options:\n"
	"  -o, --output TEMPLATE  trace file name (default " DEFAULT_TEMPLATE " in the current\n"
	"                         directory): %p = pid, %e = program name, %% = %\n"
	"  --check                after the command, gate its traces (and its children's) like\n"
	"                         'growth check' and print that report instead of the summary;\n"
	"                         takes check's options (--max-leak, --suppressions, --junit...).\n"
	"                         Exit status: the command's when it failed, else check's\n"
	"                         (0 pass, 1 leak or growth, 2 no trace or unreadable)\n"
	"  -h, --help             this help\n\n"
	"examples:\n"
	"  growth run --check --junit growth.xml -- ./unit_tests\n"
	"  growth run -- ./server --port 8080\n"
	"  growth run -o /tmp/traces/%e.%p.zst -- python3 app.py\n"
	"  growth run ./batch-job && growth report --all growth.batch-job.*.zst\n\n"
	"Build your program with -g (and keep frame pointers or unwind tables) to get file:line.\n"
	"A statically linked program cannot be profiled: LD_PRELOAD does not apply to it.\n";

/* ------------------------------------------------------------------------------------------ */
/* Finding libgrowth.so and the command */

static int find_lib(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -errno;
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	static const char *rel[] = {"libgrowth.so", "../lib/growth/libgrowth.so"};
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		char cand[PATH_MAX + 64];
		snprintf(cand, sizeof cand, "%s/%s", self, rel[i]);
		if (access(cand, R_OK) == 0 && realpath(cand, out) && strlen(out) < len)
			return 0;
	}
	snprintf(out, len, "%s", self);
	return -ENOENT;
}

/* Resolves CMD as execvp would (PATH search when it has no slash). Returns 0 and the path. */
static int which(const char *cmd, char *out, size_t len)
{
	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		return access(out, X_OK) == 0 ? 0 : -errno;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/bin:/usr/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t dl = colon ? (size_t)(colon - path) : strlen(path);
		struct stat st;
		if (dl == 0)
			snprintf(out, len, "%s", cmd); /* an empty entry is the current directory */
		else
			snprintf(out, len, "%.*s/%s", (int)dl, path, cmd);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		if (!colon)
			break;
		path = colon + 1;
	}
	return -ENOENT;
}

/* True when path is an ELF executable without PT_INTERP: a static binary LD_PRELOAD skips. */
static bool is_static_elf(const char *path)
{
	bool ret = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		goto out_close;
	if (eh.e_ident[EI_CLASS] == ELFCLASS64) {
		if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 4096)
			goto out_close;
		ret = true;
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) !=
			    (ssize_t)sizeof ph) {
				ret = false;
				break;
			}
			if (ph.p_type == PT_INTERP) {
				ret = false;
				break;
			}
		}
	} else if (eh.e_ident[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr e32;
		if (pread(fd, &e32, sizeof e32, 0) != (ssize_t)sizeof e32 ||
		    e32.e_phentsize != sizeof(Elf32_Phdr) || e32.e_phnum == 0 || e32.e_phnum > 4096)
			goto out_close;
		ret = true;
		for (unsigned i = 0; i < e32.e_phnum; i++) {
			Elf32_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(e32.e_phoff + i * sizeof ph)) !=
			    (ssize_t)sizeof ph) {
				ret = false;
				break;
			}
			if (ph.p_type == PT_INTERP) {
				ret = false;
				break;
			}
		}
	}
out_close:
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Finding the trace afterwards */

/* Expands the template for pid: %p -> pid (or '*' when pid < 0), %e -> '*', %% -> '%'; glob
 * metacharacters in the literal parts are escaped. Returns 0, or -ENAMETOOLONG. */
static int template_glob(const char *tpl, pid_t pid, char *out, size_t len)
{
	size_t n = 0;
	char num[32];
	for (const char *p = tpl; *p; p++) {
		const char *add;
		char one[3] = {0};
		if (*p == '%' && p[1] == 'p') {
			if (pid < 0)
				snprintf(num, sizeof num, "*");
			else
				snprintf(num, sizeof num, "%d", (int)pid);
			add = num;
			p++;
		} else if (*p == '%' && p[1] == 'e') {
			add = "*";
			p++;
		} else if (*p == '%' && p[1] == '%') {
			add = "%";
			p++;
		} else if (strchr("*?[\\", *p)) {
			one[0] = '\\';
			one[1] = *p;
			add = one;
		} else {
			one[0] = *p;
			add = one;
		}
		size_t k = strlen(add);
		if (n + k + 1 > len)
			return -ENAMETOOLONG;
		memcpy(out + n, add, k);
		n += k;
	}
	out[n] = 0;
	return 0;
}

struct hdr_peek {
	uint64_t start_unix_ns;
	bool ok;
};

static int peek_header(void *ctx, struct grw_rec *r)
{
	struct hdr_peek *h = ctx;
	struct grw_hdr hdr;
	if (r->type == GRW_REC_HEADER && grw_dec_header(&r->payload, &hdr) == 0) {
		h->start_unix_ns = hdr.start_unix_ns;
		h->ok = true;
	}
	return GRW_READ_STOP;
}

/* ------------------------------------------------------------------------------------------ */

/* --check: gates every trace the template names that started at or after start_ns (the
 * command's, its children's, each image of an exec chain). Returns check's exit status. */
static int check_children(const char *tpl, uint64_t start_ns, const struct grw_check_opts *o)
{
	char pat[PATH_MAX + 16];
	glob_t g;
	if (template_glob(tpl, -1, pat, sizeof pat - 8)) {
		fprintf(stderr, "growth: the trace name template is too long to search for\n");
		return GRW_EXIT_USAGE;
	}
	memset(&g, 0, sizeof g);
	int gr = glob(pat, 0, NULL, &g);
	size_t plen = strlen(pat);
	memcpy(pat + plen, ".[0-9]*", 8);
	glob(pat, gr == 0 ? GLOB_APPEND : 0, NULL, &g);
	pat[plen] = 0;
	const char **mine = calloc(g.gl_pathc + 1, sizeof *mine);
	size_t n = 0;
	if (!mine) {
		globfree(&g);
		fprintf(stderr, "growth: out of memory\n");
		return GRW_EXIT_USAGE;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct hdr_peek h = {0};
		struct grw_read_info info;
		char err[16];
		/* An unreadable file is gated too (it fails as unreadable): it may be ours. */
		if (grw_trace_read(g.gl_pathv[i], NULL, peek_header, &h, &info, err, sizeof err) != 0 ||
		    !h.ok || h.start_unix_ns >= start_ns)
			mine[n++] = g.gl_pathv[i];
	}
	int rc;
	if (n == 0) {
		fprintf(stderr, "growth: no trace found (looked for %s): libgrowth.so did not load or "
				"wrote nothing\n",
			pat);
		rc = GRW_EXIT_USAGE;
	} else {
		rc = grw_check_paths(o, mine, n, stderr);
	}
	free(mine);
	globfree(&g);
	return rc;
}

static int report_child(const char *tpl, pid_t pid)
{
	char pat[PATH_MAX + 16];
	glob_t g;
	if (template_glob(tpl, pid, pat, sizeof pat - 8)) {
		fprintf(stderr, "growth: the trace name template is too long to search for\n");
		return -ENAMETOOLONG;
	}
	memset(&g, 0, sizeof g);
	int gr = glob(pat, 0, NULL, &g);
	size_t plen = strlen(pat);
	memcpy(pat + plen, ".[0-9]*", 8); /* the writer's ".N" on a name clash */
	gr = glob(pat, gr == 0 ? GLOB_APPEND : 0, NULL, &g);
	pat[plen] = 0;
	if (g.gl_pathc == 0) {
		fprintf(stderr, "growth: no trace found for pid %d (looked for %s): libgrowth.so did "
				"not load or wrote nothing\n",
			(int)pid, pat);
		globfree(&g);
		return -ENOENT;
	}

	/* An exec chain leaves one trace per image under the same pid: take the latest. */
	size_t best = 0;
	uint64_t best_t = 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct hdr_peek h = {0};
		struct grw_read_info info;
		char err[16];
		if (grw_trace_read(g.gl_pathv[i], NULL, peek_header, &h, &info, err, sizeof err) == 0 &&
		    h.ok && h.start_unix_ns >= best_t) {
			best = i;
			best_t = h.start_unix_ns;
		}
	}
	if (g.gl_pathc > 1) {
		fprintf(stderr, "growth: %zu traces for pid %d (exec chain); reporting the latest, %s;"
				" the others:",
			g.gl_pathc, (int)pid, g.gl_pathv[best]);
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (i != best)
				fprintf(stderr, " %s", g.gl_pathv[i]);
		fputc('\n', stderr);
	}

	int e;
	struct grw_model m;
	char err[768];
	const char *path = g.gl_pathv[best];
	e = grw_model_load(&m, path, err, sizeof err);
	if (e) {
		fprintf(stderr, "%s\n", err);
		goto out_glob;
	}
	struct grw_symbolizer *sym = grw_sym_new(&m, stderr);
	if (!sym) {
		e = -ENOMEM;
		fprintf(stderr, "growth: out of memory\n");
		goto out_model;
	}
	struct grw_report_opts ro = {.trace_path = path};
	e = grw_report_summary(stderr, &m, sym, &ro);
	grw_sym_free(sym);
out_model:
	grw_model_free(&m);
out_glob:
	globfree(&g);
	return e;
}

int grw_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"check", no_argument, NULL, 'C'},
		GRW_CHECK_LONG_OPTIONS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *tpl_arg = DEFAULT_TEMPLATE;
	bool check = false, check_opts = false;
	struct grw_check_opts co;
	int c;
	grw_check_opts_init(&co);
	/* "+": options after CMD belong to CMD. */
	while ((c = getopt_long(argc, argv, "+:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			tpl_arg = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'h':
			fputs(grw_run_help, stdout);
			return GRW_EXIT_OK;
		case ':':
			return grw_usage_error("run", "option '%s' needs an argument", argv[optind - 1]);
		default:
			if (c >= GRW_CHECK_OPT_BASE && c < GRW_CHECK_OPT_BASE + GRW_CHECK_OPT_COUNT) {
				if (grw_check_opt(&co, c, optarg, "run"))
					return GRW_EXIT_USAGE;
				check_opts = true;
				break;
			}
			return grw_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (check_opts && !check)
		return grw_usage_error("run", "check options need --check");
	if (optind >= argc)
		return grw_usage_error("run", "missing CMD");
	if (!*tpl_arg)
		return grw_usage_error("run", "empty trace name template");
	char **cmd = argv + optind;

	char lib[PATH_MAX];
	if (find_lib(lib, sizeof lib)) {
		fprintf(stderr, "growth run: cannot find libgrowth.so in %s or %s/../lib/growth\n", lib,
			lib);
		return GRW_EXIT_USAGE;
	}

	/* An absolute template: the command may chdir, and we look for the trace afterwards. */
	char tpl[PATH_MAX];
	if (tpl_arg[0] == '/') {
		snprintf(tpl, sizeof tpl, "%s", tpl_arg);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd)) {
			fprintf(stderr, "growth run: cannot get the current directory: %s\n",
				strerror(errno));
			return GRW_EXIT_USAGE;
		}
		if ((size_t)snprintf(tpl, sizeof tpl, "%s/%s", cwd, tpl_arg) >= sizeof tpl)
			return grw_usage_error("run", "trace name template too long");
	}

	char exe[PATH_MAX] = "";
	if (which(cmd[0], exe, sizeof exe) == 0 && is_static_elf(exe))
		fprintf(stderr, "growth: %s is statically linked; LD_PRELOAD cannot work\n", cmd[0]);

	const char *old = getenv("LD_PRELOAD");
	char *preload = NULL;
	if (old && *old) {
		size_t n = strlen(lib) + 1 + strlen(old) + 1;
		preload = malloc(n);
		if (preload)
			snprintf(preload, n, "%s:%s", lib, old);
	} else {
		preload = strdup(lib);
	}
	if (!preload || setenv("LD_PRELOAD", preload, 1) || setenv("GROWTH_OUTPUT", tpl, 1) ||
	    setenv("GROWTH_WARN", "1", 0) /* live warnings on unless the user chose */) {
		fprintf(stderr, "growth run: cannot set the environment: %s\n", strerror(errno));
		free(preload);
		return GRW_EXIT_USAGE;
	}
	free(preload);

	struct timespec start_ts;
	clock_gettime(CLOCK_REALTIME, &start_ts);
	uint64_t start_ns = (uint64_t)start_ts.tv_sec * 1000000000u + (uint64_t)start_ts.tv_nsec;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "growth run: fork: %s\n", strerror(errno));
		return GRW_EXIT_USAGE;
	}
	if (pid == 0) {
		execvp(cmd[0], cmd);
		int err = errno;
		fprintf(stderr, "growth run: cannot run '%s': %s\n", cmd[0], strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}

	/* Like time(1): the terminal's SIGINT/SIGQUIT are for the command; we wait for it. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int status = 0;
	pid_t w;
	do {
		w = waitpid(pid, &status, 0);
	} while (w < 0 && errno == EINTR);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (w < 0) {
		fprintf(stderr, "growth run: waitpid: %s\n", strerror(errno));
		return GRW_EXIT_USAGE;
	}
	int rc = WIFEXITED(status) ? WEXITSTATUS(status)
		 : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					 : GRW_EXIT_USAGE;

	/* The command's exec failure already said why; there is no trace to look for. */
	bool exec_failed = WIFEXITED(status) && (rc == 127 || rc == 126) && access(exe, X_OK) != 0;
	if (check) {
		/* The command's failure wins; the gate's report is printed all the same. */
		int crc = exec_failed ? GRW_EXIT_USAGE : check_children(tpl, start_ns, &co);
		return rc != 0 ? rc : crc;
	}
	if (!exec_failed)
		report_child(tpl, pid);
	return rc;
}
