/* cutover: the command table and the `check` and `help` commands. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "checks.h"
#include "dns.h"
#include "report.h"
#include "resolve.h"
#include "rules.h"
#include "util.h"

#define TOOL "cutover " CUTOVER_VERSION
#define EXIT_USAGE 3

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static int cmd_check(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const char check_usage[] =
	"usage: cutover check [options] DOMAIN...\n"
	"\n"
	"Audit each DOMAIN on every authoritative server: delegation, SOA, TTLs,\n"
	"wildcards and expected records, as the rule sets say.\n"
	"\n"
	"  -r, --rules FILE         a rule set (repeatable); a bare NAME finds the\n"
	"                           shipped rules/NAME.yml (default: default)\n"
	"  -s, --set NAME=VALUE     a variable for {NAME} in rule sets (repeatable)\n"
	"  -d, --domains FILE       read more domains from FILE, one a line ('-': stdin)\n"
	"      --resolver ADDR[#PORT]  use this recursive resolver instead of the embedded one\n"
	"      --root-hints FILE    root hints for the embedded resolver\n"
	"                           (default /usr/share/dns/root.hints)\n"
	"      --trust-anchor FILE  DNSSEC trust anchor (default /usr/share/dns/root.key\n"
	"                           when present and the default root is used)\n"
	"  -f, --format FMT         text (default), json, nagios, junit, tap, prometheus\n"
	"  -o, --output FILE        write the report to FILE (replaced atomically)\n"
	"      --fail-on LEVEL      warn or fail (default): the lowest status that makes\n"
	"                           the exit code non-zero\n"
	"      --timeout MS         per-query timeout, retries included (default 2000)\n"
	"  -j, --jobs N             domains in flight at once (default 64)\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 ok, 1 warn (with --fail-on warn), 2 fail, 3 could not run or\n"
	"could not determine (error findings). With -f nagios, warnings always exit 1,\n"
	"as Nagios plugins do.\n";

static const struct command commands[] = {
	{"check", cmd_check, "check [options] DOMAIN...", "audit domains against rule sets"},
	{"help", cmd_help, "help [command|checks|codes]",
	 "show help for a command, the checks or the finding codes"},
};

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage_main(FILE *out)
{
	fprintf(out, "usage: cutover [--version] [--help] <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nSee 'cutover help <command>' for a command's options.\n");
}

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cutover: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	exit(EXIT_USAGE);
}

/* The directories of the shipped rule sets, in order: $CUTOVER_RULES_DIR, the
 * source tree next to the binary (build/cutover -> rules/), an installed tree
 * beside the binary (bin/ -> share/cutover/rules), the configured DATADIR. */
static int rules_dir_candidates(char dirs[][PATH_MAX], size_t max)
{
	size_t n = 0;
	const char *env = getenv("CUTOVER_RULES_DIR");
	if (env && *env && n < max)
		snprintf(dirs[n++], PATH_MAX, "%s", env);
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *dir = dirname(exe);
		if (n < max)
			snprintf(dirs[n++], PATH_MAX, "%s/../rules", dir);
		if (n < max)
			snprintf(dirs[n++], PATH_MAX, "%s/rules", dir);
		/* an installed tree moved elsewhere: PREFIX/bin -> PREFIX/share */
		if (n < max)
			snprintf(dirs[n++], PATH_MAX, "%s/../share/cutover/rules", dir);
	}
	if (n < max)
		snprintf(dirs[n++], PATH_MAX, "%s/rules", CUTOVER_DATADIR);
	return (int)n;
}

/* A rule-set argument as a path: itself when it names a file or has a slash,
 * else the shipped rule set of that name. */
static char *rules_path(const char *arg)
{
	if (strchr(arg, '/') || access(arg, F_OK) == 0)
		return xstrdup(arg);
	char dirs[5][PATH_MAX];
	int n = rules_dir_candidates(dirs, 5);
	size_t len = strlen(arg);
	int has_ext = len > 4 && strcmp(arg + len - 4, ".yml") == 0;
	for (int i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s%s", dirs[i], arg, has_ext ? "" : ".yml");
		if (access(p, R_OK) == 0) {
			/* build/../rules/x.yml reads badly in messages */
			char *real = realpath(p, NULL);
			if (real) {
				free(p);
				return real;
			}
			return p;
		}
		free(p);
	}
	return xstrdup(arg); /* rules_load reports it cannot be opened */
}

static int read_domains(const char *path, char ***v, size_t *n, size_t *alloc)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cutover: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		char *e = s + strcspn(s, " \t\r\n#");
		if (e == s)
			continue;
		*(char **)xgrow(v, n, alloc, sizeof(char *)) = xstrndup(s, (size_t)(e - s));
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return 0;
}

static int write_report(const struct report *r, enum report_format fmt, struct report_opts *ropts,
			const char *path)
{
	if (!path) {
		const char *nc = getenv("NO_COLOR");
		const char *term = getenv("TERM");
		ropts->color = fmt == FORMAT_TEXT && isatty(STDOUT_FILENO) && !(nc && *nc) &&
			       !(term && strcmp(term, "dumb") == 0);
		if (report_write(r, fmt, ropts, stdout) != 0 || fflush(stdout) != 0) {
			fprintf(stderr, "cutover: cannot write the report: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Write beside the target and rename, so a reader (the node exporter's
	 * textfile collector, a CI step) never sees half a report; but a device
	 * or a pipe (/dev/null, /dev/stdout, a FIFO) is written in place. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		FILE *f = fopen(path, "w");
		ropts->color = 0;
		if (!f || report_write(r, fmt, ropts, f) != 0 || fclose(f) != 0) {
			fprintf(stderr, "cutover: cannot write '%s': %s\n", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = -1;
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "cutover: cannot write '%s': %s\n", tmp, strerror(errno));
		goto out;
	}
	ropts->color = 0;
	if (report_write(r, fmt, ropts, f) != 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fprintf(stderr, "cutover: cannot write '%s': %s\n", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "cutover: cannot write '%s': %s\n", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

enum {
	OPT_RESOLVER = 256,
	OPT_ROOT_HINTS,
	OPT_TRUST_ANCHOR,
	OPT_FAIL_ON,
	OPT_TIMEOUT,
};

static int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"set", required_argument, NULL, 's'},
		{"domains", required_argument, NULL, 'd'},
		{"resolver", required_argument, NULL, OPT_RESOLVER},
		{"root-hints", required_argument, NULL, OPT_ROOT_HINTS},
		{"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"jobs", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vars vars = VARS_INIT;
	struct resolver_opts ropts = {NULL, NULL, NULL, 0};
	struct dns_opts dopts = DNS_OPTS_INIT;
	struct report_opts repopts = {0, STATUS_FAIL, TOOL};
	enum report_format fmt = FORMAT_TEXT;
	const char *output = NULL;
	unsigned long jobs = 64;
	char **rule_args = NULL, **domains = NULL;
	size_t n_rule_args = 0, alloc_rule_args = 0, n_domains = 0, alloc_domains = 0;
	struct ruleset *rulesets = NULL;
	size_t n_rulesets = 0;
	struct dns_engine *engine = NULL;
	struct resolver *resolver = NULL;
	struct report report;
	char err[1024];
	unsigned long v;
	int rc = EXIT_USAGE, c;

	report_init(&report);
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:s:d:f:o:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			*(char **)xgrow(&rule_args, &n_rule_args, &alloc_rule_args, sizeof(char *)) = optarg;
			break;
		case 's':
			if (vars_set_assignment(&vars, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "cutover: --set: %s\n", err);
				goto out;
			}
			break;
		case 'd':
			if (read_domains(optarg, &domains, &n_domains, &alloc_domains) != 0)
				goto out;
			break;
		case OPT_RESOLVER:
			ropts.forwarder = optarg;
			break;
		case OPT_ROOT_HINTS:
			ropts.root_hints = optarg;
			break;
		case OPT_TRUST_ANCHOR:
			ropts.trust_anchor = optarg;
			break;
		case 'f':
			if (report_format_parse(optarg, &fmt) != 0) {
				fprintf(stderr,
					"cutover: unknown format '%s' (text, json, nagios, junit, tap, "
					"prometheus)\n",
					optarg);
				goto out;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_FAIL_ON:
			if (strcmp(optarg, "warn") == 0)
				repopts.fail_on = STATUS_WARN;
			else if (strcmp(optarg, "fail") == 0)
				repopts.fail_on = STATUS_FAIL;
			else {
				fprintf(stderr, "cutover: --fail-on: want 'warn' or 'fail', not '%s'\n",
					optarg);
				goto out;
			}
			break;
		case OPT_TIMEOUT:
			if (parse_ulong(optarg, 10, 600000, &v) != 0) {
				fprintf(stderr,
					"cutover: --timeout: want milliseconds from 10 to 600000, not '%s'\n",
					optarg);
				goto out;
			}
			dopts.timeout_ms = (unsigned)v;
			break;
		case 'j':
			if (parse_ulong(optarg, 1, 100000, &jobs) != 0) {
				fprintf(stderr, "cutover: --jobs: want a number from 1 to 100000, not '%s'\n",
					optarg);
				goto out;
			}
			break;
		case 'h':
			fputs(check_usage, stdout);
			rc = 0;
			goto out;
		default:
			fprintf(stderr, "see 'cutover help check'\n");
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		*(char **)xgrow(&domains, &n_domains, &alloc_domains, sizeof(char *)) = xstrdup(argv[i]);
	if (ropts.forwarder && (ropts.root_hints || ropts.trust_anchor)) {
		fprintf(stderr, "cutover: --resolver forwards every lookup; it cannot be combined with %s\n",
			ropts.root_hints ? "--root-hints" : "--trust-anchor");
		goto out;
	}
	/* A Nagios plugin says WARNING (exit 1) for warnings, whatever --fail-on says. */
	if (fmt == FORMAT_NAGIOS)
		repopts.fail_on = STATUS_WARN;
	if (n_domains == 0) {
		fprintf(stderr, "cutover: check: no domain given\nsee 'cutover help check'\n");
		goto out;
	}
	if (n_rule_args == 0)
		*(char **)xgrow(&rule_args, &n_rule_args, &alloc_rule_args, sizeof(char *)) = "default";
	rulesets = xcalloc(n_rule_args, sizeof(*rulesets));
	for (size_t i = 0; i < n_rule_args; i++) {
		char *path = rules_path(rule_args[i]);
		int lrc = rules_load(path, &vars, &rulesets[n_rulesets], err, sizeof(err));
		free(path);
		if (lrc != 0) {
			fprintf(stderr, "cutover: %s\n", err);
			goto out;
		}
		n_rulesets++;
	}

	if (dns_engine_new(&dopts, &engine) != 0) {
		fprintf(stderr, "cutover: cannot start the query engine: %s\n", strerror(errno));
		goto out;
	}
	/* A recursive lookup takes several queries: give it three query budgets. */
	ropts.timeout_ms = dopts.timeout_ms * 3;
	if (resolver_new(engine, &ropts, &resolver, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	report.started = time(NULL);
	struct audit_opts aopts = {rulesets, n_rulesets, &vars, (unsigned)jobs};
	if (audit_run(engine, resolver, &aopts, domains, n_domains, &report) != 0) {
		fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	report.elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (write_report(&report, fmt, &repopts, output) != 0)
		goto out;
	/* A person reading text should know what `when:` left out; machine
	 * formats stay quiet (their readers act on what was checked). */
	if (fmt == FORMAT_TEXT)
		for (size_t i = 0; i < n_rulesets; i++)
			for (size_t k = 0; k < rulesets[i].n_skipped; k++) {
				const struct rule *sk = &rulesets[i].skipped[k];
				fprintf(stderr,
					"cutover: note: %s:%d:%d: check '%s' skipped: '%s' is not set\n",
					sk->file, sk->line, sk->col, sk->desc->name, sk->when);
			}
	rc = report_exit_code(&report, repopts.fail_on);
out:
	resolver_free(resolver);
	dns_engine_free(engine);
	for (size_t i = 0; i < n_rulesets; i++)
		ruleset_release(&rulesets[i]);
	free(rulesets);
	free(rule_args);
	for (size_t i = 0; i < n_domains; i++)
		free(domains[i]);
	free(domains);
	vars_release(&vars);
	report_release(&report);
	return rc;
}

static void help_checks(void)
{
	size_t n;
	const struct check_desc *const *t = check_table(&n);
	for (size_t i = 0; i < n; i++) {
		printf("%s: %s\n", t[i]->name, t[i]->summary);
		for (const struct check_param *p = t[i]->params; p->key; p++)
			printf("    %-18s %s%s\n", p->key, p->help, p->required ? " (required)" : "");
		printf("    %-18s %s\n", "severity",
		       "info, warn or fail: the status of this check's problems (its warn and fail "
		       "findings)");
		printf("    %-18s %s\n", "when", "a variable name: run this check only when it is set");
	}
}

static void help_codes(void)
{
	size_t n;
	const struct finding_code *t = code_table(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-28s %-5s  %s\n", t[i].code, status_name(t[i].status), t[i].summary);
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stdout);
		return 0;
	}
	if (strcmp(argv[1], "checks") == 0) {
		help_checks();
		return 0;
	}
	if (strcmp(argv[1], "codes") == 0) {
		help_codes();
		return 0;
	}
	const struct command *cmd = command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "cutover: no help for '%s': not a command\n", argv[1]);
		return EXIT_USAGE;
	}
	if (cmd->fn == cmd_check)
		fputs(check_usage, stdout);
	else
		printf("usage: cutover %s\n\n%s\n", cmd->usage, cmd->help);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("%s\n", TOOL);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_main(stdout);
		return 0;
	}
	const struct command *cmd = command_find(argv[1]);
	if (!cmd)
		die_usage("'%s' is not a cutover command; see 'cutover --help'", argv[1]);
	return cmd->fn(argc - 1, argv + 1);
}
