/* The common options of DNS commands and the session they open. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "loop.h"
#include "names.h"
#include "session.h"
#include "util.h"

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

char *opts_shipped_path(const char *arg, const char *ext)
{
	if (strchr(arg, '/') || access(arg, F_OK) == 0)
		return xstrdup(arg);
	char dirs[5][PATH_MAX];
	int n = rules_dir_candidates(dirs, 5);
	size_t len = strlen(arg), elen = strlen(ext);
	int has_ext = len > elen && strcmp(arg + len - elen, ext) == 0;
	for (int i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s%s", dirs[i], arg, has_ext ? "" : ext);
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
	return xstrdup(arg); /* the caller's open reports it cannot be */
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int opts_shipped_list(const char *ext, FILE *out)
{
	char dirs[5][PATH_MAX];
	int n = rules_dir_candidates(dirs, 5);
	char **names = NULL;
	size_t n_names = 0, alloc = 0, elen = strlen(ext);

	for (int i = 0; i < n; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d)) != NULL) {
			size_t len = strlen(e->d_name);
			if (e->d_name[0] == '.' || len <= elen || strcmp(e->d_name + len - elen, ext) != 0 ||
			    strpbrk(e->d_name, " \t\n"))
				continue;
			*(char **)xgrow(&names, &n_names, &alloc, sizeof(char *)) =
				xasprintf("%.*s", (int)(len - elen), e->d_name);
		}
		closedir(d);
	}
	if (n_names)
		qsort(names, n_names, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n_names; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			fprintf(out, "%s\n", names[i]);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	return 0;
}

int domains_parse(const char *buf, size_t len, const char *file, domains_add_fn add, void *arg, char *err,
		  size_t errlen)
{
	char why[256];
	char *name = NULL;
	size_t line = 1, i = 0, cap = 0;
	int ret = -1;

	while (i < len) {
		char c = buf[i];
		if (c == '\0') {
			snprintf(err, errlen, "%s:%zu: a NUL byte: not a text file of domain names", file,
				 line);
			goto out;
		}
		if (c == '\n') {
			line++;
			i++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
			i++;
		} else if (c == '#') {
			while (i < len && buf[i] != '\n' && buf[i] != '\0')
				i++;
		} else {
			size_t start = i;
			while (i < len && !strchr(" \t\r\v\f\n#", buf[i]) && buf[i] != '\0')
				i++;
			size_t n = i - start;
			if (n + 1 > cap) {
				cap = n + 1;
				name = xrealloc(name, cap);
			}
			memcpy(name, buf + start, n);
			name[n] = '\0';
			why[0] = '\0';
			if (add(arg, name, why, sizeof(why)) != 0) {
				snprintf(err, errlen, "%s:%zu: %s", file, line,
					 why[0] ? why : "invalid domain name");
				goto out;
			}
		}
	}
	ret = 0;
out:
	free(name);
	return ret;
}

/* A name of a domains file, checked and converted as the command line's are
 * (name_domain_arg: IDN to A-labels, an IP address or a stray character
 * refused), appended to o->args. */
static int add_domain(void *arg, const char *name, char *why, size_t whylen)
{
	struct common_opts *o = arg;
	if (o->n_args >= DOMAINS_MAX) {
		snprintf(why, whylen, "more than %d domains in all: split the list into several runs",
			 DOMAINS_MAX);
		return -1;
	}
	const char *domain = name_domain_arg(&o->names, name, why, whylen);
	if (!domain)
		return -1;
	*(const char **)xgrow(&o->args, &o->n_args, &o->alloc_args, sizeof(char *)) = domain;
	return 0;
}

/* Append the names in the file at path ("-": standard input) to o->args.
 * Returns 0, or -1 after printing why. */
static int read_domains(struct common_opts *o, const char *path)
{
	int from_stdin = strcmp(path, "-") == 0;
	const char *shown = from_stdin ? "standard input" : path;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char err[512];
	int ret = -1, rc;
	FILE *f = from_stdin ? stdin : fopen(path, "r");

	if (!f) {
		fprintf(stderr, "cutover: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	/* A directory opens and reads as empty: say so rather than check nothing. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "cutover: '%s' is a directory, not a file of domain names\n", path);
		goto out;
	}
	rc = sb_read_file(&sb, f, DOMAINS_FILE_MAX);
	if (rc < 0) {
		fprintf(stderr, "cutover: cannot read '%s': %s\n", shown, strerror(errno));
		goto out;
	}
	if (rc > 0) {
		fprintf(stderr, "cutover: '%s' is larger than %d MiB: too large for a file of domain names\n",
			shown, DOMAINS_FILE_MAX / (1024 * 1024));
		goto out;
	}
	if (domains_parse(sb.buf ? sb.buf : "", sb.len, shown, add_domain, o, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	ret = 0;
out:
	sb_release(&sb);
	if (f != stdin)
		fclose(f);
	return ret;
}

enum {
	OPT_RESOLVER = 256,
	OPT_ROOT_HINTS,
	OPT_TRUST_ANCHOR,
	OPT_FAIL_ON,
	OPT_TIMEOUT,
	OPT_STATS,
	OPT_CA_FILE,
	OPT_NS,
};

static const struct option common_longopts[] = {
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
	{"stats", no_argument, NULL, OPT_STATS},
	{"quiet", no_argument, NULL, 'q'},
	{"ca-file", required_argument, NULL, OPT_CA_FILE},
	{"ns", required_argument, NULL, OPT_NS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};
static const char common_shortopts[] = "r:s:d:f:o:j:qh";

/* The values of --fail-on, in the order of enum fail_on_value. */
static const char *const fail_on_values[] = {"warn", "fail", "new", NULL};
enum fail_on_value { FAIL_ON_WARN, FAIL_ON_FAIL, FAIL_ON_NEW };

const struct option *opts_common_longopts(const char **shortopts)
{
	*shortopts = common_shortopts;
	return common_longopts;
}

const char *const *opts_fail_on_values(void)
{
	return fail_on_values;
}

static int common_option(struct common_opts *o, int c, const char *optarg)
{
	char err[1024];
	unsigned long v;
	switch (c) {
	case 'r':
		*(const char **)xgrow(&o->rule_args, &o->n_rule_args, &o->alloc_rule_args, sizeof(char *)) =
			optarg;
		return 0;
	case 's':
		if (vars_set_assignment(&o->vars, optarg, err, sizeof(err)) != 0) {
			fprintf(stderr, "cutover: --set: %s\n", err);
			return -1;
		}
		return 0;
	case 'd':
		return read_domains(o, optarg);
	case OPT_RESOLVER:
		o->resolver.forwarder = optarg;
		return 0;
	case OPT_ROOT_HINTS:
		o->resolver.root_hints = optarg;
		return 0;
	case OPT_TRUST_ANCHOR:
		o->resolver.trust_anchor = optarg;
		return 0;
	case 'f':
		if (report_format_parse(optarg, &o->format) != 0) {
			fprintf(stderr,
				"cutover: unknown format '%s' (text, json, nagios, junit, tap, prometheus)\n",
				optarg);
			return -1;
		}
		return 0;
	case 'o':
		o->output = optarg;
		return 0;
	case OPT_FAIL_ON: {
		size_t i = 0;
		while (fail_on_values[i] && strcmp(optarg, fail_on_values[i]) != 0)
			i++;
		if (!fail_on_values[i]) {
			fprintf(stderr, "cutover: --fail-on: want 'warn', 'fail' or 'new', not '%s'\n",
				optarg);
			return -1;
		}
		o->fail_on = i == FAIL_ON_FAIL ? STATUS_FAIL : STATUS_WARN;
		o->fail_on_new = i == FAIL_ON_NEW;
		return 0;
	}
	case OPT_TIMEOUT:
		if (parse_ulong(optarg, 10, 600000, &v) != 0) {
			fprintf(stderr, "cutover: --timeout: want milliseconds from 10 to 600000, not '%s'\n",
				optarg);
			return -1;
		}
		o->dns.timeout_ms = (unsigned)v;
		return 0;
	case 'j':
		if (parse_ulong(optarg, 1, 100000, &v) != 0) {
			fprintf(stderr, "cutover: --jobs: want a number from 1 to 100000, not '%s'\n",
				optarg);
			return -1;
		}
		o->jobs = (unsigned)v;
		return 0;
	case OPT_STATS:
		o->stats = 1;
		return 0;
	case 'q':
		o->quiet = 1;
		return 0;
	case OPT_CA_FILE:
		/* read now, so that a typo is a usage error, not a TLS failure
		 * of every service check */
		if (access(optarg, R_OK) != 0) {
			fprintf(stderr, "cutover: --ca-file: cannot read '%s': %s\n", optarg,
				strerror(errno));
			return -1;
		}
		o->ca_file = optarg;
		return 0;
	case OPT_NS: {
		struct server_spec spec;
		if (server_spec_parse(&o->names, optarg, &spec, err, sizeof(err)) != 0) {
			fprintf(stderr, "cutover: --ns: %s (want NAME, NAME/ADDR or ADDR)\n", err);
			return -1;
		}
		*(struct server_spec *)xgrow(&o->ns, &o->n_ns, &o->alloc_ns, sizeof(spec)) = spec;
		return 0;
	}
	}
	return -1;
}

/* Whether getopt's c is one of the command's own options. */
static int is_extra(const struct opts_extra *extra, int c)
{
	if (!extra)
		return 0;
	for (size_t i = 0; extra->longopts && extra->longopts[i].name; i++)
		if (extra->longopts[i].val == c)
			return 1;
	return c > 0 && c < 256 && c != ':' && extra->shortopts && strchr(extra->shortopts, c);
}

int opts_common_parse(struct common_opts *o, int argc, char **argv, const char *usage,
		      const struct opts_extra *extra)
{
	static const struct dns_opts dns_defaults = DNS_OPTS_INIT;
	size_t n_common = ARRAY_SIZE(common_longopts) - 1, n_extra = 0;
	struct option *longopts = NULL;
	char *shortopts = NULL;
	int rc = -1, c;

	memset(o, 0, sizeof(*o));
	o->dns = dns_defaults;
	o->format = FORMAT_TEXT;
	o->fail_on = STATUS_FAIL;
	o->jobs = 64;
	while (extra && extra->longopts && extra->longopts[n_extra].name)
		n_extra++;
	longopts = xcalloc(n_common + n_extra + 1, sizeof(*longopts));
	/* the command's own first: getopt_long() takes the first of a name */
	if (n_extra)
		memcpy(longopts, extra->longopts, n_extra * sizeof(*longopts));
	memcpy(longopts + n_extra, common_longopts, n_common * sizeof(*longopts));
	shortopts = xasprintf("%s%s", common_shortopts, extra && extra->shortopts ? extra->shortopts : "");
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			rc = 1;
			goto out;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "see 'cutover help %s'\n", argv[0]);
			goto out;
		}
		if (is_extra(extra, c) ? extra->on_option(extra->arg, c, optarg) != 0
				       : common_option(o, c, optarg) != 0)
			goto out;
	}
	for (int i = optind; i < argc; i++) {
		char err[1024];
		if (extra && extra->raw_operands) {
			*(const char **)xgrow(&o->args, &o->n_args, &o->alloc_args, sizeof(char *)) =
				arena_strdup(&o->names, argv[i]);
			continue;
		}
		const char *name = name_domain_arg(&o->names, argv[i], err, sizeof(err));
		if (!name) {
			fprintf(stderr, "cutover: %s\n", err);
			goto out;
		}
		*(const char **)xgrow(&o->args, &o->n_args, &o->alloc_args, sizeof(char *)) = name;
	}
	if (o->fail_on_new && !(extra && extra->fail_on_new)) {
		fputs("cutover: --fail-on new judges findings against a baseline: only 'cutover check "
		      "--baseline FILE' reads one (a plan: 'baseline: FILE' in a gate)\n",
		      stderr);
		goto out;
	}
	if (o->resolver.forwarder && (o->resolver.root_hints || o->resolver.trust_anchor)) {
		fprintf(stderr, "cutover: --resolver forwards every lookup; it cannot be combined with %s\n",
			o->resolver.root_hints ? "--root-hints" : "--trust-anchor");
		goto out;
	}
	rc = 0;
out:
	free(longopts);
	free(shortopts);
	return rc;
}

void opts_common_release(struct common_opts *o)
{
	free(o->rule_args);
	free(o->ns);
	vars_release(&o->vars);
	free(o->args);
	arena_release(&o->names);
	memset(o, 0, sizeof(*o));
}

int opts_load_rules(const struct common_opts *o, struct ruleset **out, size_t *n)
{
	static const char *const dflt[] = {"default"};
	const char *const *args = o->n_rule_args ? o->rule_args : dflt;
	size_t n_args = o->n_rule_args ? o->n_rule_args : 1;
	struct ruleset *sets = xcalloc(n_args, sizeof(*sets));
	char err[1024];

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < n_args; i++) {
		char *path = opts_shipped_path(args[i], ".yml");
		int lrc = rules_load(path, &o->vars, &sets[i], err, sizeof(err));
		free(path);
		if (lrc != 0) {
			fprintf(stderr, "cutover: %s\n", err);
			for (size_t k = 0; k < i; k++)
				ruleset_release(&sets[k]);
			free(sets);
			return -1;
		}
	}
	*out = sets;
	*n = n_args;
	return 0;
}

/* Descriptors a run needs at the least: standard input, output and error,
 * the loop's (epoll, libevent's signal socketpair, the deferred-call
 * notification), the engine's sockets, libunbound's sockets for its own
 * queries, the -o file and the report's spool files. Measured: the default
 * rule set on three fixture domains runs clean from 48 and reports error
 * findings (the resolver out of sockets) below 40; below about 12 libevent
 * inside libunbound could not make its signal socketpair and called exit(1). */
#define FDS_MIN 32

/* Raise the soft limit on open files to the hard one (as unbound and nsd
 * do: a run of many domains keeps many sockets open), and refuse to start
 * under FDS_MIN. Returns 0, or -1 with a message in err. */
static int fd_limit_check(char *err, size_t errlen)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0; /* unknown: try */
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = {rl.rlim_max, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < FDS_MIN) {
		snprintf(err, errlen,
			 "the limit on open files is %lu (ulimit -n): cutover needs at least %d "
			 "for its sockets, resolver and report",
			 (unsigned long)rl.rlim_cur, FDS_MIN);
		return -1;
	}
	return 0;
}

int session_open(const struct common_opts *o, struct session **out, char *err, size_t errlen)
{
	struct session *s = NULL;
	struct resolver_opts ropts = o->resolver;
	ropts.given_ns = o->ns;
	ropts.n_given_ns = o->n_ns;
	int rc = -1;

	*out = NULL;
	if (fd_limit_check(err, errlen) != 0)
		return -1;
	s = xcalloc(1, sizeof(*s));
	if (loop_new(&s->loop) != 0) {
		snprintf(err, errlen, "cannot start the event loop: %s", strerror(errno));
		goto out;
	}
	if (dns_engine_new(s->loop, &o->dns, &s->engine) != 0) {
		snprintf(err, errlen, "cannot start the query engine: %s", strerror(errno));
		goto out;
	}
	/* The resolver derives its lookups' and discovery's budgets from it. */
	ropts.timeout_ms = o->dns.timeout_ms;
	if (resolver_new(s->loop, s->engine, &ropts, &s->resolver, err, errlen) != 0)
		goto out;
	if (http_client_new(s->loop, &s->http) != 0) {
		snprintf(err, errlen, "cannot start the HTTP client: %s", strerror(errno));
		goto out;
	}
	http_client_set_ca_file(s->http, o->ca_file);
	*out = s;
	s = NULL;
	rc = 0;
out:
	session_close(s);
	return rc;
}

void session_close(struct session *s)
{
	if (!s)
		return;
	http_client_free(s->http);
	resolver_free(s->resolver);
	dns_engine_free(s->engine);
	loop_free(s->loop);
	free(s);
}

size_t session_in_flight(const struct session *s)
{
	return dns_in_flight(s->engine) + resolver_in_flight(s->resolver);
}
