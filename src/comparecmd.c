/* `cutover compare DOMAIN --from SERVERS --to SERVERS`: the compare check
 * (checks/compare.c) run as an audit of one domain with a rule set built
 * here from the options, reported as `check` reports (every format, -o,
 * --fail-on, the exit codes), the text report with old and new side by
 * side. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "compare_data.h"
#include "comparecmd.h"
#include "loop.h"
#include "names.h"
#include "progress.h"
#include "report.h"
#include "resolve.h"
#include "rules.h"
#include "session.h"
#include "sides.h"
#include "util.h"

#define EXIT_USAGE 3
#define TOOL "cutover " CUTOVER_VERSION

const char compare_usage[] =
	"usage: cutover compare [options] DOMAIN --from SERVERS --to SERVERS\n"
	"\n"
	"Compare every RRset of DOMAIN's zone on the old servers (--from) with the new\n"
	"ones (--to), before a provider move: values compared as data (TXT strings\n"
	"joined, names in any case, sets in any order), TTLs apart. The names come\n"
	"from a zone transfer (AXFR) where a server of either side allows one (the old\n"
	"side first), else from --zone, else they are discovered: the apex, the targets\n"
	"of MX, CNAME, SRV and NS records in the zone, _dmarc, DKIM selectors, MTA-STS,\n"
	"TLS-RPT, the names mail clients look up and a list of common host names.\n"
	"The dnssec check runs with the same sides: the DS at the parent against each\n"
	"side's keys and signatures, and which change must come first across the move,\n"
	"the DS or the NS (dnssec.order).\n"
	"\n"
	"      --from SERVERS       the old side (repeatable, comma-separated): 'delegated'\n"
	"                           (the servers the parent names today, or --ns), or\n"
	"                           servers as NAME, NAME/ADDR or ADDR[#PORT]\n"
	"      --to SERVERS         the new side, likewise\n"
	"      --zone FILE          take the names from this zone file when no server\n"
	"                           allows a transfer ($ORIGIN: DOMAIN)\n"
	"      --selector S         a DKIM selector to compare (repeatable; default:\n"
	"                           common selectors probed)\n"
	"      --name NAME          another name to compare (repeatable; one label is\n"
	"                           under DOMAIN)\n"
	"  -r, --rules FILE         more rule sets to run in the same audit (repeatable)\n"
	"      --ns NAME[/ADDR]     the servers 'delegated' stands for (repeatable)\n"
	"      --resolver ADDR[#PORT]  look NAMEs up through this resolver\n"
	"      --root-hints FILE    root hints for the embedded resolver\n"
	"  -f, --format FMT         text (default: old and new side by side), json,\n"
	"                           nagios, junit, tap, prometheus, html (one page)\n"
	"  -o, --output FILE        write the report to FILE (replaced atomically)\n"
	"      --fail-on LEVEL      warn or fail (default): the lowest status that makes\n"
	"                           the exit code non-zero\n"
	"      --timeout MS         per-query timeout, retries included (default 2000);\n"
	"                           a transfer gets it for each message, 10 times it in all\n"
	"      --stats              print the queries and lookups made to standard error\n"
	"  -q, --quiet              no progress line on the terminal, and nothing on\n"
	"                           standard error but warnings and errors\n"
	"  -h, --help               this help\n"
	"\n"
	"Findings: compare.ok (the same), compare.missing (old only: fail),\n"
	"compare.value (other values: fail), compare.extra (new only: warn), compare.ttl\n"
	"(another TTL: warn), compare.inconsistent (the servers of a side disagree:\n"
	"warn), compare.unreachable (no usable answer: error), compare.provider-specific\n"
	"(the apex SOA and NS, which differ by design: info), compare.names (where the\n"
	"names came from: info), and the dnssec.* findings (cutover help codes).\n"
	"\n"
	"Exit status, as check's: 0 ok, 1 warn (with --fail-on warn), 2 fail, 3 could\n"
	"not run or could not compare (error findings).\n";

/* The rule set of a run: the compare rule with the sides given, every value
 * a variable (set from the options, so no option text is ever read as
 * YAML), then the dnssec check with the same sides: the DS at the parent
 * against each side's keys, and which change must come first. */
static const char ruleset_head[] = "name: compare\n"
				   "checks:\n"
				   "  - check: compare\n";

enum { OPT_FROM = 400, OPT_TO, OPT_ZONE, OPT_SELECTOR, OPT_NAME };

const struct option compare_longopts[] = {
	{"from", required_argument, NULL, OPT_FROM}, {"to", required_argument, NULL, OPT_TO},
	{"zone", required_argument, NULL, OPT_ZONE}, {"selector", required_argument, NULL, OPT_SELECTOR},
	{"name", required_argument, NULL, OPT_NAME}, {NULL, 0, NULL, 0},
};

/* A list of option values, in order. */
struct strlist {
	const char **v;
	size_t n, alloc;
};

struct compare_opts {
	struct arena arena;
	struct strlist side[2]; /* --from, --to: one item each */
	struct strlist selectors, names;
	const char *zone_file;
};

static void strlist_add(struct strlist *l, const char *s)
{
	*(const char **)xgrow(&l->v, &l->n, &l->alloc, sizeof(char *)) = s;
}

/* --from/--to VALUE: items separated by commas, each "delegated" or a
 * server. Returns 0, or -1 after saying which item is wrong. */
static int add_side(struct compare_opts *co, int k, const char *value)
{
	const char *opt = k ? "--to" : "--from";
	const char *p = value;
	do {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *item = arena_alloc(&co->arena, len + 1);
		memcpy(item, p, len);
		item[len] = '\0';
		struct server_spec spec;
		char why[256];
		if (len == 0) {
			fprintf(stderr,
				"cutover: compare: %s '%s': an empty item (want %s, NAME, NAME/ADDR or "
				"ADDR)\n",
				opt, value, SIDE_DELEGATED);
			return -1;
		}
		if (strcmp(item, SIDE_DELEGATED) != 0 &&
		    server_spec_parse(&co->arena, item, &spec, why, sizeof(why)) != 0) {
			fprintf(stderr, "cutover: compare: %s '%s': %s (want %s, NAME, NAME/ADDR or ADDR)\n",
				opt, item, why, SIDE_DELEGATED);
			return -1;
		}
		strlist_add(&co->side[k], item);
		p = end ? end + 1 : NULL;
	} while (p);
	return 0;
}

static int on_compare_option(void *arg, int c, const char *value)
{
	struct compare_opts *co = arg;
	char why[256];
	switch (c) {
	case OPT_FROM:
	case OPT_TO:
		return add_side(co, c == OPT_TO, value);
	case OPT_ZONE:
		co->zone_file = value;
		return 0;
	case OPT_SELECTOR:
		/* a selector is one or more labels before _domainkey */
		if (!name_canonical(&co->arena, arena_printf(&co->arena, "%s._domainkey.example", value))) {
			fprintf(stderr,
				"cutover: compare: --selector '%s': not a DKIM selector (labels of letters, "
				"digits, '-' and '_')\n",
				value);
			return -1;
		}
		strlist_add(&co->selectors, value);
		return 0;
	case OPT_NAME:
		if (!name_domain_arg(&co->arena, value, why, sizeof(why))) {
			fprintf(stderr, "cutover: compare: --name: %s\n", why);
			return -1;
		}
		strlist_add(&co->names, value);
		return 0;
	}
	return -1;
}

/* "  key: ["{key_0}", "{key_1}"]" for the n values of l, each set as that
 * variable. */
static void yaml_list(struct strbuf *sb, struct vars *vars, const char *key, const struct strlist *l)
{
	if (!l->n)
		return;
	sb_addf(sb, "    %s: [", key);
	for (size_t i = 0; i < l->n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s_%zu", key, i);
		vars_set(vars, name, l->v[i]);
		sb_addf(sb, "%s\"{%s}\"", i ? ", " : "", name);
	}
	sb_adds(sb, "]\n");
}

/* The rule set of this run into *rs. Returns 0, or -1 after saying why. */
static int build_rules(const struct compare_opts *co, struct ruleset *rs)
{
	struct strbuf sb = STRBUF_INIT;
	struct vars vars = VARS_INIT;
	char err[1024];
	sb_adds(&sb, ruleset_head);
	yaml_list(&sb, &vars, "from", &co->side[0]);
	yaml_list(&sb, &vars, "to", &co->side[1]);
	yaml_list(&sb, &vars, "selectors", &co->selectors);
	yaml_list(&sb, &vars, "names", &co->names);
	if (co->zone_file) {
		vars_set(&vars, "zone_file", co->zone_file);
		sb_adds(&sb, "    zone_file: \"{zone_file}\"\n");
	}
	sb_adds(&sb, "  - check: dnssec\n");
	yaml_list(&sb, &vars, "from", &co->side[0]);
	yaml_list(&sb, &vars, "to", &co->side[1]);
	int rc = rules_load_string(sb.buf, sb.len, "compare (built in)", &vars, rs, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "cutover: compare: %s\n", err);
	sb_release(&sb);
	vars_release(&vars);
	return rc;
}

/* Check what the options say before anything is asked: one domain, both
 * sides, a zone file that reads. Returns 0, or -1 after saying why. */
static int check_usage(const struct common_opts *o, const struct compare_opts *co)
{
	if (o->n_args != 1) {
		fprintf(stderr, "cutover: compare: %s\nsee 'cutover help compare'\n",
			o->n_args ? "one DOMAIN at a time" : "no domain given");
		return -1;
	}
	for (int k = 0; k < 2; k++)
		if (!co->side[k].n) {
			fprintf(stderr,
				"cutover: compare: %s SERVERS is required ('%s', NAME, NAME/ADDR or ADDR)\n",
				k ? "--to" : "--from", SIDE_DELEGATED);
			return -1;
		}
	if (co->zone_file) {
		struct arena a = ARENA_INIT;
		ldns_rr_list *z = NULL;
		char err[1024];
		int rc = compare_zone_read(co->zone_file, name_canonical(&a, o->args[0]), &z, err,
					   sizeof(err));
		ldns_rr_list_deep_free(z);
		arena_release(&a);
		if (rc != 0) {
			fprintf(stderr, "cutover: compare: --zone %s\n", err);
			return -1;
		}
	}
	return 0;
}

/* Audit the domain with the rule sets and report it in o's format. Returns
 * the exit status. */
static int run(struct common_opts *o, struct ruleset *rulesets, size_t n_rulesets)
{
	struct session *session = NULL;
	struct reporter *rp = NULL;
	struct output out = {NULL, NULL, NULL, NULL};
	struct audit_batch_counts counts = {0};
	char err[1024];
	int rc = EXIT_USAGE;
	struct report_opts repopts = {.fail_on = o->fail_on, .tool = TOOL, .value_words = {"old", "new"}};
	if (o->format == FORMAT_NAGIOS)
		repopts.fail_on = STATUS_WARN; /* a plugin says WARNING for warnings */
	if (session_open(o, &session, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	if (output_open(&out, o->output) != 0)
		goto out;
	if (!o->output) {
		const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
		repopts.color = o->format == FORMAT_TEXT && isatty(STDOUT_FILENO) && !(nc && *nc) &&
				!(term && strcmp(term, "dumb") == 0);
	}
	if (reporter_open(o->format, &repopts, time(NULL), out.f, &rp) != 0) {
		fprintf(stderr, "cutover: cannot start the report: %s\n", strerror(errno));
		output_discard(&out);
		goto out;
	}
	uint64_t t0 = loop_now_us();
	struct audit_rules rules = {rulesets, n_rulesets};
	struct audit_batch_opts bopts = {.jobs = 1};
	struct audit_batch_view view = {"compare", &counts, session};
	struct progress *line = progress_start(session->loop, o->quiet, audit_batch_progress, &view);
	int brc = audit_batch(session, &rules, &bopts, o->args, o->n_args, rp, &counts);
	progress_stop(line);
	double elapsed = (double)(loop_now_us() - t0) / 1e6;
	int werr = brc < 0 ? -1 : reporter_close(rp, elapsed, brc == 1) == 0 ? 0 : errno ? errno : -1;
	if (output_close(&out, werr) != 0 || brc < 0) {
		if (brc < 0)
			fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
		goto out;
	}
	if (o->stats) {
		struct dns_stats ds;
		dns_engine_stats(session->engine, &ds);
		fprintf(stderr, "cutover: stats: queries=%lu answers=%lu timeouts=%lu tcp=%lu elapsed=%.3f\n",
			ds.sent, ds.received, ds.timeouts, ds.tcp_fallbacks, elapsed);
	}
	if (brc == 1)
		fprintf(stderr, "cutover: interrupted: %s was not compared\n", o->args[0]);
	rc = reporter_exit_code(rp);
out:
	reporter_free(rp);
	session_close(session);
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	struct common_opts o;
	struct compare_opts co;
	memset(&co, 0, sizeof(co));
	struct opts_extra extra = {compare_longopts, "", on_compare_option, &co, 0, 0};
	struct ruleset *rulesets = NULL;
	size_t n_rulesets = 0;
	int rc = EXIT_USAGE;

	int prc = opts_common_parse(&o, argc, argv, compare_usage, &extra);
	if (prc != 0) {
		rc = prc > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	if (check_usage(&o, &co) != 0)
		goto out;
	/* -r: more rule sets in the same audit; without it, compare's alone */
	if (o.n_rule_args && opts_load_rules(&o, &rulesets, &n_rulesets) != 0)
		goto out;
	rulesets = xrealloc(rulesets, (n_rulesets + 1) * sizeof(*rulesets));
	memmove(rulesets + 1, rulesets, n_rulesets * sizeof(*rulesets));
	memset(&rulesets[0], 0, sizeof(rulesets[0]));
	n_rulesets++;
	if (build_rules(&co, &rulesets[0]) != 0)
		goto out;
	rc = run(&o, rulesets, n_rulesets);
out:
	for (size_t i = 0; i < n_rulesets; i++)
		ruleset_release(&rulesets[i]);
	free(rulesets);
	free(co.side[0].v);
	free(co.side[1].v);
	free(co.selectors.v);
	free(co.names.v);
	arena_release(&co.arena);
	opts_common_release(&o);
	return rc;
}
