/* The audit. Each target is a job on the session's loop: discover the zone
 * and its delegation through the resolver, let every check of every rule set
 * ask its questions, and judge when the last answer is in (again, for checks
 * that need another round). A job waits on a count of pending operations of
 * any kind -- a direct query, a resolver lookup, discovery itself -- not on
 * one kind of question.
 *
 * The batch driver runs up to opts->jobs targets at once and hands each
 * domain's findings to the reporter in input order. Domains that finish
 * early are held until those before them are reported; the window of targets
 * started ahead of the first unreported one is bounded (WINDOW_FACTOR times
 * jobs), so a slow domain cannot make the held findings grow without end, and
 * memory stays flat however many targets there are. */
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "progress.h"
#include "baseline.h"
#include "checks.h"
#include "dns.h"
#include "http.h"
#include "loop.h"
#include "names.h"
#include "resolve.h"
#include "session.h"
#include "util.h"
#include "xfr.h"

/* Rounds a check may ask for (CHECK_AGAIN): enough for RFC 7208's ten DNS
 * lookups plus the record itself; past it the check says so in a finding. */
#define MAX_ROUNDS 16
/* Targets started ahead of the first unreported one, in multiples of jobs. */
#define WINDOW_FACTOR 4

enum question_kind {
	Q_AUTHORITATIVE, /* RD=0 to a server of the zone (or one added) */
	Q_RECURSIVE,	 /* RD=1 to a given resolver */
	Q_LOOKUP,	 /* through the embedded resolver (or --resolver) */
	Q_DNSSEC	 /* RD=0 with DO=1 to a server: the answer with its RRSIGs and NSECs */
};

struct question {
	enum question_kind kind;
	const struct ns_server *server; /* NULL for a lookup */
	const char *name;
	ldns_rr_type type;
	int done;
	struct answer ans;
	const struct resolver_result *lookup; /* held until the job ends */
	struct audit *job;
	/* The rule that asked first (NULL: discovery), whether another asked
	 * too, and whether the answer was let go (ctx_forget): only an answer
	 * no other rule asked for may be, and a forgotten question asked again
	 * is sent again. */
	const struct instance *asker;
	int shared, forgotten;
	struct question *hnext; /* the job's question index */
};

/* A service request of a check (ctx_fetch), known by its key. */
struct fetch {
	const char *key;
	int done;
	struct http_response r; /* when done: strings in the job's arena */
	struct audit *job;
	struct fetch *next;
};

/* A zone transfer of a check (ctx_transfer), known by server and zone. */
struct transfer_op {
	const struct ns_server *server;
	const char *zone;
	int done;
	struct transfer t; /* when done: t.rrs owned here until the job ends */
	struct xfr *x;	   /* while running */
	struct audit *job;
	struct transfer_op *next;
};

struct instance {
	const struct rule *rule;
	int round;
	int done;
	void *state;
	const char **said; /* ctx_first_time() keys (arena strings) */
	size_t n_said, alloc_said;
};

struct audit {
	struct session *s; /* NULL in an offline audit */
	/* An offline audit (audit_run_offline): every question is answered
	 * at once through this, not by the engine or the resolver. */
	audit_answer_fn offline;
	void *offline_arg;
	const struct audit_rules *rules;
	char *domain; /* as reported: lower case, no trailing dot */
	struct arena arena;
	struct delegation *d;
	int zone_ok; /* discovery succeeded: the zone's servers are known */
	struct question **qs;
	size_t n_qs, alloc_qs;
	/* Every question, hashed on what makes it one (kind, server, name,
	 * type): a check asks thousands when a zone has many servers, and each
	 * ask and answer lookup would otherwise scan them all. */
	struct question **qindex;
	size_t n_qindex; /* a power of two, 0 before the first question */
	struct ns_server **extra;
	size_t n_extra, alloc_extra;
	struct fetch *fetches;	       /* newest first */
	struct transfer_op *transfers; /* newest first */
	struct instance *inst;
	size_t n_inst;
	int pending;			      /* operations not yet answered */
	int judging;			      /* the checks have asked: judge when pending reaches 0 */
	struct audit_items items, *items_sum; /* ctx_progress(); audit_count_items() */
	struct finding_list part;
	audit_done_cb done;
	void *arg;
};

struct check_ctx {
	struct audit *job;
	struct instance *inst;
};

static void job_judge(struct audit *job);

/* --- questions ------------------------------------------------------------ */

static size_t question_slot(const struct audit *job, enum question_kind kind, const struct ns_server *server,
			    const char *name, ldns_rr_type type)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ type) * 1099511628211ULL;
	h = (h ^ (uint64_t)kind) * 1099511628211ULL;
	h = (h ^ (uint64_t)(uintptr_t)server) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) & (job->n_qindex - 1);
}

static struct question *question_find(struct audit *job, enum question_kind kind,
				      const struct ns_server *server, const char *name, ldns_rr_type type)
{
	if (!job->n_qindex)
		return NULL;
	struct question *q = job->qindex[question_slot(job, kind, server, name, type)];
	for (; q; q = q->hnext)
		if (q->kind == kind && q->server == server && q->type == type && strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

/* Add q to the index, doubling it when it holds as many as it has slots. */
static void question_index(struct audit *job, struct question *q)
{
	if (job->n_qs > job->n_qindex) {
		free(job->qindex);
		job->n_qindex = job->n_qindex ? job->n_qindex * 2 : 64;
		job->qindex = xcalloc(job->n_qindex, sizeof(*job->qindex));
		for (size_t i = 0; i < job->n_qs; i++) {
			struct question *o = job->qs[i];
			size_t slot = question_slot(job, o->kind, o->server, o->name, o->type);
			o->hnext = job->qindex[slot];
			job->qindex[slot] = o;
		}
		return; /* q is in qs already, so indexed by the rebuild */
	}
	size_t slot = question_slot(job, q->kind, q->server, q->name, q->type);
	q->hnext = job->qindex[slot];
	job->qindex[slot] = q;
}

static struct question *question_new(struct audit *job, enum question_kind kind,
				     const struct ns_server *server, const char *name, ldns_rr_type type)
{
	struct question *q = arena_alloc(&job->arena, sizeof(*q));
	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->server = server;
	q->name = name;
	q->type = type;
	q->job = job;
	*(struct question **)xgrow(&job->qs, &job->n_qs, &job->alloc_qs, sizeof(q)) = q;
	question_index(job, q);
	return q;
}

/* One pending operation of the job is over. */
static void op_done(struct audit *job)
{
	if (--job->pending == 0 && job->judging)
		job_judge(job);
}

static void on_answer(void *arg, struct dns_answer *ans)
{
	struct question *q = arg;
	q->done = 1;
	q->ans.err = ans->err;
	q->ans.pkt = ans->pkt;
	q->ans.rtt_ms = ans->rtt_ms;
	q->ans.received = ans->received;
	op_done(q->job);
}

static void on_lookup(void *arg, const struct resolver_result *res)
{
	struct question *q = arg;
	q->done = 1;
	q->lookup = resolver_result_hold(res);
	op_done(q->job);
}

/* Answer q at once through the offline audit's function, as the engine
 * (a direct or recursive question) or the resolver (a lookup) would. */
static void offline_answer(struct audit *job, struct question *q)
{
	int err = DNS_ETIMEOUT;
	ldns_pkt *pkt =
		job->offline(job->offline_arg, q->server, q->kind == Q_RECURSIVE, q->name, q->type, &err);
	q->done = 1;
	q->ans.err = pkt ? DNS_OK : err ? err : DNS_ETIMEOUT;
	q->ans.pkt = pkt;
	if (q->kind != Q_LOOKUP)
		return;
	/* What resolve.c makes of libunbound's outcome (ub_done): the packet
	 * stays in q->ans.pkt, which job_free() frees. */
	struct resolver_result *res = arena_alloc(&job->arena, sizeof(*res));
	memset(res, 0, sizeof(*res));
	res->pkt = pkt;
	res->rcode = pkt ? ldns_pkt_get_rcode(pkt) : LDNS_RCODE_SERVFAIL;
	if (!pkt)
		res->err = dns_strerror(q->ans.err);
	else if (res->rcode == LDNS_RCODE_SERVFAIL)
		res->err = "SERVFAIL";
	q->lookup = res;
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

void ctx_progress(struct check_ctx *ctx, size_t done, size_t total)
{
	struct audit *job = ctx->job;
	/* the difference, modulo SIZE_MAX + 1: a count may go down */
	if (job->items_sum) {
		job->items_sum->done += done - job->items.done;
		job->items_sum->total += total - job->items.total;
	}
	job->items.done = done;
	job->items.total = total;
}

void audit_count_items(struct audit *job, struct audit_items *sum)
{
	job->items_sum = sum;
	sum->done += job->items.done;
	sum->total += job->items.total;
}

void **ctx_state(struct check_ctx *ctx)
{
	return &ctx->inst->state;
}

int ctx_first_time(struct check_ctx *ctx, const char *key)
{
	struct instance *in = ctx->inst;
	if (str_in(in->said, in->n_said, key))
		return 0;
	*(const char **)xgrow(&in->said, &in->n_said, &in->alloc_said, sizeof(char *)) =
		arena_strdup(&ctx->job->arena, key);
	return 1;
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

int ctx_param_bool(struct check_ctx *ctx, const char *key, int dflt)
{
	const char *v = ctx_param_str(ctx, key);
	return v ? strcmp(v, "true") == 0 : dflt;
}

unsigned ctx_param_ms(struct check_ctx *ctx, const char *key, unsigned dflt)
{
	const char *v = ctx_param_str(ctx, key);
	unsigned long secs;
	if (!v || parse_duration(v, &secs) != 0)
		return dflt;
	return secs > 600 ? 600000 : (unsigned)secs * 1000;
}

const char *ctx_name(struct check_ctx *ctx, const char *name)
{
	return name_canonical(&ctx->job->arena, name);
}

const struct ns_server *ctx_servers(struct check_ctx *ctx, size_t *n)
{
	size_t all = ctx->job->zone_ok ? ctx->job->d->n_servers : 0;
	*n = all < DELEG_SERVERS_MAX ? all : DELEG_SERVERS_MAX; /* on_discovered says so */
	return ctx->job->d->servers;
}

const struct ns_server *ctx_add_server(struct check_ctx *ctx, const char *name, const struct sockaddr *addr,
				       socklen_t addrlen, unsigned roles)
{
	struct audit *job = ctx->job;
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

static void ask(struct check_ctx *ctx, enum question_kind kind, const struct ns_server *server,
		const char *name, ldns_rr_type type)
{
	struct audit *job = ctx->job;
	const char *canon = name ? name_canonical(&job->arena, name) : NULL;
	if (!canon)
		return;
	struct question *q = question_find(job, kind, server, canon, type);
	if (q && !q->forgotten) {
		q->shared |= q->asker != ctx->inst;
		return;
	}
	if (q) {
		q->forgotten = 0;
		memset(&q->ans, 0, sizeof(q->ans));
	} else {
		q = question_new(job, kind, server, canon, type);
	}
	q->asker = ctx->inst;
	ldns_rdf *qname = NULL;
	if (ldns_str2rdf_dname(&qname, canon) != LDNS_STATUS_OK) {
		q->done = 1;
		q->ans.err = DNS_EMALFORMED;
		return;
	}
	if (job->offline) {
		ldns_rdf_deep_free(qname);
		offline_answer(job, q);
		return;
	}
	job->pending++;
	int rc = dns_query(job->s->engine, (const struct sockaddr *)&server->addr, server->addrlen, qname,
			   type,
			   kind == Q_RECURSIVE ? DNS_RD
			   : kind == Q_DNSSEC  ? DNS_DO
					       : 0,
			   on_answer, q);
	ldns_rdf_deep_free(qname);
	if (rc != 0) {
		job->pending--;
		q->done = 1;
		q->ans.err = rc;
	}
}

void ctx_ask(struct check_ctx *ctx, const struct ns_server *server, const char *name, ldns_rr_type type)
{
	ask(ctx, Q_AUTHORITATIVE, server, name, type);
}

void ctx_ask_recursive(struct check_ctx *ctx, const struct ns_server *resolver, const char *name,
		       ldns_rr_type type)
{
	ask(ctx, Q_RECURSIVE, resolver, name, type);
}

void ctx_ask_servers(struct check_ctx *ctx, const char *name, ldns_rr_type type)
{
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	for (size_t i = 0; i < n; i++)
		ctx_ask(ctx, &servers[i], name, type);
}

/* name as questions store it; the name itself when it already is (most are:
 * they come from ctx_name()), so reading answers copies nothing. */
static const char *lookup_name(struct check_ctx *ctx, const char *name)
{
	if (!name)
		return NULL; /* a name a check could not make (too long): nothing to ask or read */
	return name_is_canonical(name) ? name : name_canonical(&ctx->job->arena, name);
}

static const struct answer *answer_of(struct check_ctx *ctx, enum question_kind kind,
				      const struct ns_server *server, const char *name, ldns_rr_type type)
{
	const char *canon = lookup_name(ctx, name);
	if (!canon)
		return NULL;
	struct question *q = question_find(ctx->job, kind, server, canon, type);
	return q && q->done ? &q->ans : NULL;
}

const struct answer *ctx_answer(struct check_ctx *ctx, const struct ns_server *server, const char *name,
				ldns_rr_type type)
{
	return answer_of(ctx, Q_AUTHORITATIVE, server, name, type);
}

void ctx_forget(struct check_ctx *ctx, const struct ns_server *server, const char *name, ldns_rr_type type)
{
	const char *canon = lookup_name(ctx, name);
	struct question *q = canon ? question_find(ctx->job, Q_AUTHORITATIVE, server, canon, type) : NULL;
	/* Another rule's answer too (or discovery's): kept for it. */
	if (!q || !q->done || q->shared || q->asker != ctx->inst)
		return;
	ldns_pkt_free(q->ans.pkt);
	q->ans.pkt = NULL;
	q->done = 0; /* answered and forgotten: read as never asked */
	q->forgotten = 1;
}

void ctx_ask_dnssec(struct check_ctx *ctx, const struct ns_server *server, const char *name,
		    ldns_rr_type type)
{
	ask(ctx, Q_DNSSEC, server, name, type);
}

const struct answer *ctx_answer_dnssec(struct check_ctx *ctx, const struct ns_server *server,
				       const char *name, ldns_rr_type type)
{
	return answer_of(ctx, Q_DNSSEC, server, name, type);
}

const struct answer *ctx_answer_recursive(struct check_ctx *ctx, const struct ns_server *resolver,
					  const char *name, ldns_rr_type type)
{
	return answer_of(ctx, Q_RECURSIVE, resolver, name, type);
}

void ctx_lookup(struct check_ctx *ctx, const char *name, ldns_rr_type type)
{
	struct audit *job = ctx->job;
	const char *canon = lookup_name(ctx, name);
	if (!canon || question_find(job, Q_LOOKUP, NULL, canon, type))
		return;
	if (canon == name) /* the question outlives the caller's string */
		canon = arena_strdup(&job->arena, name);
	struct question *q = question_new(job, Q_LOOKUP, NULL, canon, type);
	if (job->offline) {
		offline_answer(job, q);
		return;
	}
	job->pending++;
	resolver_lookup(job->s->resolver, canon, type, on_lookup, q);
}

const struct resolver_result *ctx_lookup_result(struct check_ctx *ctx, const char *name, ldns_rr_type type)
{
	const char *canon = lookup_name(ctx, name);
	if (!canon)
		return NULL;
	struct question *q = question_find(ctx->job, Q_LOOKUP, NULL, canon, type);
	return q && q->done ? q->lookup : NULL;
}

/* --- services ---------------------------------------------------------- */

static struct fetch *fetch_find(struct audit *job, const char *key)
{
	for (struct fetch *f = job->fetches; f; f = f->next)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

static const char *arena_strdup_or_null(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

/* Keep what r says in f, in the job's arena. */
static void fetch_keep(struct fetch *f, const struct http_response *r)
{
	struct arena *a = &f->job->arena;
	char *body = arena_alloc(a, r->body_len + 1);
	memcpy(body, r->body, r->body_len);
	body[r->body_len] = '\0';
	f->r = *r;
	f->r.body = body;
	f->r.error = arena_strdup_or_null(a, r->error);
	f->r.content_type = arena_strdup_or_null(a, r->content_type);
	f->r.location = arena_strdup_or_null(a, r->location);
	f->r.banner = arena_strdup_or_null(a, r->banner);
	f->r.ehlo = arena_strdup_or_null(a, r->ehlo);
	f->done = 1;
}

static void on_fetched(void *arg, const struct http_response *r)
{
	struct fetch *f = arg;
	fetch_keep(f, r);
	op_done(f->job);
}

/* A request that never went out: it failed as r says. */
static void fetch_fail(struct fetch *f, enum http_failure failure, const char *why)
{
	struct http_response r = {.error = why, .failure = failure, .body = ""};
	fetch_keep(f, &r);
}

void ctx_fetch(struct check_ctx *ctx, const char *key, const struct http_request *req)
{
	struct audit *job = ctx->job;
	char err[512];
	if (fetch_find(job, key))
		return;
	struct fetch *f = arena_alloc(&job->arena, sizeof(*f));
	memset(f, 0, sizeof(*f));
	f->key = arena_strdup(&job->arena, key);
	f->job = job;
	f->next = job->fetches;
	job->fetches = f;
	if (job->offline) {
		fetch_fail(f, HTTP_FAIL_CONNECT, "offline");
		return;
	}
	if (http_request(job->s->http, req, on_fetched, f, err, sizeof(err)) != 0) {
		fetch_fail(f, HTTP_FAIL_PROTOCOL, err);
		return;
	}
	job->pending++;
}

const struct http_response *ctx_fetch_result(struct check_ctx *ctx, const char *key)
{
	struct fetch *f = fetch_find(ctx->job, key);
	return f && f->done ? &f->r : NULL;
}

/* --- zone transfers ------------------------------------------------------ */

static struct transfer_op *transfer_find(struct audit *job, const struct ns_server *server, const char *zone)
{
	for (struct transfer_op *t = job->transfers; t; t = t->next)
		if (t->server == server && strcmp(t->zone, zone) == 0)
			return t;
	return NULL;
}

static void on_transferred(void *arg, struct xfr_result *res)
{
	struct transfer_op *t = arg;
	struct arena *a = &t->job->arena;
	t->x = NULL;
	t->done = 1;
	t->t.error = arena_strdup_or_null(a, res->error);
	t->t.rrs = res->rrs; /* freed by job_free() */
	t->t.messages = res->messages;
	t->t.bytes = res->bytes;
	t->t.dropped = res->dropped;
	t->t.ms = res->ms;
	op_done(t->job);
}

void ctx_transfer(struct check_ctx *ctx, const struct ns_server *server, const char *zone)
{
	struct audit *job = ctx->job;
	const char *canon = lookup_name(ctx, zone);
	if (!canon || transfer_find(job, server, canon))
		return;
	struct transfer_op *t = arena_alloc(&job->arena, sizeof(*t));
	memset(t, 0, sizeof(*t));
	t->server = server;
	t->zone = arena_strdup(&job->arena, canon);
	t->job = job;
	t->next = job->transfers;
	job->transfers = t;
	if (job->offline) {
		t->done = 1;
		t->t.error = "offline";
		return;
	}
	job->pending++;
	xfr_start(job->s->loop, (const struct sockaddr *)&server->addr, server->addrlen, t->zone,
		  dns_engine_timeout_ms(job->s->engine), on_transferred, t, &t->x);
}

const struct transfer *ctx_transfer_result(struct check_ctx *ctx, const struct ns_server *server,
					   const char *zone)
{
	const char *canon = lookup_name(ctx, zone);
	struct transfer_op *t = canon ? transfer_find(ctx->job, server, canon) : NULL;
	return t && t->done ? &t->t : NULL;
}

static void job_finding(struct audit *job, const char *check, enum code code, enum status status,
			const char *subject, const char *server, const char *expected, const char *actual,
			const char *message)
{
	struct finding f = {
		.domain = job->domain,
		.check = (char *)check,
		.code = (char *)code_name(code),
		.status = status,
		.subject = (char *)subject,
		.server = (char *)server,
		.message = (char *)message,
		.expected = (char *)expected,
		.actual = (char *)actual,
	};
	finding_list_add(&job->part, &f);
}

/* The status of a finding of this rule whose check judged it status. */
static enum status finding_status(struct check_ctx *ctx, enum status status)
{
	int severity = ctx->inst->rule->severity;
	/* severity restates how bad the check's problems are; it leaves ok,
	 * informational and could-not-determine findings as they are. */
	if (severity >= 0 && (status == STATUS_WARN || status == STATUS_FAIL))
		status = (enum status)severity;
	return status;
}

void ctx_finding(struct check_ctx *ctx, enum code code, const char *subject, const struct ns_server *server,
		 const char *expected, const char *actual, const char *fmt, ...)
{
	enum status status = finding_status(ctx, code_status(code));
	va_list ap;
	va_start(ap, fmt);
	char *message = xvasprintf(fmt, ap);
	va_end(ap);
	job_finding(ctx->job, ctx->inst->rule->desc->name, code, status, subject,
		    server ? server->label : NULL, expected, actual, message);
	free(message);
}

/* A finding of this rule's check, whose message is fmt and ap. */
static void finding_v(struct check_ctx *ctx, enum status status, enum code code, const char *subject,
		      const char *server, const char *expected, const char *actual, const char *fmt,
		      va_list ap) __attribute__((format(printf, 8, 0)));

static void finding_v(struct check_ctx *ctx, enum status status, enum code code, const char *subject,
		      const char *server, const char *expected, const char *actual, const char *fmt,
		      va_list ap)
{
	char *message = xvasprintf(fmt, ap);
	job_finding(ctx->job, ctx->inst->rule->desc->name, code, finding_status(ctx, status), subject, server,
		    expected, actual, message);
	free(message);
}

void ctx_finding_at(struct check_ctx *ctx, enum code code, const char *subject, const char *server,
		    const char *expected, const char *actual, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	finding_v(ctx, code_status(code), code, subject, server, expected, actual, fmt, ap);
	va_end(ap);
}

void ctx_finding_as(struct check_ctx *ctx, enum status status, enum code code, const char *subject,
		    const char *server, const char *expected, const char *actual, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	finding_v(ctx, status, code, subject, server, expected, actual, fmt, ap);
	va_end(ap);
}

/* --- jobs ------------------------------------------------------------------ */

/* Free everything the job holds. */
static void job_free(struct audit *job)
{
	/* requests still out end here, without their callbacks */
	for (struct fetch *f = job->fetches; f; f = f->next)
		if (!f->done && job->s)
			http_cancel(job->s->http, f);
	for (struct transfer_op *t = job->transfers; t; t = t->next) {
		xfr_cancel(t->x); /* one still running ends here, without its callback */
		ldns_rr_list_deep_free((ldns_rr_list *)t->t.rrs);
	}
	for (size_t i = 0; i < job->n_qs; i++) {
		if (job->qs[i]->ans.pkt)
			ldns_pkt_free(job->qs[i]->ans.pkt);
		if (!job->offline) /* else the arena's, its packet in ans.pkt */
			resolver_result_release(job->qs[i]->lookup);
	}
	free(job->qs);
	free(job->qindex);
	free(job->extra);
	for (size_t i = 0; i < job->n_inst; i++)
		free(job->inst[i].said);
	free(job->inst);
	arena_release(&job->arena);
	finding_list_release(&job->part);
	free(job->domain);
	free(job);
}

void audit_result_free(struct audit_result *res)
{
	if (!res)
		return;
	struct finding_list l = {.v = res->findings, .n = res->n};
	finding_list_release(&l);
	free(res->domain);
	free(res);
}

static void job_finish(struct audit *job)
{
	struct audit_result *res = xcalloc(1, sizeof(*res));
	res->domain = job->domain;
	res->findings = job->part.v;
	res->n = job->part.n;
	job->domain = NULL;
	finding_list_init(&job->part); /* given to res */
	audit_done_cb done = job->done;
	void *arg = job->arg;
	job_free(job);
	done(arg, res);
}

void audit_cancel(struct audit *job)
{
	if (job)
		job_free(job);
}

static void job_judge(struct audit *job)
{
	for (;;) {
		int again = 0;
		for (size_t i = 0; i < job->n_inst; i++) {
			struct instance *in = &job->inst[i];
			if (in->done)
				continue;
			struct check_ctx ctx = {job, in};
			int rc = in->rule->desc->judge(&ctx, in->rule);
			if (rc != CHECK_AGAIN) {
				in->done = 1;
			} else if (in->round + 1 < MAX_ROUNDS) {
				in->round++;
				again = 1;
			} else {
				in->done = 1;
				ctx_finding(
					&ctx, CODE_CHECK_TOO_MANY_ROUNDS, job->domain, NULL, NULL, NULL,
					"check '%s' still wanted more answers after %d rounds of questions: "
					"it was stopped there",
					in->rule->desc->name, MAX_ROUNDS);
			}
		}
		if (job->pending > 0)
			return; /* called again when the last answer is in */
		if (!again)
			break;
	}
	job->judging = 0;
	job_finish(job);
}

/* Whether the check can run without the zone's servers. */
static int resolver_only(const struct rule *rule)
{
	return rule->desc->resolver_only && rule->desc->resolver_only(rule);
}

/* Report once why the zone's servers are unknown. */
static void report_discovery_failure(struct audit *job, const struct delegation *d)
{
	switch (d->status) {
	case DELEG_OK:
		break;
	case DELEG_NXDOMAIN:
	case DELEG_NOT_ZONE:
		job_finding(job, "ns", CODE_NS_NO_DELEGATION, STATUS_FAIL, job->domain, NULL, "a delegation",
			    d->status == DELEG_NXDOMAIN ? "NXDOMAIN" : "no NS records", d->error);
		break;
	case DELEG_NO_SERVERS: {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < d->n_unresolved; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", name_text(&job->arena, d->unresolved[i]));
		char *msg = xasprintf("no address for any name server of %s (%s)",
				      name_text(&job->arena, d->zone), sb.buf ? sb.buf : "");
		job_finding(job, "ns", CODE_NS_NO_SERVERS, STATUS_ERROR, job->domain, NULL, NULL, NULL, msg);
		free(msg);
		sb_release(&sb);
		/* A server inside the zone, without glue, can only be found by
		 * asking it (NS records that point at the zone itself): not
		 * "could not determine" but a broken delegation. */
		for (size_t i = 0; i < d->n_unresolved; i++) {
			const char *ns = d->unresolved[i];
			if (!name_is_under(ns, d->zone) || delegation_has_glue(d, ns))
				continue;
			const char *text = name_text(&job->arena, ns);
			char *why =
				d->given ? xasprintf("name server %s is inside the zone it serves, so its "
						     "address cannot be looked up before the delegation: "
						     "give it (--ns %s/ADDR), as the parent's glue will",
						     text, text)
					 : xasprintf("name server %s is inside the zone it serves, and the "
						     "parent gives no glue for it: its address can only be "
						     "asked of itself, so no resolver can reach %s",
						     text, name_text(&job->arena, d->zone));
			job_finding(job, "ns", CODE_NS_UNRESOLVABLE, STATUS_FAIL, text, NULL, "an address",
				    "(none)", why);
			free(why);
		}
		break;
	}
	case DELEG_ERROR:
		job_finding(job, "ns", CODE_NS_DISCOVERY_FAILED, STATUS_ERROR, job->domain, NULL, NULL, NULL,
			    d->error);
		break;
	}
}

static void on_discovered(void *arg, struct delegation *d)
{
	struct audit *job = arg;
	job->d = d;
	job->zone_ok = d->status == DELEG_OK;
	/* Discovery already asked every server for the zone's NS set: those
	 * answers are the checks' too, so they are not asked twice. */
	for (size_t i = 0; i < d->n_servers; i++) {
		struct ns_server *s = &d->servers[i];
		if (!s->ns_answered)
			continue;
		struct question *q = question_new(job, Q_AUTHORITATIVE, s, d->zone, LDNS_RR_TYPE_NS);
		q->done = 1;
		q->ans.err = s->ns_err;
		q->ans.pkt = s->ns_pkt;
		s->ns_pkt = NULL;
	}
	if (job->zone_ok && d->n_servers > DELEG_SERVERS_MAX)
		job_finding(
			job, "ns", CODE_NS_TOO_MANY, STATUS_WARN, job->domain, NULL,
			arena_printf(&job->arena, "<= %d", DELEG_SERVERS_MAX),
			arena_printf(&job->arena, "%zu", d->n_servers),
			arena_printf(&job->arena,
				     "%s has %zu name server addresses: only the first %d, in name order, "
				     "are asked by every check; the others are not checked",
				     job->domain, d->n_servers, DELEG_SERVERS_MAX));
	if (d->given) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < d->n_servers; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", d->servers[i].label);
		const char *given = arena_strdup(&job->arena, sb.buf ? sb.buf : "none with an address");
		sb_release(&sb);
		job_finding(job, "ns", CODE_NS_DELEGATION_GIVEN, STATUS_INFO, job->domain, NULL, NULL, given,
			    arena_printf(
				    &job->arena,
				    "the servers of %s were given with --ns, not discovered from the parent: "
				    "checked as if the parent zone %s delegated there (%s)",
				    job->domain, name_text(&job->arena, d->parent), given));
	}
	if (!job->zone_ok) {
		report_discovery_failure(job, d);
	} else if (strcmp(d->zone, d->name) != 0) {
		const char *zone = name_text(&job->arena, d->zone);
		job_finding(job, "ns", CODE_NS_ENCLOSING_ZONE, STATUS_INFO, job->domain, NULL, NULL, zone,
			    arena_printf(&job->arena,
					 "%s is not a zone cut: it is checked within the zone %s",
					 job->domain, zone));
	}
	job->judging = 1;
	job->pending++; /* hold judgement until every check has asked */
	for (size_t i = 0; i < job->n_inst; i++) {
		struct instance *in = &job->inst[i];
		struct check_ctx ctx = {job, in};
		/* Without the zone's servers only the checks that need none
		 * run; the failure was reported once, above. */
		if (!job->zone_ok && !resolver_only(in->rule))
			in->done = 1;
		else if (in->rule->desc->ask && in->rule->desc->ask(&ctx, in->rule) != 0)
			in->done = 1;
	}
	op_done(job);
}

static void report_invalid(void *arg)
{
	struct audit *job = arg;
	char *msg = xasprintf("'%s' is not a valid domain name", job->domain);
	job_finding(job, "ns", CODE_NS_DISCOVERY_FAILED, STATUS_ERROR, job->domain, NULL, NULL, NULL, msg);
	free(msg);
	job_finish(job);
}

/* Every rule reads through the resolver only (the mail rule set): the
 * zone's servers are not needed, so delegation is not discovered. Its RD=0
 * queries to the parent's and the zone's servers would fail on a network
 * that lets only the resolver through, and fail the run with them. */
static void start_without_discovery(void *arg)
{
	struct audit *job = arg;
	const char *name = name_canonical(&job->arena, job->domain);
	if (!name) {
		report_invalid(job);
		return;
	}
	struct delegation *d = arena_alloc(&job->arena, sizeof(*d));
	memset(d, 0, sizeof(*d));
	d->name = d->zone = name;
	d->status = DELEG_OK;
	on_discovered(job, d);
}

static int all_resolver_only(const struct audit *job)
{
	for (size_t i = 0; i < job->n_inst; i++)
		if (!resolver_only(job->inst[i].rule))
			return 0;
	return job->n_inst > 0;
}

/* A target as reported is its first target_len() bytes, lower case: no
 * trailing dots ("." stays). domain_key() makes that string; the batch's
 * duplicate check hashes and compares it in place (target_hash,
 * target_equal), so the three agree by construction. */
static size_t target_len(const char *t)
{
	size_t len = strlen(t);
	while (len > 1 && t[len - 1] == '.')
		len--;
	return len;
}

/* The name as reported (a new string). */
static char *domain_key(const char *name)
{
	char *out = xstrndup(name, target_len(name));
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return out;
}

/* A job for target with an instance of every rule, not started. */
static struct audit *job_new(struct session *s, const struct audit_rules *rules, const char *target,
			     audit_done_cb done, void *arg)
{
	struct audit *job = xcalloc(1, sizeof(*job));
	job->s = s;
	job->rules = rules;
	job->done = done;
	job->arg = arg;
	job->domain = domain_key(target);
	finding_list_init(&job->part);
	size_t n = 0;
	for (size_t i = 0; i < rules->n_rulesets; i++)
		n += rules->rulesets[i].n;
	job->inst = xcalloc(n + 1, sizeof(*job->inst));
	for (size_t i = 0; i < rules->n_rulesets; i++)
		for (size_t j = 0; j < rules->rulesets[i].n; j++)
			job->inst[job->n_inst++].rule = &rules->rulesets[i].rules[j];
	return job;
}

int audit_start(struct session *s, const struct audit_rules *rules, const char *target, audit_done_cb done,
		void *arg, struct audit **out)
{
	struct audit *job = job_new(s, rules, target, done, arg);
	if (out)
		*out = job;
	if (all_resolver_only(job))
		loop_defer(s->loop, start_without_discovery, job);
	else if (resolver_discover(s->resolver, &job->arena, job->domain, on_discovered, job) != 0)
		loop_defer(s->loop, report_invalid, job);
	return 0;
}

/* --- a test seam: the audit without the network ------------------------------ */

static void offline_done(void *arg, struct audit_result *res)
{
	*(struct audit_result **)arg = res;
}

struct audit_result *audit_run_offline(const struct audit_rules *rules, const char *target,
				       struct delegation *d, audit_answer_fn answer, void *arg)
{
	struct audit_result *res = NULL;
	struct audit *job = job_new(NULL, rules, target, offline_done, &res);
	job->offline = answer;
	job->offline_arg = arg;
	if (d) {
		on_discovered(job, d);
	} else if (!name_canonical(&job->arena, job->domain)) {
		report_invalid(job);
	} else {
		start_without_discovery(job);
	}
	/* Nothing waits on the network: every round was judged at once,
	 * and done has run. */
	return res;
}

/* --- the batch driver --------------------------------------------------------- */

/* A target started and not yet reported: running, or finished and waiting for
 * those before it. Slots form a ring of `window` entries: target i uses slot
 * i % window, and no more than window targets are ever between the first
 * unreported and the next to start. */
struct slot {
	struct audit *job;	  /* while running */
	struct audit_result *res; /* finished, waiting for those before it */
};

struct batch {
	struct session *s;
	const struct audit_rules *rules;
	char *const *targets;
	size_t n;
	unsigned char *skip; /* per target: a duplicate of an earlier one */
	struct slot *ring;
	size_t window;
	size_t next_start;  /* first target not started */
	size_t next_report; /* first target not reported */
	size_t running;
	unsigned jobs;
	struct reporter *rp;
	struct reporter *save;		   /* --save, or NULL */
	struct baseline *baseline;	   /* --baseline, or NULL */
	struct audit_batch_counts *counts; /* the caller's, or local: kept up to date */
	int write_error;
	int interrupted;
	struct loop_signal *sigint, *sigterm;
};

static void batch_pump(struct batch *b);

struct done_arg {
	struct batch *b;
	size_t idx;
};

static struct slot *slot_of(struct batch *b, size_t i)
{
	return &b->ring[i % b->window];
}

/* Domains between two malloc_trim() calls. */
#define TRIM_EVERY 1024

static void batch_emit(struct batch *b, struct slot *sl)
{
	if (!b->write_error) {
		struct audit_result *res = sl->res;
		/* a save that cannot be written stops itself; its close says so */
		if (b->save)
			reporter_domain(b->save, res->domain, res->findings, res->n);
		if (b->baseline) {
			struct finding_list l = {res->findings, res->n, res->n};
			baseline_mark(b->baseline, res->domain, &l);
			res->findings = l.v;
			res->n = l.n;
		}
		if (reporter_domain(b->rp, res->domain, res->findings, res->n) == 0)
			b->counts->reported++;
		else
			b->write_error = 1; /* the report cannot be written: stop */
	}
	audit_result_free(sl->res);
	sl->res = NULL;
	/* Every domain allocates and frees thousands of small blocks, and
	 * glibc keeps the pages of the holes they leave resident: the heap was
	 * 3 MB larger after 20,000 domains than after 1,000 with the same few
	 * MB in use. Giving free pages back now and then keeps RSS flat; it
	 * costs well under a millisecond each time. */
	if (b->counts->reported % TRIM_EVERY == 0)
		malloc_trim(0);
}

static void batch_report_ready(struct batch *b)
{
	while (b->next_report < b->next_start &&
	       (b->skip[b->next_report] || slot_of(b, b->next_report)->res)) {
		if (!b->skip[b->next_report])
			batch_emit(b, slot_of(b, b->next_report));
		b->next_report++;
	}
}

static void batch_done(void *arg, struct audit_result *res)
{
	struct done_arg *da = arg;
	struct batch *b = da->b;
	struct slot *sl = slot_of(b, da->idx);
	free(da);
	sl->job = NULL;
	sl->res = res;
	b->running--;
	b->counts->finished++;
	b->counts->findings += res->n;
	for (size_t i = 0; i < res->n; i++)
		b->counts->problems += res->findings[i].status >= STATUS_WARN;
	batch_report_ready(b);
	batch_pump(b);
}

static unsigned long target_hash(const char *t)
{
	size_t len = target_len(t);
	unsigned long h = 5381;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		h = h * 33 + (c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return h;
}

static int target_equal(const char *a, const char *b)
{
	size_t la = target_len(a), lb = target_len(b);
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Duplicates: an open-addressing set of target indices, so that 100,000
 * targets cost 100,000 lookups and no copies, not 5 billion comparisons. */
static void batch_mark_duplicates(struct batch *b)
{
	size_t cap = 16;
	if (b->n >= UINT32_MAX)
		return; /* four billion names: not de-duplicated (indices are 32-bit) */
	while (cap < 2 * b->n)
		cap *= 2;
	uint32_t *set = xmalloc(cap * sizeof(*set));
	for (size_t i = 0; i < cap; i++)
		set[i] = UINT32_MAX;
	for (size_t i = 0; i < b->n; i++) {
		size_t at = target_hash(b->targets[i]) & (cap - 1);
		while (set[at] != UINT32_MAX && !target_equal(b->targets[set[at]], b->targets[i]))
			at = (at + 1) & (cap - 1);
		if (set[at] != UINT32_MAX)
			b->skip[i] = 1;
		else
			set[at] = (uint32_t)i;
	}
	free(set);
}

static void batch_pump(struct batch *b)
{
	while (!b->interrupted && !b->write_error && b->next_start < b->n && b->running < b->jobs &&
	       b->next_start < b->next_report + b->window) {
		size_t i = b->next_start++;
		if (b->skip[i])
			continue;
		struct done_arg *da = xmalloc(sizeof(*da));
		da->b = b;
		da->idx = i;
		b->running++;
		audit_start(b->s, b->rules, b->targets[i], batch_done, da, &slot_of(b, i)->job);
		if (slot_of(b, i)->job)
			audit_count_items(slot_of(b, i)->job, &b->counts->items);
	}
	batch_report_ready(b);
	if (b->next_report == b->n || b->interrupted || b->write_error)
		loop_break(b->s->loop);
}

static void batch_signal(void *arg, int signo)
{
	struct batch *b = arg;
	(void)signo;
	b->interrupted = 1;
	loop_break(b->s->loop);
}

int audit_batch(struct session *s, const struct audit_rules *rules, const struct audit_batch_opts *opts,
		char *const *targets, size_t n_targets, struct reporter *rp,
		struct audit_batch_counts *counts)
{
	struct batch b = {
		.s = s,
		.rules = rules,
		.targets = targets,
		.n = n_targets,
		.jobs = opts && opts->jobs ? opts->jobs : 64,
		.rp = rp,
		.save = opts ? opts->save : NULL,
		.baseline = opts ? opts->baseline : NULL,
	};
	struct audit_batch_counts local;
	int rc = 0;
	b.counts = counts ? counts : &local;
	memset(b.counts, 0, sizeof(*b.counts));
	b.window = (size_t)b.jobs * WINDOW_FACTOR;
	b.ring = xcalloc(b.window, sizeof(*b.ring));
	b.skip = xcalloc(n_targets + 1, 1);
	batch_mark_duplicates(&b);
	for (size_t i = 0; i < b.n; i++)
		b.counts->targets += !b.skip[i];
	/* SIGINT and SIGTERM end the run with the report of what was done. */
	b.sigint = loop_signal_new(s->loop, SIGINT, batch_signal, &b);
	b.sigterm = loop_signal_new(s->loop, SIGTERM, batch_signal, &b);
	batch_pump(&b);
	while (b.next_report < b.n && !b.interrupted && !b.write_error) {
		if (loop_run(s->loop) != 0) {
			rc = -1;
			break;
		}
	}
	if (b.interrupted)
		rc = 1;
	/* What finished is reported even when the run was cut short: a domain
	 * held back behind an unfinished one is complete and goes out too. */
	for (size_t i = b.next_report; i < b.next_start; i++) {
		struct slot *sl = slot_of(&b, i);
		if (b.skip[i])
			continue;
		if (sl->res)
			batch_emit(&b, sl);
		if (sl->job) {
			free(sl->job->arg);
			audit_cancel(sl->job);
			sl->job = NULL;
		}
	}
	loop_signal_free(b.sigint);
	loop_signal_free(b.sigterm);
	free(b.ring);
	free(b.skip);
	/* A write error ends the run too, and is the reporter's to tell:
	 * reporter_close() fails. */
	return rc;
}

void audit_batch_progress(void *view, struct progress_counts *c)
{
	const struct audit_batch_view *v = view;
	const struct audit_batch_counts *counts = v->counts;
	c->what = v->what;
	c->unit = "domains";
	c->done = counts->finished;
	c->total = counts->targets;
	if (counts->targets == 1 && counts->items.total) { /* compare: its names */
		c->unit = "names";
		c->done = counts->items.done;
		c->total = counts->items.total;
	}
	c->findings = counts->findings;
	c->problems = counts->problems;
	c->in_flight = session_in_flight(v->s);
}
