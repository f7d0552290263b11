/* The audit driver. Each domain is a job: discover its delegation through the
 * resolver, let every check of every rule set declare its questions, send
 * them all at once through the query engine, and judge when the last answer
 * is in (again, for checks that need another round). Up to opts->jobs
 * domains are in flight; findings are kept per job and merged in command-line
 * order at the end, so reports do not depend on which server answered first. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "checks.h"
#include "dns.h"
#include "resolve.h"
#include "util.h"

#define MAX_ROUNDS 8

struct question {
	const struct ns_server *server; /* NULL for a resolver lookup */
	const char *name;
	ldns_rr_type type;
	int done;
	struct answer ans;
	const struct resolver_result *lookup;
	struct job *job;
};

struct instance {
	const struct rule *rule;
	int round;
	int done;
	void *state;
};

struct job {
	struct audit *au;
	const char *domain; /* as reported: lower case, no trailing dot */
	struct arena arena;
	struct delegation *d;
	struct question **qs;
	size_t n_qs, alloc_qs;
	struct ns_server **extra;
	size_t n_extra, alloc_extra;
	struct instance *inst;
	size_t n_inst;
	int outstanding;
	int checking;
	int finished;
	struct report part;
};

struct audit {
	struct dns_engine *engine;
	struct resolver *resolver;
	const struct audit_opts *opts;
	struct job *jobs;
	size_t n_jobs;
	size_t next_job;
	size_t active;
	size_t finished;
};

struct check_ctx {
	struct job *job;
	struct instance *inst;
};

static void job_start(struct audit *au, struct job *job);
static void job_evaluate(struct job *job);
static void start_more(struct audit *au);

/* --- questions ------------------------------------------------------------ */

static struct question *question_find(struct job *job, const struct ns_server *server, const char *name,
				      ldns_rr_type type)
{
	for (size_t i = 0; i < job->n_qs; i++) {
		struct question *q = job->qs[i];
		if (q->server == server && q->type == type && strcmp(q->name, name) == 0)
			return q;
	}
	return NULL;
}

static struct question *question_new(struct job *job, const struct ns_server *server, const char *name,
				     ldns_rr_type type)
{
	struct question *q = arena_alloc(&job->arena, sizeof(*q));
	memset(q, 0, sizeof(*q));
	q->server = server;
	q->name = name;
	q->type = type;
	q->job = job;
	*(struct question **)xgrow(&job->qs, &job->n_qs, &job->alloc_qs, sizeof(q)) = q;
	return q;
}

static void question_answered(struct job *job)
{
	if (--job->outstanding == 0 && job->checking)
		job_evaluate(job);
}

static void on_answer(void *arg, struct dns_answer *ans)
{
	struct question *q = arg;
	q->done = 1;
	q->ans.err = ans->err;
	q->ans.pkt = ans->pkt;
	q->ans.rtt_ms = ans->rtt_ms;
	question_answered(q->job);
}

static void on_lookup(void *arg, const struct resolver_result *res)
{
	struct question *q = arg;
	q->done = 1;
	q->lookup = res;
	question_answered(q->job);
}

/* --- the context checks see ------------------------------------------------ */

const char *ctx_domain(const struct check_ctx *ctx)
{
	return ctx->job->domain;
}

const char *ctx_zone(const struct check_ctx *ctx)
{
	return ctx->job->d->zone;
}

const struct delegation *ctx_delegation(const struct check_ctx *ctx)
{
	return ctx->job->d;
}

struct arena *ctx_arena(struct check_ctx *ctx)
{
	return &ctx->job->arena;
}

int ctx_round(const struct check_ctx *ctx)
{
	return ctx->inst->round;
}

void **ctx_state(struct check_ctx *ctx)
{
	return &ctx->inst->state;
}

const struct rule_value *ctx_param(struct check_ctx *ctx, const char *key)
{
	return rule_param(ctx->inst->rule, key);
}

const char *ctx_expand(struct check_ctx *ctx, const char *text)
{
	/* Variables from --set were substituted when the rules were loaded,
	 * so only {domain} is left and expansion cannot fail. */
	char *s = rules_expand(text, NULL, ctx->job->domain, NULL);
	const char *out = arena_strdup(&ctx->job->arena, s ? s : text);
	free(s);
	return out;
}

const char *ctx_param_str(struct check_ctx *ctx, const char *key)
{
	const struct rule_value *v = ctx_param(ctx, key);
	if (!v || v->kind != RV_SCALAR)
		return NULL;
	return ctx_expand(ctx, v->str);
}

size_t ctx_param_list(struct check_ctx *ctx, const char *key, const char ***out)
{
	const struct rule_value *v = ctx_param(ctx, key);
	*out = NULL;
	if (!v)
		return 0;
	if (v->kind == RV_SCALAR) {
		*out = arena_alloc(&ctx->job->arena, sizeof(char *));
		(*out)[0] = ctx_expand(ctx, v->str);
		return 1;
	}
	if (v->kind != RV_LIST)
		return 0;
	*out = arena_alloc(&ctx->job->arena, (v->n + 1) * sizeof(char *));
	for (size_t i = 0; i < v->n; i++)
		(*out)[i] = ctx_expand(ctx, v->items[i].str ? v->items[i].str : "");
	return v->n;
}

unsigned long ctx_param_uint(struct check_ctx *ctx, const char *key, unsigned long dflt)
{
	const char *s = ctx_param_str(ctx, key);
	unsigned long v;
	if (!s || parse_ulong(s, 0, 0xFFFFFFFFul, &v) != 0)
		return dflt;
	return v;
}

const char *ctx_name(struct check_ctx *ctx, const char *name)
{
	return name_canonical(&ctx->job->arena, name);
}

const struct ns_server *ctx_servers(struct check_ctx *ctx, size_t *n)
{
	*n = ctx->job->d->n_servers;
	return ctx->job->d->servers;
}

const struct ns_server *ctx_add_server(struct check_ctx *ctx, const char *name, const struct sockaddr *addr,
				       socklen_t addrlen, unsigned roles)
{
	struct job *job = ctx->job;
	for (size_t i = 0; i < job->n_extra; i++) {
		struct ns_server *s = job->extra[i];
		if (s->addrlen == addrlen && memcmp(&s->addr, addr, addrlen) == 0 &&
		    ((!s->name && !name) || (s->name && name && strcmp(s->name, name) == 0))) {
			s->roles |= roles;
			return s;
		}
	}
	struct ns_server *s = arena_alloc(&job->arena, sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->name = name ? arena_strdup(&job->arena, name) : NULL;
	memcpy(&s->addr, addr, addrlen);
	s->addrlen = addrlen;
	s->roles = roles;
	dns_addr_str(addr, s->addr_text, sizeof(s->addr_text));
	s->label = server_label(&job->arena, s->name, s->addr_text);
	*(struct ns_server **)xgrow(&job->extra, &job->n_extra, &job->alloc_extra, sizeof(s)) = s;
	return s;
}

void ctx_ask(struct check_ctx *ctx, const struct ns_server *server, const char *name, ldns_rr_type type)
{
	struct job *job = ctx->job;
	const char *canon = name_canonical(&job->arena, name);
	if (!canon || question_find(job, server, canon, type))
		return;
	struct question *q = question_new(job, server, canon, type);
	ldns_rdf *qname = NULL;
	if (ldns_str2rdf_dname(&qname, canon) != LDNS_STATUS_OK) {
		q->done = 1;
		q->ans.err = DNS_EMALFORMED;
		return;
	}
	job->outstanding++;
	int rc = dns_query(job->au->engine, (const struct sockaddr *)&server->addr, server->addrlen, qname,
			   type, 0, on_answer, q);
	ldns_rdf_deep_free(qname);
	if (rc != 0) {
		job->outstanding--;
		q->done = 1;
		q->ans.err = rc;
	}
}

void ctx_ask_servers(struct check_ctx *ctx, const char *name, ldns_rr_type type)
{
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	for (size_t i = 0; i < n; i++)
		ctx_ask(ctx, &servers[i], name, type);
}

const struct answer *ctx_answer(struct check_ctx *ctx, const struct ns_server *server, const char *name,
				ldns_rr_type type)
{
	const char *canon = name_canonical(&ctx->job->arena, name);
	if (!canon)
		return NULL;
	struct question *q = question_find(ctx->job, server, canon, type);
	return q && q->done ? &q->ans : NULL;
}

void ctx_lookup(struct check_ctx *ctx, const char *name, ldns_rr_type type)
{
	struct job *job = ctx->job;
	const char *canon = name_canonical(&job->arena, name);
	if (!canon || question_find(job, NULL, canon, type))
		return;
	struct question *q = question_new(job, NULL, canon, type);
	job->outstanding++;
	resolver_lookup(job->au->resolver, canon, type, on_lookup, q);
}

const struct resolver_result *ctx_lookup_result(struct check_ctx *ctx, const char *name, ldns_rr_type type)
{
	const char *canon = name_canonical(&ctx->job->arena, name);
	if (!canon)
		return NULL;
	struct question *q = question_find(ctx->job, NULL, canon, type);
	return q && q->done ? q->lookup : NULL;
}

static void job_finding(struct job *job, const char *check, const char *code, enum status status,
			const char *subject, const char *server, const char *expected, const char *actual,
			const char *message)
{
	struct finding f = {
		.domain = (char *)job->domain,
		.check = (char *)check,
		.code = (char *)code,
		.status = status,
		.subject = (char *)subject,
		.server = (char *)server,
		.message = (char *)message,
		.expected = (char *)expected,
		.actual = (char *)actual,
	};
	report_add(&job->part, &f);
}

void ctx_finding(struct check_ctx *ctx, const char *code, const char *subject, const struct ns_server *server,
		 const char *expected, const char *actual, const char *fmt, ...)
{
	const struct finding_code *fc = code_lookup(code);
	if (!fc) {
		/* A code missing from src/codes.c is a programming error. */
		fprintf(stderr, "cutover: internal error: unknown finding code '%s'\n", code);
		abort();
	}
	enum status status = fc->status;
	int severity = ctx->inst->rule->severity;
	/* severity restates how bad the check's problems are; it leaves ok,
	 * informational and could-not-determine findings as they are. */
	if (severity >= 0 && (status == STATUS_WARN || status == STATUS_FAIL))
		status = (enum status)severity;
	va_list ap;
	va_start(ap, fmt);
	char *message = xvasprintf(fmt, ap);
	va_end(ap);
	job_finding(ctx->job, ctx->inst->rule->desc->name, code, status, subject,
		    server ? server->label : NULL, expected, actual, message);
	free(message);
}

/* --- jobs ------------------------------------------------------------------ */

static void job_finish(struct job *job)
{
	struct audit *au = job->au;
	for (size_t i = 0; i < job->n_qs; i++)
		if (job->qs[i]->ans.pkt)
			ldns_pkt_free(job->qs[i]->ans.pkt);
	free(job->qs);
	job->qs = NULL;
	job->n_qs = job->alloc_qs = 0;
	free(job->extra);
	job->extra = NULL;
	free(job->inst);
	job->inst = NULL;
	arena_release(&job->arena);
	job->d = NULL;
	job->finished = 1;
	au->active--;
	au->finished++;
	start_more(au);
}

/* Start jobs until opts->jobs are in flight; a repeated domain counts as
 * finished without running. */
static void start_more(struct audit *au)
{
	unsigned limit = au->opts->jobs ? au->opts->jobs : 1;
	while (au->next_job < au->n_jobs && au->active < limit) {
		struct job *job = &au->jobs[au->next_job++];
		if (job->finished)
			au->finished++;
		else
			job_start(au, job);
	}
}

static void job_evaluate(struct job *job)
{
	for (;;) {
		int again = 0;
		for (size_t i = 0; i < job->n_inst; i++) {
			struct instance *in = &job->inst[i];
			if (in->done)
				continue;
			struct check_ctx ctx = {job, in};
			int rc = in->rule->desc->run(&ctx, in->rule);
			if (rc == CHECK_AGAIN && in->round + 1 < MAX_ROUNDS) {
				in->round++;
				again = 1;
			} else {
				in->done = 1;
			}
		}
		if (job->outstanding > 0)
			return; /* called again when the last answer is in */
		if (!again)
			break;
	}
	job->checking = 0;
	job_finish(job);
}

static void on_discovered(void *arg, struct delegation *d)
{
	struct job *job = arg;
	job->d = d;
	/* Discovery already asked every server for the zone's NS set: those
	 * answers are the checks' too, so they are not asked twice. */
	for (size_t i = 0; i < d->n_servers; i++) {
		struct ns_server *s = &d->servers[i];
		if (!s->ns_answered)
			continue;
		struct question *q = question_new(job, s, d->zone, LDNS_RR_TYPE_NS);
		q->done = 1;
		q->ans.err = s->ns_err;
		q->ans.pkt = s->ns_pkt;
		s->ns_pkt = NULL;
	}
	switch (d->status) {
	case DELEG_OK:
		break;
	case DELEG_NXDOMAIN:
	case DELEG_NOT_ZONE:
		job_finding(job, "ns", "ns.no-delegation", STATUS_FAIL, job->domain, NULL, "a delegation",
			    d->status == DELEG_NXDOMAIN ? "NXDOMAIN" : "no NS records", d->error);
		job_finish(job);
		return;
	case DELEG_NO_SERVERS: {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < d->n_unresolved; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", name_text(&job->arena, d->unresolved[i]));
		char *msg = xasprintf("no address for any name server of %s (%s)", job->domain,
				      sb.buf ? sb.buf : "");
		job_finding(job, "ns", "ns.no-servers", STATUS_ERROR, job->domain, NULL, NULL, NULL, msg);
		free(msg);
		sb_release(&sb);
		job_finish(job);
		return;
	}
	case DELEG_ERROR:
		job_finding(job, "ns", "ns.discovery-failed", STATUS_ERROR, job->domain, NULL, NULL, NULL,
			    d->error);
		job_finish(job);
		return;
	}
	job->checking = 1;
	job->outstanding++; /* hold evaluation until every plan has asked */
	for (size_t i = 0; i < job->n_inst; i++) {
		struct instance *in = &job->inst[i];
		struct check_ctx ctx = {job, in};
		if (in->rule->desc->plan && in->rule->desc->plan(&ctx, in->rule) != 0)
			in->done = 1;
	}
	question_answered(job);
}

static void job_start(struct audit *au, struct job *job)
{
	au->active++;
	size_t n = 0;
	for (size_t i = 0; i < au->opts->n_rulesets; i++)
		n += au->opts->rulesets[i].n;
	job->inst = xcalloc(n + 1, sizeof(*job->inst));
	for (size_t i = 0; i < au->opts->n_rulesets; i++)
		for (size_t j = 0; j < au->opts->rulesets[i].n; j++)
			job->inst[job->n_inst++].rule = &au->opts->rulesets[i].rules[j];
	if (resolver_discover(au->resolver, &job->arena, job->domain, on_discovered, job) != 0) {
		char *msg = xasprintf("'%s' is not a valid domain name", job->domain);
		job_finding(job, "ns", "ns.discovery-failed", STATUS_ERROR, job->domain, NULL, NULL, NULL,
			    msg);
		free(msg);
		job_finish(job);
	}
}

int audit_run(struct dns_engine *e, struct resolver *r, const struct audit_opts *opts, char *const *domains,
	      size_t n_domains, struct report *report)
{
	struct audit au = {.engine = e, .resolver = r, .opts = opts};
	int rc = 0;
	au.jobs = xcalloc(n_domains + 1, sizeof(*au.jobs));
	au.n_jobs = n_domains;
	for (size_t i = 0; i < n_domains; i++) {
		struct job *job = &au.jobs[i];
		job->au = &au;
		size_t len = strlen(domains[i]);
		while (len > 1 && domains[i][len - 1] == '.')
			len--;
		char *name = xstrndup(domains[i], len);
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		job->domain = name;
		report_init(&job->part);
		report_add_domain(report, name);
		/* A domain given twice is checked once. */
		for (size_t k = 0; k < i; k++)
			if (strcmp(au.jobs[k].domain, name) == 0)
				job->finished = 1;
	}
	start_more(&au);
	while (au.finished < au.n_jobs) {
		if (dns_engine_run_once(e, resolver_tick(r)) < 0) {
			rc = -1;
			break;
		}
	}
	for (size_t i = 0; i < n_domains; i++) {
		struct job *job = &au.jobs[i];
		for (size_t k = 0; k < job->part.n; k++)
			report_add(report, &job->part.findings[k]);
		report_release(&job->part);
		if (!job->finished) {
			for (size_t q = 0; q < job->n_qs; q++)
				if (job->qs[q]->ans.pkt)
					ldns_pkt_free(job->qs[q]->ans.pkt);
			free(job->qs);
			free(job->extra);
			free(job->inst);
			arena_release(&job->arena);
		}
		free((char *)job->domain);
	}
	free(au.jobs);
	return rc;
}
