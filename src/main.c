/* cutover: the command table and the `check` and `help` commands (`records`
 * is in records.c). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "baseline.h"
#include "comparecmd.h"
#include "completion.h"
#include "plancmd.h"
#include "progress.h"
#include "propcmd.h"
#include "providercmd.h"
#include "records.h"
#include "loop.h"
#include "session.h"
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
	const char *summary; /* one line for `cutover --help` */
	const char *usage;   /* the whole help text of `cutover help NAME` and NAME --help */
	/* For shell completion: the command's own long options (getopt's
	 * table, ending in a zero entry; NULL: none), whether it takes the
	 * common ones too, the words its first operand is one of (word(i), NULL
	 * past the last; no function: any) and whether its operands are files. */
	const struct option *longopts;
	int common;
	const char *(*word)(size_t i);
	int files;
};

static int cmd_check(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_completion(int argc, char **argv);
static const char *help_word(size_t i);
static const char *completion_word(size_t i);

static const char check_usage[] =
	"usage: cutover check [options] DOMAIN...\n"
	"\n"
	"Audit each DOMAIN on every authoritative server: delegation, SOA, TTLs,\n"
	"wildcards and expected records, as the rule sets say.\n"
	"\n"
	"  -r, --rules FILE         a rule set (repeatable); a bare NAME finds the\n"
	"                           shipped rules/NAME.yml (default: default)\n"
	"  -s, --set NAME=VALUE     a variable for {NAME} in rule sets (repeatable)\n"
	"  -d, --domains FILE       read more domains from FILE, any number a line\n"
	"                           ('#' starts a comment; '-': stdin)\n"
	"      --resolver ADDR[#PORT]  use this recursive resolver instead of the embedded one\n"
	"      --root-hints FILE    root hints for the embedded resolver\n"
	"                           (default /usr/share/dns/root.hints)\n"
	"      --trust-anchor FILE  DNSSEC trust anchor (default /usr/share/dns/root.key\n"
	"                           when present and the default root is used)\n"
	"      --ca-file FILE       CA certificates (PEM) to verify the TLS of http, smtp\n"
	"                           and mta-sts checks with, instead of the system's\n"
	"      --ns NAME[/ADDR]     check on these servers as if the parent delegated the\n"
	"                           zone to them (a new provider, before the move;\n"
	"                           repeatable; NAME, NAME/ADDR or ADDR)\n"
	"  -f, --format FMT         text (default), json, nagios, junit, tap, prometheus,\n"
	"                           html (one self-contained page: domains worst first,\n"
	"                           a filter by status)\n"
	"  -o, --output FILE        write the report to FILE (replaced atomically)\n"
	"      --fail-on LEVEL      warn or fail (default): the lowest status that makes\n"
	"                           the exit code non-zero; new: only findings new since\n"
	"                           the --baseline count, warnings included\n"
	"      --save FILE          also write the JSON report to FILE (replaced\n"
	"                           atomically, whatever -f and -o say), the findings\n"
	"                           as they are, unmarked: the next run's baseline\n"
	"      --baseline FILE      mark each finding new, unchanged or fixed against\n"
	"                           FILE, a JSON report of an earlier run (--save);\n"
	"                           problems gone since are added as fixed (info)\n"
	"      --timeout MS         per-query timeout, retries included (default 2000)\n"
	"  -j, --jobs N             domains in flight at once (default 64)\n"
	"      --stats              print the queries and lookups made to standard error\n"
	"  -q, --quiet              no progress line on the terminal, and nothing on\n"
	"                           standard error but warnings and errors\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 ok, 1 warn (with --fail-on warn), 2 fail, 3 could not run or\n"
	"could not determine (error findings). With -f nagios, warnings always exit 1,\n"
	"as Nagios plugins do. With --fail-on new, the same over the new findings\n"
	"alone: 0 when none is a warning or worse. SIGINT or SIGTERM ends the run with\n"
	"a valid report of the domains done so far, marked interrupted (and --save\n"
	"leaves FILE as it was); it exits 2 when one of them failed, else 3.\n"
	"\n"
	"A DOMAIN that is not a zone cut (www.example.org) is checked within the zone\n"
	"that holds it, and the report says which (ns.enclosing-zone).\n"
	"\n"
	"On a terminal, a run that lasts more than a second shows a line on standard\n"
	"error: domains done of all, findings, queries in flight, time elapsed. It is\n"
	"erased before anything else is written there, and at the end; -q, NO_COLOR\n"
	"or TERM=dumb turn it off.\n";

static const char help_usage[] = "usage: cutover help [COMMAND|checks|codes|providers]\n"
				 "\n"
				 "Show the help of a command, every check and its parameters (checks),\n"
				 "every finding code with its default status (codes), or the DNS providers\n"
				 "cutover recognises with their lowest TTLs (providers).\n";

/* check's own options. */
enum { OPT_SAVE = 300, OPT_BASELINE };

static const struct option check_longopts[] = {
	{"save", required_argument, NULL, OPT_SAVE},
	{"baseline", required_argument, NULL, OPT_BASELINE},
	{NULL, 0, NULL, 0},
};

static const char completion_usage[] =
	"usage: cutover completion bash|zsh\n"
	"       cutover completion rule-sets|resolver-lists\n"
	"\n"
	"Print the shell completion script for bash or zsh, generated from cutover's\n"
	"commands and options: the package installs them; by hand, put\n"
	"'source <(cutover completion bash)' in ~/.bashrc, or, after compinit in\n"
	"~/.zshrc, 'source <(cutover completion zsh)'. They complete commands,\n"
	"options, formats, --fail-on levels, plan subcommands, help topics, files\n"
	"and the shipped rule sets.\n"
	"\n"
	"rule-sets and resolver-lists print the names a bare -r NAME and --resolvers\n"
	"NAME find (what the scripts offer), one a line.\n";

static const struct command commands[] = {
	{"check", cmd_check, "audit domains against rule sets", check_usage, check_longopts, 1, NULL, 0},
	{"propagation", cmd_propagation, "who has the new value, who still holds the old one, and until when",
	 propagation_usage, propagation_longopts, 1, NULL, 0},
	{"plan", cmd_plan, "run a migration plan: phases that advance only when their gates pass", plan_usage,
	 plan_longopts, 1, plan_subcommand, 1},
	{"records", cmd_records, "the records a mail setup needs, as zone-file lines, and which are missing",
	 records_usage, records_longopts, 1, NULL, 0},
	{"provider", cmd_provider,
	 "which DNS provider a domain is at, its lowest TTL and how to lower one there", provider_usage,
	 provider_longopts, 1, NULL, 0},
	{"compare", cmd_compare,
	 "every record of a zone on the old DNS provider's servers against the new one's", compare_usage,
	 compare_longopts, 1, NULL, 0},
	{"help", cmd_help, "show help for a command, the checks or the finding codes", help_usage, NULL, 0,
	 help_word, 0},
	{"completion", cmd_completion, "print the bash or zsh completion script", completion_usage, NULL, 0,
	 completion_word, 0},
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
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
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

struct check_opts {
	const char *save;     /* --save FILE, or NULL */
	const char *baseline; /* --baseline FILE, or NULL */
};

static int on_check_option(void *arg, int c, const char *optarg)
{
	struct check_opts *co = arg;
	if (c == OPT_SAVE)
		co->save = optarg;
	else if (c == OPT_BASELINE)
		co->baseline = optarg;
	else
		return -1;
	return 0;
}

/* Whether --save FILE would land where the report goes (-o, or standard
 * output when -o is not given): the same file, or two names of one. */
static int same_output(const char *save, const char *output)
{
	struct stat a, b;
	if (stat(save, &a) != 0)
		return output && strcmp(save, output) == 0; /* a new file: by name */
	if (output ? stat(output, &b) != 0 : fstat(STDOUT_FILENO, &b) != 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int cmd_check(int argc, char **argv)
{
	struct common_opts o;
	struct check_opts co = {NULL, NULL};
	struct opts_extra extra = {check_longopts, "", on_check_option, &co, 0, 1};
	struct ruleset *rulesets = NULL;
	size_t n_rulesets = 0;
	struct audit_batch_counts counts = {0};
	struct session *session = NULL;
	struct baseline *baseline = NULL;
	struct reporter *rp = NULL, *save_rp = NULL;
	struct output out = {NULL, NULL, NULL, NULL}, save_out = {NULL, NULL, NULL, NULL};
	char err[1024];
	int rc = EXIT_USAGE, prc;

	prc = opts_common_parse(&o, argc, argv, check_usage, &extra);
	if (prc != 0) {
		rc = prc > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	struct report_opts repopts = {
		.fail_on = o.fail_on, .tool = TOOL, .baseline = co.baseline, .fail_on_new = o.fail_on_new};
	/* A Nagios plugin says WARNING (exit 1) for warnings, whatever --fail-on says. */
	if (o.format == FORMAT_NAGIOS)
		repopts.fail_on = STATUS_WARN;
	if (o.n_args == 0) {
		fprintf(stderr, "cutover: check: no domain given\nsee 'cutover help check'\n");
		goto out;
	}
	if (o.fail_on_new && !co.baseline) {
		fprintf(stderr, "cutover: check: --fail-on new needs --baseline FILE (the report of "
				"the problems that are not new)\n");
		goto out;
	}
	if (co.save && same_output(co.save, o.output)) {
		fprintf(stderr,
			"cutover: check: --save '%s' is where the report goes: give -o another file\n",
			co.save);
		goto out;
	}
	if (opts_load_rules(&o, &rulesets, &n_rulesets) != 0)
		goto out;
	if (co.baseline && baseline_load(co.baseline, &baseline, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: --baseline: %s\n", err);
		goto out;
	}
	if (session_open(&o, &session, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	if (output_open(&out, o.output) != 0)
		goto out;
	if (co.save && output_open(&save_out, co.save) != 0) {
		output_discard(&out);
		goto out;
	}
	if (!o.output) {
		const char *nc = getenv("NO_COLOR");
		const char *term = getenv("TERM");
		repopts.color = o.format == FORMAT_TEXT && isatty(STDOUT_FILENO) && !(nc && *nc) &&
				!(term && strcmp(term, "dumb") == 0);
	}
	time_t started = time(NULL);
	struct report_opts saveopts = {.fail_on = o.fail_on, .tool = TOOL};
	if (reporter_open(o.format, &repopts, started, out.f, &rp) != 0 ||
	    (co.save && reporter_open(FORMAT_JSON, &saveopts, started, save_out.f, &save_rp) != 0)) {
		fprintf(stderr, "cutover: cannot start the report: %s\n", strerror(errno));
		output_discard(&out);
		output_discard(&save_out);
		goto out;
	}
	uint64_t t0 = loop_now_us();
	struct audit_rules rules = {rulesets, n_rulesets};
	struct audit_batch_opts bopts = {.jobs = o.jobs, .save = save_rp, .baseline = baseline};
	struct audit_batch_view view = {"check", &counts, session};
	struct progress *line = progress_start(session->loop, o.quiet, audit_batch_progress, &view);
	int brc = audit_batch(session, &rules, &bopts, o.args, o.n_args, rp, &counts);
	progress_stop(line);
	double elapsed = (double)(loop_now_us() - t0) / 1e6;
	/* the errno of a failed write, for output_close() to tell */
	int werr = brc < 0 ? -1 : reporter_close(rp, elapsed, brc == 1) == 0 ? 0 : errno ? errno : -1;
	int save_failed = 0;
	if (co.save && brc != 0) {
		/* a partial report would be the next run's baseline: the old one stays */
		output_discard(&save_out);
		if (brc == 1)
			fprintf(stderr, "cutover: --save: the run was interrupted: '%s' is left as it was\n",
				co.save);
	} else if (co.save) {
		int serr = reporter_close(save_rp, elapsed, 0) == 0 ? 0 : errno ? errno : -1;
		save_failed = output_close(&save_out, serr) != 0;
	}
	if (output_close(&out, werr) != 0 || brc < 0) {
		if (brc < 0)
			fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
		goto out;
	}
	if (o.stats) {
		struct dns_stats ds;
		struct resolver_stats rs;
		dns_engine_stats(session->engine, &ds);
		resolver_stats(session->resolver, &rs);
		fprintf(stderr,
			"cutover: stats: domains=%zu queries=%lu answers=%lu timeouts=%lu tcp=%lu "
			"retransmits=%lu "
			"lookups=%lu elapsed=%.3f\n",
			counts.reported, ds.sent, ds.received, ds.timeouts, ds.tcp_fallbacks, ds.retransmits,
			rs.lookups, elapsed);
	}
	/* A person reading text should know what `when:` left out; machine
	 * formats stay quiet (their readers act on what was checked), and so
	 * does -q. */
	if (o.format == FORMAT_TEXT && !o.quiet)
		for (size_t i = 0; i < n_rulesets; i++)
			for (size_t k = 0; k < rulesets[i].n_skipped; k++) {
				const struct rule *sk = &rulesets[i].skipped[k];
				int by_when = sk->when && !vars_get(&o.vars, sk->when);
				fprintf(stderr, "cutover: note: %s:%d:%d: check '%s' skipped: '%s' is %s\n",
					sk->file, sk->line, sk->col, sk->desc->name,
					by_when ? sk->when : sk->unless, by_when ? "not set" : "set");
			}
	if (brc == 1) {
		fprintf(stderr, "cutover: interrupted: %zu of %zu domains checked and reported\n",
			counts.reported, counts.targets);
		/* reporter_exit_code(): 2 when a finding failed, else 3. */
		rc = reporter_exit_code(rp);
		goto out;
	}
	/* the report is complete, but the baseline asked for is not written */
	rc = save_failed ? EXIT_USAGE : reporter_exit_code(rp);
out:
	reporter_free(rp);
	reporter_free(save_rp);
	baseline_free(baseline);
	session_close(session);
	for (size_t i = 0; i < n_rulesets; i++)
		ruleset_release(&rulesets[i]);
	free(rulesets);
	opts_common_release(&o);
	return rc;
}

static int help_checks(void)
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
		printf("    %-18s %s\n", "unless", "a variable name: run this check only when it is not set");
	}
	return 0;
}

static int help_codes(void)
{
	size_t n;
	const struct finding_code *t = code_table(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-28s %-5s  %s\n", t[i].code, status_name(t[i].status), t[i].summary);
	return 0;
}

static int help_providers(void)
{
	return provider_list_text(stdout) == 0 ? 0 : EXIT_USAGE;
}

/* The topics of `cutover help` beside the commands. */
static const struct {
	const char *name;
	int (*fn)(void);
} help_topics[] = {{"checks", help_checks}, {"codes", help_codes}, {"providers", help_providers}};

/* What `help` takes: the commands, then the topics. */
static const char *help_word(size_t i)
{
	if (i < ARRAY_SIZE(commands))
		return commands[i].name;
	i -= ARRAY_SIZE(commands);
	return i < ARRAY_SIZE(help_topics) ? help_topics[i].name : NULL;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(help_topics); i++)
		if (strcmp(argv[1], help_topics[i].name) == 0)
			return help_topics[i].fn();
	const struct command *cmd = command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "cutover: no help for '%s': not a command\n", argv[1]);
		return EXIT_USAGE;
	}
	fputs(cmd->usage, stdout);
	return 0;
}

static const char *completion_word(size_t i)
{
	static const char *const words[] = {"bash", "zsh", "rule-sets", "resolver-lists"};
	return i < ARRAY_SIZE(words) ? words[i] : NULL;
}

static int cmd_completion(int argc, char **argv)
{
	struct completion_command cc[ARRAY_SIZE(commands)];

	if (argc != 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(completion_usage, argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : EXIT_USAGE;
	}
	if (strcmp(argv[1], "rule-sets") == 0)
		return opts_shipped_list(".yml", stdout);
	if (strcmp(argv[1], "resolver-lists") == 0)
		return opts_shipped_list(".txt", stdout);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct command *c = &commands[i];
		cc[i] = (struct completion_command){c->name,   c->summary, c->longopts, "",
						    c->common, c->word,	   c->files};
	}
	if (completion_print(stdout, argv[1], CUTOVER_VERSION, cc, ARRAY_SIZE(cc)) != 0) {
		fprintf(stderr, "cutover: completion: unknown shell '%s' (bash or zsh)\n", argv[1]);
		return EXIT_USAGE;
	}
	return 0;
}

/* rc, or 3 when what was printed to standard output did not all get there
 * (closed, a reader gone: help | head) and nothing said so yet. */
static int stdout_close(int rc)
{
	if (rc == EXIT_USAGE)
		return rc; /* the failure, whatever it was, is told */
	errno = 0;
	int flushed = fflush(stdout) == 0;
	if (flushed && !ferror(stdout))
		return rc;
	if (!flushed && errno)
		fprintf(stderr, "cutover: cannot write standard output: %s\n", strerror(errno));
	else
		fprintf(stderr, "cutover: cannot write standard output\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	std_fds_check();
	/* before anything is written: stderr's writers erase the progress line */
	progress_setup();
	/* jansson's allocations exit on failure like cutover's own: json_dumps()
	 * ignores a failure to write an object's key and returns the text
	 * without it (found by make check-alloc), a report that would read as
	 * valid. */
	json_set_alloc_funcs(xmalloc, free);
	/* A reader that goes away (cutover ... | head) is a write error that
	 * ends the run with a message and exit 3, not a silent SIGPIPE death. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("%s\n", TOOL);
		return stdout_close(0);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_main(stdout);
		return stdout_close(0);
	}
	const struct command *cmd = command_find(argv[1]);
	if (!cmd)
		die_usage("'%s' is not a cutover command; see 'cutover --help'", argv[1]);
	return stdout_close(cmd->fn(argc - 1, argv + 1));
}
