/* `cutover propagation NAME [TYPE]`: every authoritative server of the zone
 * (RD=0) and every resolver (RD=1) asked at once through the query engine;
 * each answer judged new, old, stale, other or error (propagation.c); the
 * TTL an old answer still has says when that cache lets it go, and the
 * latest such moment is the ETA. --watch repeats the sweep on the loop's
 * timers; every sweep goes to the state database (store.c); a change of the
 * overall state is sent to webhooks (notify.c). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codes.h"
#include "dns.h"
#include "html.h"
#include "http.h"
#include "loop.h"
#include "names.h"
#include "notify.h"
#include "propagation.h"
#include "progress.h"
#include "propcmd.h"
#include "report.h"
#include "resolve.h"
#include "rules.h"
#include "session.h"
#include "store.h"
#include "targets.h"
#include "util.h"

#define EXIT_USAGE 3

/* Stored predictions older than this (seconds) are not held against a
 * cache: resolvers keep nothing longer than a day or so (unbound's
 * cache-max-ttl, RFC 8767's serve-stale of 1 to 3 days). */
#define PREDICTION_MAX_AGE (7 * 86400.0)

const char propagation_usage[] =
	"usage: cutover propagation [options] NAME [TYPE]\n"
	"       cutover propagation --history [options] NAME [TYPE]\n"
	"\n"
	"Ask every authoritative server of NAME's zone (RD=0) and every resolver (RD=1)\n"
	"at once for NAME/TYPE (default A), and tell which have the new value, which\n"
	"still hold the old one and, from the TTL each still holds, until when: the\n"
	"ETA, a lower bound (an anycast address hides several caches; some resolvers\n"
	"serve stale data past its TTL).\n"
	"\n"
	"      --expect VALUE       the new value (repeatable; for A/AAAA also a range,\n"
	"                           198.51.100.0/24). Default: what every authoritative\n"
	"                           server answers now (they must agree)\n"
	"      --old VALUE          the old value (repeatable): an answer that is neither\n"
	"                           is 'other'. Default: every answer that is not new is old\n"
	"      --resolver ADDR[#PORT]  a resolver to ask (repeatable)\n"
	"      --resolvers FILE     resolvers to ask, one a line: ADDRESS [PORT] [LABEL]\n"
	"                           (repeatable; a bare NAME finds the shipped\n"
	"                           rules/NAME.txt). Default: the shipped 'resolvers',\n"
	"                           the well-known public resolvers\n"
	"      --no-site            do not ask resolvers which anycast site answered\n"
	"                           (CH TXT id.server, hostname.bind, o-o.myaddr.l.google.com)\n"
	"      --watch              sweep again every --interval until --until is reached\n"
	"                           (exit 0) or --max-wait passes (exit 1); on a terminal\n"
	"                           a live table, elsewhere one line per change\n"
	"      --interval DURATION  time between sweeps (default 30s; a sweep also comes\n"
	"                           right after the next old answer's TTL runs out)\n"
	"      --until PCT          converged share of the resolvers that answered that\n"
	"                           ends the watch and counts as converged (default 100%)\n"
	"      --max-wait DURATION  give up watching after this long (default 24h)\n"
	"      --history            print what the state database recorded of NAME/TYPE:\n"
	"                           when each resolver first had the new value, and how\n"
	"                           long the change took (no query is sent)\n"
	"      --db FILE            the state database (default\n"
	"                           $XDG_STATE_HOME/cutover/state.db); every sweep is kept\n"
	"      --no-db              keep no history\n"
	"      --notify URL         on a change of the overall state, GET URL with {status}\n"
	"                           (converged, pending, error), {up} (up when converged,\n"
	"                           else down: Uptime Kuma's push status), {converged},\n"
	"                           {total}, {ratio}, {eta}, {name}, {type} and {message}\n"
	"                           filled in (repeatable)\n"
	"      --notify-json URL    likewise, a JSON POST of the same fields (repeatable)\n"
	"      --root-hints FILE    root hints for the embedded resolver, which finds the\n"
	"                           zone's servers (default /usr/share/dns/root.hints)\n"
	"      --trust-anchor FILE  DNSSEC trust anchor of the embedded resolver\n"
	"      --ns NAME[/ADDR]     ask these servers as the zone's authoritative ones,\n"
	"                           not the delegation's (repeatable)\n"
	"      --ca-file FILE       webhooks: CA certificates (PEM) to verify TLS with,\n"
	"                           instead of the system's\n"
	"  -f, --format FMT         text (default), json, nagios, prometheus or html (a\n"
	"                           page: the servers, and the history's timeline)\n"
	"  -o, --output FILE        write the report to FILE (replaced atomically)\n"
	"      --fail-on LEVEL      warn: unreachable resolvers make the exit status 1 too\n"
	"      --timeout MS         per-query timeout, retries included (default 2000)\n"
	"  -q, --quiet              no progress line on the terminal, and nothing on\n"
	"                           standard error but warnings and errors\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 converged, 1 pending (old or stale answers, or --watch gave up),\n"
	"2 a server answers a value that is neither new nor old, or the authoritative\n"
	"servers disagree on --expect, 3 bad usage or nothing could be determined (no\n"
	"resolver answered; without --expect, authoritative servers that disagree).\n";

enum {
	OPT_EXPECT = 300,
	OPT_OLD,
	OPT_PRESOLVER,
	OPT_PRESOLVERS,
	OPT_NO_SITE,
	OPT_WATCH,
	OPT_INTERVAL,
	OPT_UNTIL,
	OPT_MAX_WAIT,
	OPT_HISTORY,
	OPT_DB,
	OPT_NO_DB,
	OPT_NOTIFY,
	OPT_NOTIFY_JSON,
};

const struct option propagation_longopts[] = {
	{"expect", required_argument, NULL, OPT_EXPECT},
	{"old", required_argument, NULL, OPT_OLD},
	{"resolver", required_argument, NULL, OPT_PRESOLVER},
	{"resolvers", required_argument, NULL, OPT_PRESOLVERS},
	{"no-site", no_argument, NULL, OPT_NO_SITE},
	{"watch", no_argument, NULL, OPT_WATCH},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"max-wait", required_argument, NULL, OPT_MAX_WAIT},
	{"history", no_argument, NULL, OPT_HISTORY},
	{"db", required_argument, NULL, OPT_DB},
	{"no-db", no_argument, NULL, OPT_NO_DB},
	{"notify", required_argument, NULL, OPT_NOTIFY},
	{"notify-json", required_argument, NULL, OPT_NOTIFY_JSON},
	{NULL, 0, NULL, 0},
};

/* The variables of a webhook URL; notify_vars() fills their values. */
static const char *const notify_names[] = {"status", "up",   "converged", "total",  "ratio",
					   "eta",    "name", "type",	  "message"};
#define N_NOTIFY_VARS ARRAY_SIZE(notify_names)

struct strv {
	const char **v;
	size_t n, alloc;
};

static void strv_push(struct strv *s, const char *x)
{
	*(const char **)xgrow(&s->v, &s->n, &s->alloc, sizeof(char *)) = x;
}

struct prop_opts {
	struct strv expect, old, notify, notify_json;
	struct target_list targets;
	int no_site, watch, history, no_db;
	unsigned long interval, max_wait;
	double until;
	const char *db;
};

static int check_template(const char *opt, const char *url)
{
	struct notify_var v[N_NOTIFY_VARS];
	char err[512];
	for (size_t i = 0; i < N_NOTIFY_VARS; i++)
		v[i] = (struct notify_var){notify_names[i], ""};
	char *x = notify_url_expand(url, v, N_NOTIFY_VARS, err, sizeof(err));
	if (!x) {
		fprintf(stderr, "cutover: %s: %s\n", opt, err);
		return -1;
	}
	int rc = http_url_check(x, err, sizeof(err));
	free(x);
	if (rc != 0)
		fprintf(stderr, "cutover: %s: %s\n", opt, err);
	return rc;
}

static int prop_option(void *arg, int c, const char *optarg)
{
	struct prop_opts *p = arg;
	char err[1024];
	switch (c) {
	case OPT_EXPECT:
		strv_push(&p->expect, optarg);
		return 0;
	case OPT_OLD:
		strv_push(&p->old, optarg);
		return 0;
	case OPT_PRESOLVER:
		if (target_list_add(&p->targets, optarg, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "cutover: --resolver: %s\n", err);
			return -1;
		}
		return 0;
	case OPT_PRESOLVERS:
		if (target_list_load(&p->targets, optarg, err, sizeof(err)) != 0) {
			fprintf(stderr, "cutover: --resolvers: %s\n", err);
			return -1;
		}
		return 0;
	case OPT_NO_SITE:
		p->no_site = 1;
		return 0;
	case OPT_WATCH:
		p->watch = 1;
		return 0;
	case OPT_INTERVAL:
		if (parse_duration(optarg, &p->interval) != 0 || p->interval < 1 || p->interval > 86400) {
			fprintf(stderr,
				"cutover: --interval: want a duration from 1s to 1d (30s, 5m), not '%s'\n",
				optarg);
			return -1;
		}
		return 0;
	case OPT_UNTIL:
		if (rules_parse_percent(optarg, &p->until) != 0 || p->until <= 0) {
			fprintf(stderr,
				"cutover: --until: want a share above 0 up to 100%% (90%%, 0.9), not '%s'\n",
				optarg);
			return -1;
		}
		return 0;
	case OPT_MAX_WAIT:
		if (parse_duration(optarg, &p->max_wait) != 0 || p->max_wait < 1) {
			fprintf(stderr, "cutover: --max-wait: want a duration (90s, 4h, 2d), not '%s'\n",
				optarg);
			return -1;
		}
		return 0;
	case OPT_HISTORY:
		p->history = 1;
		return 0;
	case OPT_DB:
		p->db = optarg;
		return 0;
	case OPT_NO_DB:
		p->no_db = 1;
		return 0;
	case OPT_NOTIFY:
		if (check_template("--notify", optarg) != 0)
			return -1;
		strv_push(&p->notify, optarg);
		return 0;
	case OPT_NOTIFY_JSON:
		if (check_template("--notify-json", optarg) != 0)
			return -1;
		strv_push(&p->notify_json, optarg);
		return 0;
	}
	return -1;
}

/* ---- one server ---------------------------------------------------------- */

/* The questions a sweep asks a server: the name itself, and of a resolver
 * which anycast site answers. */
enum ask { ASK_NAME, ASK_ID_SERVER, ASK_HOSTNAME_BIND, ASK_MYADDR, ASK_COUNT };

struct pserver {
	int auth;
	const char *label; /* NS name, or the resolver's label; NULL: none */
	char addr[INET6_ADDRSTRLEN];
	unsigned port;
	char shown[INET6_ADDRSTRLEN + 8]; /* "9.9.9.9", "127.0.0.1#5353" */
	struct sockaddr_storage sa;
	socklen_t salen;
	/* this sweep */
	int err;
	ldns_pkt *pkt;
	double received;
	char *site_answers[ASK_COUNT];
	char *site;
	struct prop_result r;
	/* across sweeps */
	int seen;
	enum prop_status last_status;
	/* the latest moment an old answer of this server was to flip, as seen
	 * while the authoritative servers already served the new value */
	double prediction;
	char *prediction_site;	       /* the anycast site it was made for */
	double stale_since_prediction; /* the prediction a stale verdict was made against */
};

struct qctx {
	struct prun *run;
	size_t idx;
	enum ask what;
};

struct prun {
	struct session *s;
	struct common_opts *o;
	struct prop_opts *po;
	const char *name; /* "www.example.org." */
	const char *shown_name;
	ldns_rdf *qname;
	ldns_rr_type type;
	char *type_text;
	struct prop_values expect, old;
	int expect_known, expect_from_auth;
	char *expected_text;
	struct pserver *sv;
	size_t n;
	struct qctx *q;
	size_t outstanding;
	struct arena arena;
	struct delegation *deleg;
	int discovering;
	const char *discovery_error;
	double sweep_at;
	unsigned sweeps;
	struct prop_summary sum;
	struct finding_list findings;
	enum status worst;
	/* watch */
	struct loop_timer *next, *tick;
	struct loop_signal *sigint, *sigterm;
	double watch_started;
	int finished, interrupted, gave_up, fatal;
	int live;
	const char *overall; /* "converged", "pending", "error"; NULL before the first sweep */
	/* history and webhooks */
	struct store *store;
	struct http_client *http;
	struct notifier *notifier;
	FILE *lines; /* where --watch writes a line per change; NULL: nowhere (-q) */
	char progress_doing[96];
};

/* Seconds rounded up (no libm for this). */
static long ceil_secs(double x)
{
	long l = (long)x;
	return l + (x > (double)l);
}

static const char *utc(double t, char buf[32])
{
	report_utc((time_t)(t + 0.5), buf);
	return buf;
}

/* "3m07s", "2h05m", "41s" */
static const char *span(double secs, char buf[32])
{
	long s = secs > 0 ? ceil_secs(secs) : 0;
	if (s >= 86400)
		snprintf(buf, 32, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, 32, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, 32, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, 32, "%lds", s);
	return buf;
}

static const char *psv_label(const struct pserver *sv)
{
	return sv->label ? sv->label : sv->shown;
}

/* "Quad9/9.9.9.9" or "9.9.9.9", for findings' server field */
static char *server_field(const struct pserver *sv)
{
	return sv->label ? xasprintf("%s/%s", sv->label, sv->shown) : xstrdup(sv->shown);
}

/* ---- a sweep --------------------------------------------------------- */

static void sweep_done(struct prun *run);

static void site_text(struct pserver *sv, enum ask what, const ldns_pkt *pkt)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT)
			continue;
		struct strbuf sb = STRBUF_INIT, clean = STRBUF_INIT;
		dns_txt_join(rr, &sb);
		report_add_clean(&clean, sb.buf ? sb.buf : "", REPORT_CLEAN_LINE);
		sb_release(&sb);
		if (clean.len && clean.len <= 255) {
			free(sv->site_answers[what]);
			sv->site_answers[what] = sb_detach(&clean);
		}
		sb_release(&clean);
		return;
	}
}

static void on_answer(void *arg, struct dns_answer *ans)
{
	struct qctx *q = arg;
	struct prun *run = q->run;
	struct pserver *sv = &run->sv[q->idx];
	if (q->what == ASK_NAME) {
		sv->err = ans->err;
		sv->pkt = ans->pkt;
		sv->received = ans->err ? loop_wall_time() : ans->received;
	} else if (ans->pkt) {
		if (ldns_pkt_get_rcode(ans->pkt) == LDNS_RCODE_NOERROR)
			site_text(sv, q->what, ans->pkt);
		ldns_pkt_free(ans->pkt);
	}
	if (--run->outstanding == 0)
		sweep_done(run);
}

static void ask(struct prun *run, size_t i, enum ask what, const char *qname, ldns_rr_type type,
		unsigned flags)
{
	struct pserver *sv = &run->sv[i];
	struct qctx *q = &run->q[i * ASK_COUNT + what];
	ldns_rdf *name = NULL;
	q->run = run;
	q->idx = i;
	q->what = what;
	if (qname && ldns_str2rdf_dname(&name, qname) != LDNS_STATUS_OK)
		return;
	run->outstanding++;
	int rc = dns_query(run->s->engine, (struct sockaddr *)&sv->sa, sv->salen, name ? name : run->qname,
			   type, flags, on_answer, q);
	ldns_rdf_deep_free(name);
	if (rc != 0) {
		run->outstanding--;
		if (what == ASK_NAME)
			sv->err = rc;
	}
}

static void sweep_start(struct prun *run)
{
	run->sweep_at = loop_wall_time();
	run->sweeps++;
	run->outstanding = 1; /* held until every question is out */
	for (size_t i = 0; i < run->n; i++) {
		struct pserver *sv = &run->sv[i];
		sv->err = DNS_ETIMEOUT;
		sv->pkt = NULL;
		sv->received = 0;
		for (int k = 0; k < ASK_COUNT; k++) {
			free(sv->site_answers[k]);
			sv->site_answers[k] = NULL;
		}
		ask(run, i, ASK_NAME, NULL, run->type, sv->auth ? 0 : DNS_RD);
		if (sv->auth || run->po->no_site)
			continue;
		/* RFC 4892: the server's identity; the Google name answers with
		 * the address the resolver's query came from, a site of its own */
		ask(run, i, ASK_ID_SERVER, "id.server.", LDNS_RR_TYPE_TXT, DNS_CHAOS);
		ask(run, i, ASK_HOSTNAME_BIND, "hostname.bind.", LDNS_RR_TYPE_TXT, DNS_CHAOS);
		ask(run, i, ASK_MYADDR, "o-o.myaddr.l.google.com.", LDNS_RR_TYPE_TXT, DNS_RD);
	}
	if (--run->outstanding == 0)
		sweep_done(run);
}

/* Without --expect: the new value is what the authoritative servers answer,
 * all of them alike. Returns 0, or -1 after saying why (exit 3). */
static int expect_from_auth(struct prun *run)
{
	struct prop_values none;
	struct prop_result *rs = xcalloc(run->n ? run->n : 1, sizeof(*rs));
	const struct prop_result *first = NULL;
	const struct pserver *first_sv = NULL;
	int rc = -1;
	prop_values_init(&none, run->type);
	for (size_t i = 0; i < run->n; i++) {
		struct pserver *sv = &run->sv[i];
		if (!sv->auth)
			continue;
		prop_judge(&none, NULL, run->name, sv->err, sv->pkt, sv->received, 1, &rs[i]);
		if (rs[i].status == PROP_ERROR)
			continue;
		if (!first) {
			first = &rs[i];
			first_sv = sv;
		} else if (!prop_same_answer(first, &rs[i])) {
			char *a = prop_answer_text(first), *b = prop_answer_text(&rs[i]);
			fprintf(stderr,
				"cutover: propagation: the authoritative servers disagree: %s (%s) answers "
				"%s, "
				"%s (%s) answers %s; give the new value with --expect\n",
				psv_label(first_sv), first_sv->shown, a, psv_label(sv), sv->shown, b);
			free(a);
			free(b);
			goto out;
		}
	}
	if (!first) {
		fprintf(stderr,
			"cutover: propagation: no authoritative server of %s answered%s%s; give the new "
			"value "
			"with --expect\n",
			run->shown_name, run->discovery_error ? ": " : "",
			run->discovery_error ? run->discovery_error : "");
		goto out;
	}
	prop_values_from_answer(&run->expect, first);
	rc = 0;
out:
	for (size_t i = 0; i < run->n; i++)
		prop_result_release(&rs[i]);
	free(rs);
	prop_values_release(&none);
	return rc;
}

static void add_finding(struct prun *run, enum code code, enum status status, const struct pserver *sv,
			const char *expected, const char *actual, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static void add_finding(struct prun *run, enum code code, enum status status, const struct pserver *sv,
			const char *expected, const char *actual, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *subject = xasprintf("%s/%s", run->shown_name, run->type_text);
	char *server = sv ? server_field(sv) : NULL;
	struct finding f = {.domain = (char *)run->shown_name,
			    .check = "propagation",
			    .code = (char *)code_name(code),
			    .status = status,
			    .subject = subject,
			    .server = server,
			    .message = msg,
			    .expected = (char *)expected,
			    .actual = (char *)actual};
	finding_list_add(&run->findings, &f);
	run->worst = status_merge(run->worst, status);
	free(msg);
	free(subject);
	free(server);
}

/* Whether the sweep counts as converged: --until of the resolvers that
 * answered, and every authoritative server that answered has the new value. */
static int converged(const struct prun *run)
{
	return prop_converged(&run->sum, run->po->until > 0 ? run->po->until : 1.0);
}

static void judge_all(struct prun *run)
{
	int auth_new = 1, any_auth = 0;
	char err[512];
	for (size_t i = 0; i < run->n; i++) {
		struct pserver *sv = &run->sv[i];
		prop_result_release(&sv->r);
		sv->stale_since_prediction = 0;
		prop_judge(&run->expect, prop_values_empty(&run->old) ? NULL : &run->old, run->name, sv->err,
			   sv->pkt, sv->received, sv->auth, &sv->r);
		free(sv->site);
		sv->site = NULL;
		if (sv->site_answers[ASK_ID_SERVER])
			sv->site = xstrdup(sv->site_answers[ASK_ID_SERVER]);
		else if (sv->site_answers[ASK_HOSTNAME_BIND])
			sv->site = xstrdup(sv->site_answers[ASK_HOSTNAME_BIND]);
		else if (sv->site_answers[ASK_MYADDR])
			sv->site = xasprintf("via %s", sv->site_answers[ASK_MYADDR]);
		if (sv->auth && sv->r.status != PROP_ERROR) {
			any_auth = 1;
			auth_new &= sv->r.status == PROP_NEW;
		}
	}
	/* An old answer past a moment an earlier sweep said it would flip is
	 * stale -- only moments seen while the authoritative servers already
	 * served the new value count: before that, a cache that let the old
	 * value go fetched it again. */
	for (size_t i = 0; i < run->n; i++) {
		struct pserver *sv = &run->sv[i];
		if (sv->auth || sv->r.status != PROP_OLD)
			continue;
		/* one anycast address hides several caches: a prediction is
		 * held against the site it was made for */
		int same_site = sv->prediction > 0 &&
				(sv->prediction_site && sv->site ? strcmp(sv->prediction_site, sv->site) == 0
								 : !sv->prediction_site && !sv->site);
		double prev = same_site ? sv->prediction : 0;
		/* the database holds what earlier runs saw (cron); within
		 * this run, memory does */
		if (run->store && prev == 0 && run->sweeps == 1) {
			double f = 0;
			int rc = store_prop_last_flips(run->store, run->name, run->type_text,
						       run->expected_text, sv->addr, sv->port, sv->site, &f,
						       err, sizeof(err));
			if (rc < 0)
				fprintf(stderr, "cutover: warning: %s\n", err);
			/* a prediction from days ago is of an earlier attempt at
			 * the same change (rolled back, done again), not of this
			 * cache's copy */
			else if (rc == 1 && sv->r.received - f < PREDICTION_MAX_AGE)
				prev = f;
		}
		if (prop_stale_by_time(prev, sv->r.received)) {
			sv->r.status = PROP_STALE;
			sv->stale_since_prediction = prev;
			sv->r.flips_at = 0;
		} else if (auth_new && any_auth && sv->r.flips_at > 0 &&
			   (!same_site || sv->r.flips_at > sv->prediction)) {
			sv->prediction = sv->r.flips_at;
			free(sv->prediction_site);
			sv->prediction_site = sv->site ? xstrdup(sv->site) : NULL;
		}
	}
	size_t n = run->n;
	int *kinds = xcalloc(n ? n : 1, sizeof(int));
	struct prop_result *rs = xcalloc(n ? n : 1, sizeof(*rs));
	for (size_t i = 0; i < n; i++) {
		kinds[i] = run->sv[i].auth;
		rs[i] = run->sv[i].r; /* shallow: only read */
	}
	prop_summarize(rs, kinds, n, &run->sum);
	free(rs);
	free(kinds);
}

static void make_findings(struct prun *run)
{
	char b1[32], b2[32];
	const struct prop_summary *s = &run->sum;
	finding_list_release(&run->findings);
	finding_list_init(&run->findings);
	run->worst = STATUS_OK;
	if (run->discovery_error)
		add_finding(run, CODE_PROPAGATION_UNREACHABLE, STATUS_WARN, NULL, NULL, NULL,
			    "the authoritative servers of %s could not be found: %s", run->shown_name,
			    run->discovery_error);
	for (size_t i = 0; i < run->n; i++) {
		const struct pserver *sv = &run->sv[i];
		const struct prop_result *r = &sv->r;
		char *msg = NULL, *a = prop_answer_text(r);
		enum code code = prop_problem(r, sv->auth, psv_label(sv), sv->stale_since_prediction, &msg);
		if (code != CODE_COUNT)
			add_finding(run, code, code_status(code), sv,
				    code == CODE_PROPAGATION_UNREACHABLE ? NULL : run->expected_text, a, "%s",
				    msg);
		free(msg);
		free(a);
	}
	if (!s->auth_agree)
		add_finding(run, CODE_PROPAGATION_DISAGREE, STATUS_FAIL, NULL, run->expected_text, NULL,
			    "the authoritative servers of %s answer different values", run->shown_name);
	char *ratio = xasprintf("%.1f%%", 100.0 * prop_ratio(s));
	char *want = xasprintf(">= %.0f%%", 100.0 * (run->po->until > 0 ? run->po->until : 1.0));
	if (s->recursive > 0 && s->answered == 0)
		add_finding(run, CODE_PROPAGATION_UNREACHABLE, STATUS_ERROR, NULL, NULL, NULL,
			    "none of the %zu resolvers answered", s->recursive);
	else if (converged(run))
		add_finding(
			run, CODE_PROPAGATION_CONVERGED, STATUS_OK, NULL, want, ratio,
			"%zu of %zu resolvers that answered have the new value %s; %zu of %zu authoritative "
			"servers serve it",
			s->converged, s->answered, run->expected_text, s->auth_new, s->auth_answered);
	else if (s->eta > 0)
		add_finding(
			run, CODE_PROPAGATION_PENDING, STATUS_WARN, NULL, want, ratio,
			"%zu of %zu resolvers that answered have the new value %s; %zu old, %zu stale, %zu "
			"other; authoritative %zu of %zu; ETA %s (in %s), a lower bound",
			s->converged, s->answered, run->expected_text, s->old, s->stale, s->other,
			s->auth_new, s->auth_answered, utc(s->eta, b1), span(s->eta - loop_wall_time(), b2));
	else
		add_finding(
			run, CODE_PROPAGATION_PENDING, STATUS_WARN, NULL, want, ratio,
			"%zu of %zu resolvers that answered have the new value %s; %zu old, %zu stale, %zu "
			"other; authoritative %zu of %zu; no ETA (%s)",
			s->converged, s->answered, run->expected_text, s->old, s->stale, s->other,
			s->auth_new, s->auth_answered,
			s->auth_new < s->auth_answered
				? "an authoritative server does not serve the new value"
			: s->stale ? "stale answers have no TTL to go by"
				   : "old answers without a TTL");
	free(ratio);
	free(want);
}

/* "converged", "pending" or "error" (nothing determined) */
static const char *overall_state(const struct prun *run)
{
	if (run->sum.recursive > 0 && run->sum.answered == 0)
		return "error";
	return converged(run) ? "converged" : "pending";
}

/* ---- history ------------------------------------------------------- */

static void record_sweep(struct prun *run)
{
	char err[1024];
	struct store_prop_server *ss = xcalloc(run->n ? run->n : 1, sizeof(*ss));
	char **answers = xcalloc(run->n ? run->n : 1, sizeof(char *));
	char **rcodes = xcalloc(run->n ? run->n : 1, sizeof(char *));
	/* An old answer's flips_at is a prediction a later run judges stale
	 * answers by (store_prop_last_flips) only once the authoritative
	 * servers serve the new value: before, a cache that lets the old value
	 * go fetches it again. */
	int predicts = run->sum.auth_answered > 0 && run->sum.auth_new == run->sum.auth_answered;
	for (size_t i = 0; i < run->n; i++) {
		const struct pserver *sv = &run->sv[i];
		const struct prop_result *r = &sv->r;
		if (r->status != PROP_ERROR && !r->negative)
			answers[i] = prop_answer_text(r);
		if (r->rcode >= 0)
			rcodes[i] = ldns_pkt_rcode2str((ldns_pkt_rcode)r->rcode);
		ss[i] = (struct store_prop_server){sv->addr,
						   sv->port,
						   sv->auth ? "authoritative" : "recursive",
						   sv->label,
						   prop_status_name(r->status),
						   answers[i],
						   r->ttl,
						   rcodes[i],
						   predicts ? r->flips_at : 0,
						   sv->site,
						   r->error};
	}
	struct store_prop_sweep sw = {run->name,
				      run->type_text,
				      run->expected_text,
				      run->sweep_at,
				      run->sum.converged,
				      run->sum.answered,
				      run->sum.eta,
				      ss,
				      run->n};
	if (store_prop_record(run->store, &sw, err, sizeof(err)) != 0)
		fprintf(stderr, "cutover: warning: the sweep was not recorded: %s\n", err);
	for (size_t i = 0; i < run->n; i++) {
		free(answers[i]);
		free(rcodes[i]);
	}
	free(answers);
	free(rcodes);
	free(ss);
}

/* ---- webhooks ------------------------------------------------------ */

static void on_notified(void *arg, const char *url, long status, const char *error)
{
	(void)arg;
	if (error)
		fprintf(stderr, "cutover: warning: notify %s: %s\n", url, error);
	else if (status < 200 || status > 299)
		fprintf(stderr, "cutover: warning: notify %s: HTTP status %ld\n", url, status);
}

static void notify_all(struct prun *run, const char *state)
{
	if (!run->notifier)
		return;
	char conv[32], total[32], ratio[32], eta[32] = "", err[1024];
	snprintf(conv, sizeof(conv), "%zu", run->sum.converged);
	snprintf(total, sizeof(total), "%zu", run->sum.answered);
	snprintf(ratio, sizeof(ratio), "%.3f", prop_ratio(&run->sum));
	if (run->sum.eta > 0)
		utc(run->sum.eta, eta);
	const char *message = run->findings.n ? run->findings.v[run->findings.n - 1].message : "";
	const char *up = strcmp(state, "converged") == 0 ? "up" : "down";
	const char *values[N_NOTIFY_VARS] = {state,	     up,     conv, total, ratio, eta, run->shown_name,
					     run->type_text, message};
	struct notify_var v[N_NOTIFY_VARS];
	for (size_t i = 0; i < N_NOTIFY_VARS; i++)
		v[i] = (struct notify_var){notify_names[i], values[i]};
	for (size_t i = 0; i < run->po->notify.n; i++)
		if (notify_send(run->notifier, run->po->notify.v[i], v, N_NOTIFY_VARS, NULL, on_notified, run,
				err, sizeof(err)) != 0)
			fprintf(stderr, "cutover: warning: notify: %s\n", err);
	if (run->po->notify_json.n == 0)
		return;
	json_t *j = json_object();
	json_object_set_new(j, "name", report_json_string(run->shown_name));
	json_object_set_new(j, "type", json_string(run->type_text));
	json_object_set_new(j, "status", json_string(state));
	json_object_set_new(j, "up", json_boolean(strcmp(state, "converged") == 0));
	json_object_set_new(j, "converged", json_integer((json_int_t)run->sum.converged));
	json_object_set_new(j, "total", json_integer((json_int_t)run->sum.answered));
	json_object_set_new(j, "ratio", json_real(prop_ratio(&run->sum)));
	json_object_set_new(j, "eta", run->sum.eta > 0 ? json_string(eta) : json_null());
	json_object_set_new(j, "expected", report_json_string(run->expected_text));
	json_object_set_new(j, "message", report_json_string(message));
	char *body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	for (size_t i = 0; body && i < run->po->notify_json.n; i++)
		if (notify_send(run->notifier, run->po->notify_json.v[i], v, N_NOTIFY_VARS, body, on_notified,
				run, err, sizeof(err)) != 0)
			fprintf(stderr, "cutover: warning: notify: %s\n", err);
	free(body);
}

/* ---- watch output ---------------------------------------------------- */

static void print_line(struct prun *run, const struct pserver *sv)
{
	char b1[32], b2[32];
	struct strbuf sb = STRBUF_INIT;
	char *a = prop_answer_text(&sv->r);
	sb_addf(&sb, "%s %s %s", utc(run->sweep_at, b1), sv->auth ? "auth" : "resolver", sv->shown);
	if (sv->label)
		sb_addf(&sb, " (%s)", sv->label);
	if (sv->seen)
		sb_addf(&sb, ": %s -> %s", prop_status_name(sv->last_status), prop_status_name(sv->r.status));
	else
		sb_addf(&sb, ": %s", prop_status_name(sv->r.status));
	sb_adds(&sb, " ");
	report_add_clean(&sb, a, REPORT_CLEAN_LINE);
	if (sv->r.ttl >= 0 && sv->r.status != PROP_ERROR)
		sb_addf(&sb, " ttl %ld", sv->r.ttl);
	if (sv->r.flips_at > 0)
		sb_addf(&sb, ", flips at %s", utc(sv->r.flips_at, b2));
	fprintf(run->lines, "%s\n", sb.buf);
	free(a);
	sb_release(&sb);
}

static void print_changes(struct prun *run, const char *prev_overall)
{
	char b1[32], b2[32];
	if (!run->lines)
		return;
	for (size_t i = 0; i < run->n; i++) {
		const struct pserver *sv = &run->sv[i];
		if (!sv->seen || sv->last_status != sv->r.status)
			print_line(run, sv);
	}
	const char *state = overall_state(run);
	if (!prev_overall || strcmp(prev_overall, state) != 0 || run->sweeps == 1) {
		fprintf(run->lines, "%s %s: %zu of %zu resolvers have the new value", utc(run->sweep_at, b1),
			state, run->sum.converged, run->sum.answered);
		if (run->sum.eta > 0)
			fprintf(run->lines, ", ETA %s", utc(run->sum.eta, b2));
		fputc('\n', run->lines);
	}
	fflush(run->lines);
}

static void draw_live(struct prun *run)
{
	char b1[32], b2[32];
	const struct prop_summary *s = &run->sum;
	double now = loop_wall_time();
	FILE *f = stdout;
	double ratio = prop_ratio(s);
	int width = 30, filled = (int)(ratio * width + 0.5);
	fputs("\033[H\033[2J", f);
	fprintf(f, "cutover propagation %s/%s: new value %s\n", run->shown_name, run->type_text,
		run->expected_text);
	fprintf(f, "sweep %u at %s, watching for %s\n\n", run->sweeps, utc(run->sweep_at, b1),
		span(now - run->watch_started, b2));
	fprintf(f, "  %-28s %-8s %-20s %-6s %s\n", "SERVER", "KIND", "LABEL", "STATUS", "FLIPS IN / ANSWER");
	for (size_t i = 0; i < run->n; i++) {
		const struct pserver *sv = &run->sv[i];
		struct strbuf lab = STRBUF_INIT;
		report_add_clean(&lab, sv->label ? sv->label : "-", REPORT_CLEAN_LINE);
		char *a = prop_answer_text(&sv->r);
		struct strbuf ans = STRBUF_INIT;
		report_add_clean(&ans, a, REPORT_CLEAN_LINE);
		if (sv->r.status == PROP_OLD && sv->r.flips_at > 0)
			fprintf(f, "  %-28s %-8s %-20.20s %-6s %s (%s)\n", sv->shown,
				sv->auth ? "auth" : "resolver", lab.buf, "old",
				sv->r.flips_at > now ? span(sv->r.flips_at - now, b1) : "due", ans.buf);
		else
			fprintf(f, "  %-28s %-8s %-20.20s %-6s %s\n", sv->shown,
				sv->auth ? "auth" : "resolver", lab.buf, prop_status_name(sv->r.status),
				ans.buf);
		sb_release(&lab);
		sb_release(&ans);
		free(a);
	}
	fprintf(f, "\n  [");
	for (int i = 0; i < width; i++)
		fputc(i < filled ? '#' : '-', f);
	fprintf(f, "] %zu/%zu %.0f%%", s->converged, s->answered, 100.0 * ratio);
	if (s->eta > 0)
		fprintf(f, "   ETA %s (in %s, at least)", utc(s->eta, b1), span(s->eta - now, b2));
	fputc('\n', f);
	fflush(f);
}

/* ---- the watch ------------------------------------------------------- */

/* The progress line of --watch (a progress_sample_fn): the servers that
 * answered in this sweep, what the last sweep found. In live mode the line
 * sits below the screen, which erases it as it redraws. */
static void watch_progress(void *arg, struct progress_counts *c)
{
	struct prun *run = arg;
	c->what = "propagation";
	c->unit = "servers";
	c->total = run->n;
	for (size_t i = 0; i < run->n; i++)
		c->done += run->sv[i].received != 0;
	c->findings = run->findings.n;
	for (size_t i = 0; i < run->findings.n; i++)
		c->problems += run->findings.v[i].status >= STATUS_WARN;
	snprintf(run->progress_doing, sizeof(run->progress_doing), "sweep %u, %zu of %zu resolvers new",
		 run->sweeps, run->sum.converged, run->sum.answered);
	c->doing = run->progress_doing;
	c->in_flight = session_in_flight(run->s);
}

static void finish(struct prun *run)
{
	run->finished = 1;
	loop_timer_stop(run->next);
	loop_timer_stop(run->tick);
	/* webhooks still on their way are let finish: the loop runs on until
	 * nothing is left */
}

static void on_next(void *arg)
{
	struct prun *run = arg;
	sweep_start(run);
}

static void on_tick(void *arg)
{
	struct prun *run = arg;
	if (run->finished)
		return;
	draw_live(run);
	loop_timer_start(run->tick, 1000000);
}

static void on_signal(void *arg, int signo)
{
	struct prun *run = arg;
	(void)signo;
	run->interrupted = 1;
	finish(run);
	loop_signal_free(run->sigint);
	loop_signal_free(run->sigterm);
	run->sigint = run->sigterm = NULL;
}

static void schedule_next(struct prun *run)
{
	double now = loop_wall_time();
	double next = (double)(run->po->interval ? run->po->interval : 30);
	/* right after the next old answer's TTL runs out, when that is sooner */
	for (size_t i = 0; i < run->n; i++) {
		double f = run->sv[i].r.flips_at;
		if (f > 0 && f + 0.5 - now < next)
			next = f + 0.5 - now;
	}
	if (next < 1)
		next = 1;
	double max_wait = (double)(run->po->max_wait ? run->po->max_wait : 86400);
	double left = run->watch_started + max_wait - now;
	if (left < next)
		next = left > 0 ? left : 0;
	loop_timer_start(run->next, (uint64_t)(next * 1e6));
}

/* The overall state the last recorded sweep of this change was in, judged
 * by this run's rule (--until, the authoritative servers), from each
 * server's latest recorded status; NULL when none is recorded. *new_error
 * is set when a server that answered then gives no answer now. */
static const char *stored_state(struct prun *run, int *new_error)
{
	struct store_prop_history h;
	char err[512];
	const char *state = NULL;
	memset(&h, 0, sizeof(h));
	if (store_prop_history(run->store, run->name, run->type_text, run->expected_text, &h, err,
			       sizeof(err)) != 1) {
		store_prop_history_release(&h);
		return NULL;
	}
	struct prop_summary sum;
	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < h.n_servers; i++) {
		const struct store_prop_history_server *hs = &h.servers[i];
		if (hs->last_seen < h.last_sweep)
			continue; /* not asked in the last sweep */
		int err_then = strcmp(hs->last_status, "error") == 0,
		    new_then = strcmp(hs->last_status, "new") == 0;
		if (strcmp(hs->kind, "authoritative") == 0) {
			sum.auth_answered += !err_then;
			sum.auth_new += new_then;
		} else {
			sum.recursive++;
			sum.answered += !err_then;
			sum.converged += new_then;
		}
		for (size_t k = 0; k < run->n; k++)
			if (!err_then && run->sv[k].r.status == PROP_ERROR && run->sv[k].port == hs->port &&
			    strcmp(run->sv[k].addr, hs->address) == 0)
				*new_error = 1;
	}
	if (sum.recursive > 0 && sum.answered == 0)
		state = "error";
	else
		state = prop_converged(&sum, run->po->until > 0 ? run->po->until : 1.0) ? "converged"
											: "pending";
	store_prop_history_release(&h);
	return state;
}

static void sweep_done(struct prun *run)
{
	if (!run->expect_known) {
		if (expect_from_auth(run) != 0) {
			run->fatal = 1;
			finish(run);
			goto free_pkts;
		}
		run->expect_known = run->expect_from_auth = 1;
		run->expected_text = prop_values_text(&run->expect);
	}
	judge_all(run);
	make_findings(run);
	const char *prev = run->overall;
	const char *state = overall_state(run);
	int new_error = 0;
	for (size_t i = 0; i < run->n; i++)
		if (run->sv[i].seen && run->sv[i].r.status == PROP_ERROR &&
		    run->sv[i].last_status != PROP_ERROR)
			new_error = 1;
	/* first sweep: what an earlier run (cron) recorded last decides */
	if (!prev && run->store)
		prev = stored_state(run, &new_error);
	if (run->store)
		record_sweep(run);
	if (!prev || strcmp(prev, state) != 0 || new_error)
		notify_all(run, state);
	if (run->po->watch) {
		/* the countdown ticks once the first sweep is judged */
		if (run->live && run->sweeps == 1)
			loop_timer_start(run->tick, 1000000);
		if (run->live)
			draw_live(run);
		else
			print_changes(run, run->overall);
	}
	run->overall = state;
	for (size_t i = 0; i < run->n; i++) {
		run->sv[i].seen = 1;
		run->sv[i].last_status = run->sv[i].r.status;
	}
	if (!run->po->watch || strcmp(state, "converged") == 0) {
		finish(run);
	} else if (loop_wall_time() >=
		   run->watch_started + (double)(run->po->max_wait ? run->po->max_wait : 86400)) {
		run->gave_up = 1;
		finish(run);
	} else if (!run->finished)
		schedule_next(run);
free_pkts:
	for (size_t i = 0; i < run->n; i++) {
		ldns_pkt_free(run->sv[i].pkt);
		run->sv[i].pkt = NULL;
	}
}

/* ---- the report ------------------------------------------------------ */

static int write_text(struct prun *run, FILE *out, int color)
{
	char b1[32], b2[32];
	const struct prop_summary *s = &run->sum;
	double now = loop_wall_time();
	fprintf(out, "%s/%s: new value %s (%s)\n", run->shown_name, run->type_text, run->expected_text,
		run->expect_from_auth ? "what the authoritative servers answer" : "given");
	fprintf(out, "  %-28s %-8s %-20s %-6s %6s  %s\n", "SERVER", "KIND", "LABEL", "STATUS", "TTL",
		"ANSWER");
	for (size_t i = 0; i < run->n; i++) {
		const struct pserver *sv = &run->sv[i];
		const struct prop_result *r = &sv->r;
		struct strbuf lab = STRBUF_INIT, ans = STRBUF_INIT;
		char *a = prop_answer_text(r);
		char ttl[24] = "-";
		report_add_clean(&lab, sv->label ? sv->label : "-", REPORT_CLEAN_LINE);
		report_add_clean(&ans, a, REPORT_CLEAN_LINE);
		if (r->ttl >= 0 && r->status != PROP_ERROR)
			snprintf(ttl, sizeof(ttl), "%ld", r->ttl);
		const char *col = "", *end = "";
		if (color) {
			col = r->status == PROP_NEW	? "\033[32m"
			      : r->status == PROP_ERROR ? "\033[31m"
							: "\033[33m";
			end = "\033[0m";
		}
		fprintf(out, "  %-28s %-8s %-20.20s %s%-6s%s %6s  %s", sv->shown,
			sv->auth ? "auth" : "resolver", lab.buf, col, prop_status_name(r->status), end, ttl,
			ans.buf);
		if (r->flips_at > 0)
			fprintf(out, "; flips at %s (in %s)", utc(r->flips_at, b1),
				span(r->flips_at - now, b2));
		if (sv->site) {
			struct strbuf site = STRBUF_INIT;
			report_add_clean(&site, sv->site, REPORT_CLEAN_LINE);
			fprintf(out, "; site %s", site.buf);
			sb_release(&site);
		}
		fputc('\n', out);
		sb_release(&lab);
		sb_release(&ans);
		free(a);
	}
	fprintf(out,
		"resolvers: %zu of %zu that answered have the new value (%.1f%%); %zu old, %zu stale, %zu "
		"other, "
		"%zu without an answer\n",
		s->converged, s->answered, 100.0 * prop_ratio(s), s->old, s->stale, s->other, s->errors);
	fprintf(out, "authoritative: %zu of %zu that answered serve the new value%s\n", s->auth_new,
		s->auth_answered, s->auth_agree ? "" : "; they DISAGREE");
	if (s->eta > 0)
		fprintf(out,
			"ETA: %s (in %s), a lower bound: an anycast address hides several caches, each with "
			"its "
			"own TTL, and some resolvers serve stale data past it\n",
			utc(s->eta, b1), span(s->eta - now, b2));
	for (size_t i = 0; i < run->findings.n; i++) {
		const struct finding *f = &run->findings.v[i];
		struct strbuf m = STRBUF_INIT;
		report_add_clean(&m, report_finding_message(f), REPORT_CLEAN_LINE);
		fprintf(out, "%-5s %s: %s\n", status_name(f->status), f->code, m.buf);
		sb_release(&m);
	}
	return ferror(out) ? -1 : 0;
}

static json_t *server_json(const struct pserver *sv)
{
	char b[32];
	const struct prop_result *r = &sv->r;
	json_t *j = json_object(), *ans = json_array();
	json_object_set_new(j, "address", json_string(sv->addr));
	json_object_set_new(j, "port", json_integer(sv->port));
	json_object_set_new(j, "kind", json_string(sv->auth ? "authoritative" : "recursive"));
	json_object_set_new(j, "label", sv->label ? report_json_string(sv->label) : json_null());
	json_object_set_new(j, "status", json_string(prop_status_name(r->status)));
	for (size_t i = 0; i < r->n_answer; i++)
		json_array_append_new(ans, report_json_string(r->answer[i]));
	json_object_set_new(j, "answer", ans);
	if (r->alias)
		json_object_set_new(j, "alias", report_json_string(r->alias));
	json_object_set_new(j, "ttl",
			    r->ttl >= 0 && r->status != PROP_ERROR ? json_integer(r->ttl) : json_null());
	char *rc = r->rcode >= 0 ? ldns_pkt_rcode2str((ldns_pkt_rcode)r->rcode) : NULL;
	json_object_set_new(j, "rcode", rc ? json_string(rc) : json_null());
	free(rc);
	if (r->flips_at > 0)
		json_object_set_new(j, "flips_at", json_string(utc(r->flips_at, b)));
	if (r->status == PROP_ERROR)
		json_object_set_new(j, "error", report_json_string(r->error));
	if (r->ede_stale)
		json_object_set_new(j, "ede_stale", json_true());
	if (sv->site)
		json_object_set_new(j, "site", report_json_string(sv->site));
	return j;
}

static int write_json(struct prun *run, FILE *out, time_t started)
{
	char b[32];
	const struct prop_summary *s = &run->sum;
	json_t *root = json_object(), *exp = json_array(), *servers = json_array(), *findings = json_array();
	size_t counts[STATUS_COUNT] = {0};
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "tool", json_string("cutover " CUTOVER_VERSION));
	json_object_set_new(root, "started", json_string(utc((double)started, b)));
	json_object_set_new(root, "status", json_string(status_name(run->worst)));
	json_object_set_new(root, "name", report_json_string(run->shown_name));
	json_object_set_new(root, "type", json_string(run->type_text));
	for (size_t i = 0; i < run->expect.n_exact; i++)
		json_array_append_new(exp, report_json_string(run->expect.exact[i]));
	for (size_t i = 0; i < run->expect.n_cidrs; i++)
		json_array_append_new(exp, json_string(run->expect.cidrs[i].text));
	if (run->expect.alias) {
		char *a = xasprintf("CNAME %s", run->expect.alias);
		json_array_append_new(exp, report_json_string(a));
		free(a);
	}
	json_object_set_new(root, "expected", exp);
	json_object_set_new(root, "expected_from",
			    json_string(run->expect_from_auth ? "authoritative" : "given"));
	json_object_set_new(root, "state", json_string(overall_state(run)));
	json_object_set_new(root, "converged",
			    json_pack("{s:I,s:I,s:f}", "count", (json_int_t)s->converged, "total",
				      (json_int_t)s->answered, "ratio",
				      (double)(long)(prop_ratio(s) * 1000 + 0.5) / 1000));
	json_object_set_new(root, "authoritative",
			    json_pack("{s:I,s:I,s:I,s:b}", "count", (json_int_t)s->auth_new, "answered",
				      (json_int_t)s->auth_answered, "total", (json_int_t)s->auth, "agree",
				      s->auth_agree));
	json_object_set_new(root, "eta", s->eta > 0 ? json_string(utc(s->eta, b)) : json_null());
	json_object_set_new(root, "eta_is_lower_bound", json_true());
	json_object_set_new(root, "sweeps", json_integer(run->sweeps));
	if (run->interrupted)
		json_object_set_new(root, "interrupted", json_true());
	for (size_t i = 0; i < run->n; i++)
		json_array_append_new(servers, server_json(&run->sv[i]));
	json_object_set_new(root, "servers", servers);
	for (size_t i = 0; i < run->findings.n; i++) {
		json_array_append_new(findings, report_json_finding(&run->findings.v[i]));
		counts[run->findings.v[i].status]++;
	}
	json_object_set_new(
		root, "summary",
		json_pack("{s:I,s:I,s:I,s:I,s:I}", "ok", (json_int_t)counts[STATUS_OK], "info",
			  (json_int_t)counts[STATUS_INFO], "warn", (json_int_t)counts[STATUS_WARN], "error",
			  (json_int_t)counts[STATUS_ERROR], "fail", (json_int_t)counts[STATUS_FAIL]));
	json_object_set_new(root, "findings", findings);
	int rc = json_dumpf(root, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? 0 : -1;
	json_decref(root);
	return rc;
}

static int write_nagios(struct prun *run, FILE *out, int rc)
{
	char b1[32], b2[32];
	static const char *const words[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	const struct prop_summary *s = &run->sum;
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "PROPAGATION %s - ", words[rc]);
	report_add_clean(&sb, run->shown_name, REPORT_CLEAN_NAGIOS);
	sb_addf(&sb, "/%s: %zu of %zu resolvers have ", run->type_text, s->converged, s->answered);
	report_add_clean(&sb, run->expected_text, REPORT_CLEAN_NAGIOS);
	if (s->eta > 0)
		sb_addf(&sb, ", ETA %s (in %s, at least)", utc(s->eta, b1),
			span(s->eta - loop_wall_time(), b2));
	if (s->auth_new < s->auth_answered)
		sb_addf(&sb, ", %zu of %zu authoritative servers serve it", s->auth_new, s->auth_answered);
	if (s->errors)
		sb_addf(&sb, ", %zu resolvers did not answer", s->errors);
	long eta = s->eta > 0 ? ceil_secs(s->eta - loop_wall_time()) : 0;
	sb_addf(&sb,
		" | converged_ratio=%.3f;;;0;1 converged=%zu;;;0;%zu resolvers=%zu;;;0 "
		"eta_seconds=%lds;;;0\n",
		prop_ratio(s), s->converged, s->answered, s->recursive, eta > 0 ? eta : 0);
	int w = fputs(sb.buf, out) == EOF ? -1 : 0;
	sb_release(&sb);
	return w;
}

static void prom_labels(struct strbuf *sb, struct prun *run)
{
	sb_adds(sb, "name=\"");
	report_add_clean(sb, run->shown_name, REPORT_CLEAN_PROM);
	sb_addf(sb, "\",type=\"%s\"", run->type_text);
}

static int write_prometheus(struct prun *run, FILE *out)
{
	const struct prop_summary *s = &run->sum;
	struct strbuf sb = STRBUF_INIT;
	long eta = s->eta > 0 ? ceil_secs(s->eta - loop_wall_time()) : 0;
	sb_adds(&sb, "# HELP cutover_propagation_converged_ratio Share of the resolvers that answered that "
		     "have the new value.\n# TYPE cutover_propagation_converged_ratio gauge\n"
		     "cutover_propagation_converged_ratio{");
	prom_labels(&sb, run);
	sb_addf(&sb, "} %.6g\n", prop_ratio(s));
	sb_adds(&sb, "# HELP cutover_propagation_converged Resolvers that have the new value.\n"
		     "# TYPE cutover_propagation_converged gauge\ncutover_propagation_converged{");
	prom_labels(&sb, run);
	sb_addf(&sb, "} %zu\n", s->converged);
	sb_adds(&sb, "# HELP cutover_propagation_answered Resolvers that answered.\n"
		     "# TYPE cutover_propagation_answered gauge\ncutover_propagation_answered{");
	prom_labels(&sb, run);
	sb_addf(&sb, "} %zu\n", s->answered);
	sb_adds(&sb,
		"# HELP cutover_propagation_eta_seconds Seconds until the last old answer's TTL runs out "
		"(a lower bound; 0: none pending).\n# TYPE cutover_propagation_eta_seconds gauge\n"
		"cutover_propagation_eta_seconds{");
	prom_labels(&sb, run);
	sb_addf(&sb, "} %ld\n", eta > 0 ? eta : 0);
	sb_adds(&sb,
		"# HELP cutover_propagation_server_new 1 when the server answers the new value, else 0.\n"
		"# TYPE cutover_propagation_server_new gauge\n");
	for (size_t i = 0; i < run->n; i++) {
		const struct pserver *sv = &run->sv[i];
		sb_adds(&sb, "cutover_propagation_server_new{");
		prom_labels(&sb, run);
		sb_adds(&sb, ",server=\"");
		report_add_clean(&sb, sv->shown, REPORT_CLEAN_PROM);
		sb_adds(&sb, "\",label=\"");
		report_add_clean(&sb, sv->label ? sv->label : "", REPORT_CLEAN_PROM);
		sb_addf(&sb, "\",kind=\"%s\",status=\"%s\"} %d\n", sv->auth ? "authoritative" : "recursive",
			prop_status_name(sv->r.status), sv->r.status == PROP_NEW);
	}
	int w = fputs(sb.buf, out) == EOF ? -1 : 0;
	sb_release(&sb);
	return w;
}

/* ---- setting up ------------------------------------------------------ */

static void on_discovered(void *arg, struct delegation *d)
{
	struct prun *run = arg;
	/* the answers discovery got to its NS question are the taker's: a
	 * sweep asks its own question */
	for (size_t i = 0; d && i < d->n_servers; i++) {
		ldns_pkt_free(d->servers[i].ns_pkt);
		d->servers[i].ns_pkt = NULL;
	}
	run->deleg = d;
	run->discovering = 0;
}

/* The zone's servers, then the resolvers. Returns 0, or -1 (exit 3). */
static int add_servers(struct prun *run)
{
	const struct delegation *d = run->deleg;
	size_t n_auth = 0;
	if (d && d->status == DELEG_OK)
		n_auth = d->n_servers < DELEG_SERVERS_MAX ? d->n_servers : DELEG_SERVERS_MAX;
	else
		run->discovery_error = d && d->error ? d->error : "discovery failed";
	run->n = n_auth + run->po->targets.n;
	run->sv = xcalloc(run->n ? run->n : 1, sizeof(*run->sv));
	run->q = xcalloc(run->n ? run->n * ASK_COUNT : 1, sizeof(*run->q));
	for (size_t i = 0; i < n_auth; i++) {
		const struct ns_server *ns = &d->servers[i];
		struct pserver *sv = &run->sv[i];
		sv->auth = 1;
		sv->label = ns->name ? name_text(&run->arena, ns->name) : NULL;
		memcpy(&sv->sa, &ns->addr, sizeof(sv->sa));
		sv->salen = ns->addrlen;
	}
	for (size_t i = 0; i < run->po->targets.n; i++) {
		const struct target *t = &run->po->targets.v[i];
		struct pserver *sv = &run->sv[n_auth + i];
		sv->label = t->label;
		memcpy(&sv->sa, &t->addr, sizeof(sv->sa));
		sv->salen = t->addrlen;
	}
	for (size_t i = 0; i < run->n; i++) {
		struct pserver *sv = &run->sv[i];
		dns_addr_host((struct sockaddr *)&sv->sa, sv->addr, sizeof(sv->addr), &sv->port);
		dns_addr_str((struct sockaddr *)&sv->sa, sv->shown, sizeof(sv->shown));
	}
	return 0;
}

static void run_release(struct prun *run)
{
	for (size_t i = 0; i < run->n; i++) {
		struct pserver *sv = &run->sv[i];
		ldns_pkt_free(sv->pkt);
		for (int k = 0; k < ASK_COUNT; k++)
			free(sv->site_answers[k]);
		free(sv->site);
		free(sv->prediction_site);
		prop_result_release(&sv->r);
	}
	free(run->sv);
	free(run->q);
	prop_values_release(&run->expect);
	prop_values_release(&run->old);
	free(run->expected_text);
	free(run->type_text);
	ldns_rdf_deep_free(run->qname);
	finding_list_release(&run->findings);
	loop_timer_free(run->next);
	loop_timer_free(run->tick);
	loop_signal_free(run->sigint);
	loop_signal_free(run->sigterm);
	notifier_free(run->notifier);
	store_close(run->store);
	arena_release(&run->arena);
}

/* ---- html ------------------------------------------------------------ */

/* The timeline's geometry, in SVG user units (pixels at 100%). */
#define TL_WIDTH 960
#define TL_LABELS 250 /* the servers' names, left of the plot */
#define TL_RIGHT 30
#define TL_TOP 30
#define TL_RATIO_HEIGHT 120 /* the converged ratio's chart */
#define TL_LANE 20	    /* one server's lane */
#define TL_LANES_MAX 200    /* servers drawn at most; the table has them all */

/* "9.9.9.9" or "127.0.0.1#5353", as the tables show a server. */
static void history_addr(const struct store_prop_history_server *s, char buf[INET6_ADDRSTRLEN + 8])
{
	snprintf(buf, INET6_ADDRSTRLEN + 8, s->port == 53 ? "%s" : "%s#%u", s->address, s->port);
}

/* The x of moment t on a plot from t0 to t1. */
static long tl_x(double t, double t0, double t1)
{
	double f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return TL_LABELS + (long)(f * (TL_WIDTH - TL_LABELS - TL_RIGHT) + 0.5);
}

/* HH:MM:SS of t in UTC. */
static const char *clock_utc(double t, char buf[32])
{
	char full[32];
	utc(t, full);
	snprintf(buf, 32, "%.8s", full + 11);
	return buf;
}

/* An inline SVG of the history: the converged ratio sweep by sweep (a step
 * line), then a lane per server, amber until it first had the new value,
 * green after, a dot where it flipped (its <title> says when). */
static void html_timeline(struct strbuf *sb, const struct store_prop_history *h)
{
	char b1[32], b2[32];
	double t0 = h->first_sweep, t1 = h->last_sweep > t0 ? h->last_sweep : t0 + 1;
	size_t lanes = h->n_servers < TL_LANES_MAX ? h->n_servers : TL_LANES_MAX;
	long lanes_top = TL_TOP + TL_RATIO_HEIGHT + 40;
	long height = lanes_top + (long)lanes * TL_LANE + 40;
	long bottom = TL_TOP + TL_RATIO_HEIGHT, right = TL_WIDTH - TL_RIGHT;

	sb_addf(sb,
		"<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" viewBox=\"0 0 %d %ld\" "
		"width=\"%d\" height=\"%ld\" role=\"img\">\n"
		"<title>When each server first had the new value, and the share of "
		"the resolvers that had it, sweep by sweep</title>\n",
		TL_WIDTH, height, TL_WIDTH, height);
	/* the ratio's frame, 0%, 50% and 100% */
	for (int pct = 0; pct <= 100; pct += 50) {
		long y = bottom - (long)pct * TL_RATIO_HEIGHT / 100;
		sb_addf(sb,
			"<line x1=\"%d\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" stroke=\"#ccc\"/>"
			"<text x=\"%d\" y=\"%ld\" font-size=\"11\" text-anchor=\"end\">%d%%</text>\n",
			TL_LABELS, y, right, y, TL_LABELS - 6, y + 4, pct);
	}
	sb_addf(sb,
		"<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">resolvers with the new "
		"value</text>\n",
		TL_LABELS, TL_TOP - 10);
	/* the ratio as a step line: it holds from one sweep to the next */
	sb_adds(sb,
		"<polyline class=\"ratio\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"2\" points=\"");
	for (size_t i = 0; i < h->n_points; i++) {
		const struct store_prop_history_point *p = &h->points[i];
		long y = bottom -
			 (long)(p->total ? (double)p->converged / (double)p->total * TL_RATIO_HEIGHT + 0.5
					 : 0);
		long x = tl_x(p->at, t0, t1);
		long next = i + 1 < h->n_points ? tl_x(h->points[i + 1].at, t0, t1) : x;
		sb_addf(sb, "%s%ld,%ld %ld,%ld", i ? " " : "", x, y, next, y);
	}
	sb_adds(sb, "\"/>\n");
	for (size_t i = 0; i < h->n_points; i++) {
		const struct store_prop_history_point *p = &h->points[i];
		long y = bottom -
			 (long)(p->total ? (double)p->converged / (double)p->total * TL_RATIO_HEIGHT + 0.5
					 : 0);
		sb_addf(sb,
			"<circle class=\"sweep\" cx=\"%ld\" cy=\"%ld\" r=\"3\" fill=\"#2e7d32\"><title>%s: "
			"%zu of %zu</title></circle>\n",
			tl_x(p->at, t0, t1), y, utc(p->at, b1), p->converged, p->total);
	}
	if (h->converged_at > 0) {
		long x = tl_x(h->converged_at, t0, t1);
		sb_addf(sb,
			"<line x1=\"%ld\" y1=\"%d\" x2=\"%ld\" y2=\"%ld\" stroke=\"#2e7d32\" "
			"stroke-dasharray=\"4 3\"/>"
			"<text x=\"%ld\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">converged %s</text>\n",
			x, TL_TOP, x, height - 30, x - 4, TL_TOP + 12, clock_utc(h->converged_at, b1));
	}
	/* a lane per server */
	for (size_t i = 0; i < lanes; i++) {
		const struct store_prop_history_server *s = &h->servers[i];
		char addr[INET6_ADDRSTRLEN + 8];
		long y = lanes_top + (long)i * TL_LANE;
		long x_seen = tl_x(s->first_seen, t0, t1), x_last = tl_x(s->last_seen, t0, t1);
		long x_new = s->first_new > 0 ? tl_x(s->first_new, t0, t1) : x_last;
		int auth = strcmp(s->kind, "authoritative") == 0;

		history_addr(s, addr);
		sb_addf(sb,
			"<g class=\"lane\"><text x=\"%d\" y=\"%ld\" font-size=\"11\" text-anchor=\"end\">",
			TL_LABELS - 6, y + 13);
		if (s->label) {
			struct strbuf lab = STRBUF_INIT;
			report_add_clean(&lab, s->label, REPORT_CLEAN_LINE);
			/* at most 24 code points of the label */
			size_t keep = 0, points = 0;
			while (keep < lab.len &&
			       !(((unsigned char)lab.buf[keep] & 0xC0) != 0x80 && points++ == 24))
				keep++;
			lab.buf[keep] = '\0';
			html_text(sb, lab.buf);
			sb_adds(sb, " ");
			sb_release(&lab);
		}
		sb_addf(sb, "%s%s</text>", addr, auth ? " (auth)" : "");
		if (x_new > x_seen)
			sb_addf(sb,
				"<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"12\" fill=\"#e0a030\"/>",
				x_seen, y + 3, x_new - x_seen);
		if (s->first_new > 0) {
			if (x_last > x_new)
				sb_addf(sb,
					"<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"12\" "
					"fill=\"#4caf50\"/>",
					x_new, y + 3, x_last - x_new);
			sb_addf(sb,
				"<circle class=\"flip\" data-server=\"%s\" cx=\"%ld\" cy=\"%ld\" r=\"5\" "
				"fill=\"#1b5e20\">"
				"<title>%s first had the new value at %s, %s after the first "
				"sweep</title></circle>",
				addr, x_new, y + 9, addr, utc(s->first_new, b1), span(s->first_new - t0, b2));
		} else {
			sb_addf(sb, "<text x=\"%ld\" y=\"%ld\" font-size=\"11\">not yet</text>", x_last + 4,
				y + 13);
		}
		sb_adds(sb, "</g>\n");
	}
	/* the time axis: five ticks */
	long axis = lanes_top + (long)lanes * TL_LANE + 8;
	sb_addf(sb, "<line x1=\"%d\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" stroke=\"#777\"/>\n", TL_LABELS, axis,
		right, axis);
	for (int k = 0; k <= 4; k++) {
		double t = t0 + (t1 - t0) * k / 4;
		long x = tl_x(t, t0, t1);
		sb_addf(sb,
			"<line x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" stroke=\"#777\"/>"
			"<text x=\"%ld\" y=\"%ld\" font-size=\"11\" text-anchor=\"%s\">%s</text>\n",
			x, axis, x, axis + 5, x, axis + 18,
			k == 0	 ? "start"
			: k == 4 ? "end"
				 : "middle",
			clock_utc(t, b1));
	}
	sb_addf(sb, "</svg>\n<figcaption>From %s to %s (UTC), %zu sweep%s%s.</figcaption>\n</figure>\n",
		utc(h->first_sweep, b1), utc(h->last_sweep, b2), h->sweeps, h->sweeps == 1 ? "" : "s",
		h->n_servers > lanes ? "; the first servers only, the table has them all" : "");
}

/* The history as a page section: what it is of, the timeline, and a table
 * of when each server first had the new value. */
static void html_history(struct strbuf *sb, const struct store_prop_history *h)
{
	char b1[32], b2[32];

	sb_adds(sb, "<section id=\"history\">\n<h2>History</h2>\n<p>New value <span class=\"mono\">");
	html_text(sb, h->expected);
	sb_addf(sb, "</span>: %zu sweep%s from ", h->sweeps, h->sweeps == 1 ? "" : "s");
	html_time(sb, h->first_sweep);
	sb_adds(sb, " to ");
	html_time(sb, h->last_sweep);
	if (h->converged_at > 0) {
		sb_adds(sb, "; converged at ");
		html_time(sb, h->converged_at);
		sb_addf(sb, ", %s after the first sweep", span(h->converged_at - h->first_sweep, b1));
	} else if (h->n_points) {
		sb_addf(sb, "; not converged yet: %zu of %zu resolvers at the last sweep",
			h->points[h->n_points - 1].converged, h->points[h->n_points - 1].total);
	}
	sb_adds(sb, ".</p>\n");
	html_timeline(sb, h);
	sb_adds(sb, "<table>\n<thead><tr><th>server</th><th>kind</th><th>label</th><th>first seen</th>"
		    "<th>first had the new value</th><th>after</th><th>now</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < h->n_servers; i++) {
		const struct store_prop_history_server *s = &h->servers[i];
		char addr[INET6_ADDRSTRLEN + 8];
		history_addr(s, addr);
		sb_addf(sb, "<tr><td class=\"mono\">%s</td><td>%s</td><td>", addr,
			strcmp(s->kind, "authoritative") == 0 ? "authoritative" : "resolver");
		html_text(sb, s->label ? s->label : "");
		sb_adds(sb, "</td><td>");
		html_time(sb, s->first_seen);
		sb_adds(sb, "</td><td>");
		if (s->first_new > 0)
			html_time(sb, s->first_new);
		else
			sb_adds(sb, "never");
		sb_addf(sb, "</td><td class=\"num\">%s</td><td>",
			s->first_new > 0 ? span(s->first_new - h->first_sweep, b2) : "-");
		html_tag(sb, s->last_status, s->last_status);
		sb_adds(sb, "</td></tr>\n");
	}
	sb_adds(sb, "</tbody>\n</table>\n");
	for (size_t i = 0; i < h->n_other_expected; i++) {
		sb_adds(sb, "<p class=\"meta\">Also recorded: changes to <span class=\"mono\">");
		html_text(sb, h->other_expected[i]);
		sb_adds(sb, "</span> (<code>--expect</code> it to see that history).</p>\n");
	}
	sb_adds(sb, "</section>\n");
}

/* Write sb to out. Returns 0, or -1 when the write failed. */
static int html_flush(struct strbuf *sb, FILE *out)
{
	int rc = sb->len && fwrite(sb->buf, 1, sb->len, out) != sb->len ? -1 : 0;
	sb_release(sb);
	return rc == 0 && !ferror(out) ? 0 : -1;
}

/* "in 3m07s" until t from now, in a span the page's script keeps counting
 * (data-flips), or "due". */
static void html_countdown(struct strbuf *sb, double t, double now)
{
	char b[32];
	sb_adds(sb, "<time datetime=\"");
	sb_adds(sb, utc(t, b));
	sb_addf(sb, "\">%s</time> <span class=\"countdown\" data-flips=\"%lld\">", b, (long long)(t + 0.5));
	if (t > now)
		sb_addf(sb, "in %s (at the report's time)", span(t - now, b));
	else
		sb_adds(sb, "due");
	sb_adds(sb, "</span>");
}

/* A page's start up to its title: "WHAT of NAME/TYPE" and the state as a
 * tag (converged, pending, error), in an open <header>. */
static void html_head(struct strbuf *sb, const struct prun *run, const char *what, const char *state)
{
	struct strbuf title = STRBUF_INIT;

	sb_addf(&title, "cutover: %s of ", what);
	report_add_clean(&title, run->shown_name, REPORT_CLEAN_LINE);
	sb_addf(&title, "/%s", run->type_text);
	html_page_begin(sb, title.buf);
	sb_release(&title);
	sb_addf(sb, "<header>\n<h1>%s of <span class=\"mono\">", what);
	html_text(sb, run->shown_name);
	sb_addf(sb, "/%s</span> ", run->type_text);
	html_tag(sb, state, state);
	sb_adds(sb, "</h1>\n");
}

/* The page of a run: the state, the servers' table with the countdown of
 * each old answer, the findings, and the history from the database. */
static int write_html(struct prun *run, FILE *out, time_t started)
{
	const struct prop_summary *s = &run->sum;
	double now = loop_wall_time();
	const char *state = overall_state(run);
	struct strbuf sb = STRBUF_INIT;

	html_head(&sb, run, "Propagation", state);
	sb_adds(&sb, "<p class=\"meta\">cutover " CUTOVER_VERSION "; started ");
	html_time(&sb, (double)started);
	sb_addf(&sb, "; %u sweep%s; new value <span class=\"mono\">", run->sweeps,
		run->sweeps == 1 ? "" : "s");
	html_text(&sb, run->expected_text);
	sb_addf(&sb, "</span> (%s)</p>\n",
		run->expect_from_auth ? "what the authoritative servers answer" : "given");
	if (run->interrupted)
		sb_adds(&sb,
			"<p class=\"banner\" role=\"alert\">Partial: the watch was interrupted before it "
			"ended.</p>\n");
	else if (run->gave_up)
		sb_adds(&sb, "<p class=\"banner\" role=\"alert\">The watch gave up at --max-wait before the "
			     "change converged.</p>\n");
	sb_addf(&sb,
		"<p>Resolvers: <strong>%zu of %zu</strong> that answered have the new value (%.1f%%); %zu "
		"old, %zu stale, %zu other, %zu without an answer. Authoritative: %zu of %zu that answered "
		"serve it%s.</p>\n",
		s->converged, s->answered, 100.0 * prop_ratio(s), s->old, s->stale, s->other, s->errors,
		s->auth_new, s->auth_answered, s->auth_agree ? "" : "; they <strong>disagree</strong>");
	if (s->eta > 0) {
		sb_adds(&sb, "<p>ETA ");
		html_countdown(&sb, s->eta, now);
		sb_adds(&sb, ", a lower bound: an anycast address hides several caches, each with its own "
			     "TTL, and some resolvers serve stale data past it.</p>\n");
	}
	sb_adds(&sb, "</header>\n<main>\n<section id=\"servers\">\n<h2>Servers</h2>\n<table class=\"wide\">\n"
		     "<thead><tr><th>server</th><th>kind</th><th>label</th><th>status</th><th "
		     "class=\"num\">TTL</th><th>answer</th><th>old until</th><th>site</th></tr></thead>\n"
		     "<tbody>\n");
	for (size_t i = 0; i < run->n; i++) {
		const struct pserver *sv = &run->sv[i];
		const struct prop_result *r = &sv->r;
		const char *st = prop_status_name(r->status);
		char *a = prop_answer_text(r);
		sb_addf(&sb, "<tr data-prop=\"%s\"><td class=\"mono\">%s</td><td>%s</td><td>", st, sv->shown,
			sv->auth ? "authoritative" : "resolver");
		html_text(&sb, sv->label ? sv->label : "");
		sb_adds(&sb, "</td><td>");
		html_tag(&sb, st, st);
		sb_adds(&sb, "</td><td class=\"num\">");
		if (r->ttl >= 0 && r->status != PROP_ERROR)
			sb_addf(&sb, "%ld", r->ttl);
		sb_adds(&sb, "</td><td class=\"mono value\">");
		html_text(&sb, a);
		sb_adds(&sb, "</td><td>");
		if (r->flips_at > 0)
			html_countdown(&sb, r->flips_at, now);
		sb_adds(&sb, "</td><td class=\"mono text\">");
		html_text(&sb, sv->site ? sv->site : "");
		sb_adds(&sb, "</td></tr>\n");
		free(a);
	}
	sb_adds(&sb,
		"</tbody>\n</table>\n</section>\n<section id=\"findings\">\n<h2>Findings</h2>\n<table "
		"class=\"wide\">\n<thead><tr><th>status</th><th>code</th><th>server</th><th>message</th></tr>"
		"</thead>\n<tbody>\n");
	for (size_t i = 0; i < run->findings.n; i++) {
		const struct finding *f = &run->findings.v[i];
		sb_addf(&sb, "<tr class=\"r-%s\"><td>", status_name(f->status));
		html_tag(&sb, status_name(f->status), status_name(f->status));
		sb_adds(&sb, "</td>");
		html_cell(&sb, "mono code", f->code);
		html_cell(&sb, "mono text", f->server);
		html_cell(&sb, "msg", report_finding_message(f));
		sb_adds(&sb, "</tr>\n");
	}
	sb_adds(&sb, "</tbody>\n</table>\n</section>\n");
	if (run->store) {
		struct store_prop_history h;
		char err[512];
		memset(&h, 0, sizeof(h));
		int rc = store_prop_history(run->store, run->name, run->type_text, run->expected_text, &h,
					    err, sizeof(err));
		if (rc == 1)
			html_history(&sb, &h);
		else if (rc < 0)
			fprintf(stderr, "cutover: warning: the history cannot be drawn: %s\n", err);
		store_prop_history_release(&h);
	} else {
		sb_adds(&sb, "<p class=\"meta\">No history: no state database was used.</p>\n");
	}
	sb_adds(&sb, "</main>\n");
	html_page_end(&sb);
	return html_flush(&sb, out);
}

/* --history -f html: the history alone, from the database. */
static int write_history_html(struct prun *run, const struct store_prop_history *h, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;

	html_head(&sb, run, "Propagation history", h->converged_at > 0 ? "converged" : "pending");
	sb_adds(&sb, "<p class=\"meta\">cutover " CUTOVER_VERSION "; from the state database <span "
		     "class=\"mono\">");
	html_text(&sb, store_path(run->store));
	sb_adds(&sb, "</span></p>\n</header>\n<main>\n");
	html_history(&sb, h);
	sb_adds(&sb, "</main>\n");
	html_page_end(&sb);
	return html_flush(&sb, out);
}

/* --history: what the database says. */
static int print_history(struct prun *run, FILE *out, enum report_format fmt)
{
	struct store_prop_history h;
	char err[1024], b1[32], b2[32], b3[32];
	memset(&h, 0, sizeof(h));
	int rc = store_prop_history(run->store, run->name, run->type_text, NULL, &h, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "cutover: %s\n", err);
		store_prop_history_release(&h);
		return EXIT_USAGE;
	}
	if (rc == 0) {
		fprintf(stderr, "cutover: propagation: no sweep of %s/%s is recorded\n", run->shown_name,
			run->type_text);
		store_prop_history_release(&h);
		return EXIT_USAGE;
	}
	if (fmt == FORMAT_HTML) {
		rc = write_history_html(run, &h, out) == 0 ? 0 : EXIT_USAGE;
		store_prop_history_release(&h);
		return rc;
	}
	if (fmt == FORMAT_JSON) {
		json_t *root = json_object(), *servers = json_array(), *points = json_array();
		json_object_set_new(root, "name", report_json_string(run->shown_name));
		json_object_set_new(root, "type", json_string(run->type_text));
		json_object_set_new(root, "expected", report_json_string(h.expected));
		json_object_set_new(root, "sweeps", json_integer((json_int_t)h.sweeps));
		json_object_set_new(root, "first_sweep", json_string(utc(h.first_sweep, b1)));
		json_object_set_new(root, "last_sweep", json_string(utc(h.last_sweep, b1)));
		json_object_set_new(root, "converged_at",
				    h.converged_at > 0 ? json_string(utc(h.converged_at, b1)) : json_null());
		json_object_set_new(root, "took_seconds",
				    h.converged_at > 0 ? json_real(h.converged_at - h.first_sweep)
						       : json_null());
		for (size_t i = 0; i < h.n_servers; i++) {
			const struct store_prop_history_server *s = &h.servers[i];
			json_array_append_new(
				servers,
				json_pack("{s:o,s:I,s:s,s:o,s:s,s:o,s:s?}", "address",
					  report_json_string(s->address), "port", (json_int_t)s->port, "kind",
					  s->kind, "label",
					  s->label ? report_json_string(s->label) : json_null(), "first_seen",
					  utc(s->first_seen, b1), "first_new",
					  s->first_new > 0 ? json_string(utc(s->first_new, b2)) : json_null(),
					  "last_status", s->last_status));
		}
		for (size_t i = 0; i < h.n_points; i++)
			json_array_append_new(points,
					      json_pack("{s:s,s:I,s:I}", "at", utc(h.points[i].at, b1),
							"converged", (json_int_t)h.points[i].converged,
							"total", (json_int_t)h.points[i].total));
		json_object_set_new(root, "servers", servers);
		json_object_set_new(root, "timeline", points);
		rc = json_dumpf(root, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? 0 : EXIT_USAGE;
		json_decref(root);
		store_prop_history_release(&h);
		return rc;
	}
	fprintf(out, "%s/%s: new value %s; %zu sweeps from %s to %s\n", run->shown_name, run->type_text,
		h.expected, h.sweeps, utc(h.first_sweep, b1), utc(h.last_sweep, b2));
	if (h.converged_at > 0)
		fprintf(out, "converged at %s: the change took %s from the first sweep\n",
			utc(h.converged_at, b1), span(h.converged_at - h.first_sweep, b2));
	else if (h.n_points)
		fprintf(out, "not converged yet: %zu of %zu resolvers at the last sweep\n",
			h.points[h.n_points - 1].converged, h.points[h.n_points - 1].total);
	fprintf(out, "  %-28s %-8s %-20s %-21s %-10s %s\n", "SERVER", "KIND", "LABEL", "FIRST NEW", "AFTER",
		"NOW");
	for (size_t i = 0; i < h.n_servers; i++) {
		const struct store_prop_history_server *s = &h.servers[i];
		char addr[INET6_ADDRSTRLEN + 8];
		struct strbuf lab = STRBUF_INIT;
		report_add_clean(&lab, s->label ? s->label : "-", REPORT_CLEAN_LINE);
		snprintf(addr, sizeof(addr), s->port == 53 ? "%s" : "%s#%u", s->address, s->port);
		fprintf(out, "  %-28s %-8s %-20.20s %-21s %-10s %s\n", addr,
			strcmp(s->kind, "authoritative") == 0 ? "auth" : "resolver", lab.buf,
			s->first_new > 0 ? utc(s->first_new, b1) : "never",
			s->first_new > 0 ? span(s->first_new - h.first_sweep, b2) : "-", s->last_status);
		sb_release(&lab);
	}
	for (size_t i = 0; i < h.n_other_expected; i++)
		fprintf(out, "also recorded: changes to %s (--expect it to see that history)\n",
			h.other_expected[i]);
	(void)b3;
	store_prop_history_release(&h);
	return ferror(out) ? EXIT_USAGE : 0;
}

/* The exit status of a finished run. */
static int exit_status(const struct prun *run, enum status fail_on)
{
	if (run->worst == STATUS_FAIL)
		return 2;
	if (run->worst == STATUS_ERROR)
		return 3;
	if (run->gave_up || run->interrupted || !converged(run))
		return 1;
	return fail_on <= STATUS_WARN && run->worst >= STATUS_WARN ? 1 : 0;
}

int cmd_propagation(int argc, char **argv)
{
	struct common_opts o;
	struct prop_opts po;
	struct prun run;
	struct output out = {NULL, NULL, NULL, NULL};
	char err[1024];
	int rc = EXIT_USAGE;
	time_t started = time(NULL);

	memset(&po, 0, sizeof(po));
	memset(&run, 0, sizeof(run));
	target_list_init(&po.targets);
	finding_list_init(&run.findings);
	run.arena = (struct arena)ARENA_INIT;
	run.o = &o;
	run.po = &po;
	struct opts_extra extra = {propagation_longopts, "", prop_option, &po, 1, 0};
	int prc = opts_common_parse(&o, argc, argv, propagation_usage, &extra);
	if (prc != 0) {
		rc = prc > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	if (o.n_args < 1 || o.n_args > 2) {
		fprintf(stderr, "cutover: propagation: %s\nsee 'cutover help propagation'\n",
			o.n_args ? "want NAME [TYPE]" : "no name given");
		goto out;
	}
	const char *name = name_domain_arg(&run.arena, o.args[0], err, sizeof(err));
	if (!name) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	run.name = name_canonical(&run.arena, name);
	run.shown_name = name_text(&run.arena, run.name);
	run.type = o.n_args == 2 ? ldns_get_rr_type_by_name(o.args[1]) : LDNS_RR_TYPE_A;
	if (run.type == 0 || run.type == LDNS_RR_TYPE_ANY || run.type == LDNS_RR_TYPE_AXFR ||
	    run.type == LDNS_RR_TYPE_IXFR || run.type == LDNS_RR_TYPE_OPT) {
		fprintf(stderr,
			"cutover: propagation: '%s' is not a record type to watch (A, AAAA, MX, TXT, ...)\n",
			o.args[1]);
		goto out;
	}
	run.type_text = ldns_rr_type2str(run.type);
	run.qname = ldns_dname_new_frm_str(run.name);
	if (o.format != FORMAT_TEXT && o.format != FORMAT_JSON && o.format != FORMAT_NAGIOS &&
	    o.format != FORMAT_PROMETHEUS && o.format != FORMAT_HTML) {
		fprintf(stderr,
			"cutover: propagation: the format is text, json, nagios, prometheus or html\n");
		goto out;
	}
	if (po.no_db && po.db) {
		fprintf(stderr, "cutover: propagation: --db and --no-db contradict each other\n");
		goto out;
	}
	if (po.history && (po.no_db || po.watch || po.expect.n)) {
		fprintf(stderr, "cutover: propagation: --history reads the database; it takes no --%s\n",
			po.no_db   ? "no-db"
			: po.watch ? "watch"
				   : "expect");
		goto out;
	}
	prop_values_init(&run.expect, run.type);
	prop_values_init(&run.old, run.type);
	for (size_t i = 0; i < po.expect.n; i++)
		if (prop_values_add(&run.expect, po.expect.v[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "cutover: --expect: %s\n", err);
			goto out;
		}
	for (size_t i = 0; i < po.old.n; i++)
		if (prop_values_add(&run.old, po.old.v[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "cutover: --old: %s\n", err);
			goto out;
		}
	if (po.expect.n) {
		run.expect_known = 1;
		run.expected_text = prop_values_text(&run.expect);
	}
	if (!po.no_db) {
		/* The default database is a convenience: without it the sweep
		 * still runs. One asked for by name must open. */
		if (store_open(po.db, &run.store, err, sizeof(err)) != 0) {
			if (po.db || po.history) {
				fprintf(stderr, "cutover: %s\n", err);
				goto out;
			}
			fprintf(stderr, "cutover: warning: no history kept: %s\n", err);
		}
	}
	if (po.history) {
		if (output_open(&out, o.output) != 0)
			goto out;
		rc = print_history(&run, out.f, o.format);
		if (output_close(&out, rc == 0 ? 0 : -1) != 0)
			rc = EXIT_USAGE;
		goto out;
	}
	if (po.targets.n == 0 && target_list_load(&po.targets, "resolvers", err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	if (session_open(&o, &run.s, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	if (po.notify.n || po.notify_json.n) {
		run.http = run.s->http; /* the session's: --ca-file holds for webhooks too */
		if (notifier_new(run.http, &run.notifier) != 0) {
			fprintf(stderr, "cutover: cannot start the HTTP client: %s\n", strerror(errno));
			goto out;
		}
	}
	/* the zone's servers */
	run.discovering = 1;
	if (resolver_discover(run.s->resolver, &run.arena, run.name, on_discovered, &run) != 0) {
		fprintf(stderr, "cutover: propagation: '%s' has no zone to ask\n", run.shown_name);
		goto out;
	}
	while (run.discovering)
		if (loop_run_once(run.s->loop, 1) < 0) {
			fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
			goto out;
		}
	add_servers(&run);
	if (!run.expect_known && run.discovery_error) {
		fprintf(stderr,
			"cutover: propagation: the servers of %s could not be found (%s); give the new "
			"value with --expect\n",
			run.shown_name, run.discovery_error);
		goto out;
	}
	if (output_open(&out, o.output) != 0)
		goto out;
	int tty = !o.output && isatty(STDOUT_FILENO);
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	int color = tty && o.format == FORMAT_TEXT && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
	run.live = po.watch && tty && o.format == FORMAT_TEXT && !(term && strcmp(term, "dumb") == 0);
	run.lines = o.format == FORMAT_TEXT && !o.output ? stdout : o.quiet ? NULL : stderr;
	run.next = loop_timer_new(run.s->loop, on_next, &run);
	run.tick = loop_timer_new(run.s->loop, on_tick, &run);
	run.sigint = loop_signal_new(run.s->loop, SIGINT, on_signal, &run);
	run.sigterm = loop_signal_new(run.s->loop, SIGTERM, on_signal, &run);
	if (!run.next || !run.tick || !run.sigint || !run.sigterm) {
		fprintf(stderr, "cutover: cannot set up the watch: %s\n", strerror(errno));
		output_close(&out, -1);
		goto out;
	}
	run.watch_started = loop_wall_time();
	struct progress *line = po.watch ? progress_start(run.s->loop, o.quiet, watch_progress, &run) : NULL;
	sweep_start(&run);
	while (!run.finished || run.outstanding || (run.http && http_pending(run.http)))
		if (loop_run_once(run.s->loop, 1) < 0) {
			fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
			progress_stop(line);
			output_close(&out, -1);
			goto out;
		}
	progress_stop(line);
	if (run.fatal) {
		output_close(&out, -1);
		goto out;
	}
	if (run.live)
		fputs("\033[H\033[2J", stdout);
	rc = exit_status(&run, o.fail_on);
	int wrc;
	switch (o.format) {
	case FORMAT_JSON:
		wrc = write_json(&run, out.f, started);
		break;
	case FORMAT_NAGIOS:
		wrc = write_nagios(&run, out.f, rc > 3 ? 3 : rc);
		break;
	case FORMAT_PROMETHEUS:
		wrc = write_prometheus(&run, out.f);
		break;
	case FORMAT_HTML:
		wrc = write_html(&run, out.f, started);
		break;
	default:
		wrc = write_text(&run, out.f, color);
		if (run.gave_up)
			fprintf(out.f, "gave up after --max-wait %s\n",
				span((double)(po.max_wait ? po.max_wait : 86400), err));
		break;
	}
	if (output_close(&out, wrc == 0 ? 0 : errno ? errno : -1) != 0)
		rc = EXIT_USAGE;
	if (run.interrupted)
		fprintf(stderr, "cutover: interrupted after %u sweeps\n", run.sweeps);
out:
	run_release(&run);
	session_close(run.s);
	free(po.expect.v);
	free(po.old.v);
	free(po.notify.v);
	free(po.notify_json.v);
	target_list_release(&po.targets);
	opts_common_release(&o);
	return rc;
}
