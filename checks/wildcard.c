/* wildcard: a * record exists where wanted and, with expect, points at the
 * new server; a random label under it is asked too, to see that servers
 * really synthesize the answer from it. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "names.h"
#include "rules.h"
#include "util.h"

static const struct check_param params[] = {
	{"name", PARAM_NAME, 0, NULL, "wildcard owner (default: *.{domain})"},
	{"expect", PARAM_RRMAP, 0, NULL, "expected data per type: {A: \"198.51.100.20\"}"},
	{NULL, 0, 0, NULL, NULL},
};

struct wc_type {
	ldns_rr_type type;
	const char *expected; /* canonical set, or NULL */
	const char *bad;      /* an expected value that does not parse */
};

struct wc_questions {
	const char *name;  /* "*.example.org." */
	const char *probe; /* "cutover-probe-1a2b3c4d.example.org." */
	struct wc_type *types;
	size_t n_types;
};

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct arena *a = ctx_arena(ctx);
	const char *given = ctx_param_str(ctx, "name");
	const char *want = given ? given : ctx_expand(ctx, "*.{domain}");
	const char *name = ctx_name(ctx, want);
	if (!name) {
		/* "*.{domain}" of a domain of 252 or 253 octets is too long */
		const char *why = name_fault(a, want);
		ctx_finding(ctx, CODE_CHECK_NO_DATA, want, NULL, NULL, NULL,
			    "wildcard name '%s' is not a domain name%s%s", want, why ? ": " : "",
			    why ? why : "");
		return -1;
	}
	if (strncmp(name, "*.", 2) != 0) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, given, NULL, "*.NAME", given,
			    "wildcard name '%s' must start with '*.'", given ? given : "");
		return -1;
	}
	struct wc_questions *p = arena_alloc(a, sizeof(*p));
	p->name = name;
	p->probe = arena_printf(a, "cutover-probe-%08x.%s", arc4random(), name + 2);
	const struct rule_value *expect = ctx_param(ctx, "expect");
	if (expect && expect->kind == RV_MAP) {
		p->types = arena_alloc(a, (expect->n + 1) * sizeof(*p->types));
		p->n_types = expect->n;
		for (size_t i = 0; i < expect->n; i++) {
			struct wc_type *t = &p->types[i];
			const struct rule_value *v = &expect->items[i];
			t->type = ldns_get_rr_type_by_name(expect->keys[i]);
			size_t nv = v->kind == RV_LIST ? v->n : 1;
			const char **vals = arena_alloc(a, (nv + 1) * sizeof(char *));
			for (size_t k = 0; k < nv; k++)
				vals[k] = ctx_expand(ctx, v->kind == RV_LIST ? v->items[k].str : v->str);
			t->expected = values_canonical(ctx, t->type, vals, nv, &t->bad);
		}
	} else {
		p->types = arena_alloc(a, 2 * sizeof(*p->types));
		memset(p->types, 0, 2 * sizeof(*p->types));
		p->types[0].type = LDNS_RR_TYPE_A;
		p->types[1].type = LDNS_RR_TYPE_AAAA;
		p->n_types = 2;
	}
	for (size_t i = 0; i < p->n_types; i++) {
		ctx_ask_servers(ctx, p->name, p->types[i].type);
		ctx_ask_servers(ctx, p->probe, p->types[i].type);
	}
	*ctx_state(ctx) = p;
	return 0;
}

/* A finding for each expected value that does not parse as its type's data
 * (those types are not judged). */
static void report_bad_expected(struct check_ctx *ctx, const struct wc_questions *p)
{
	for (size_t i = 0; i < p->n_types; i++) {
		const struct wc_type *t = &p->types[i];
		if (t->bad)
			ctx_finding(ctx, CODE_CHECK_NO_DATA, subject_of(ctx, p->name, t->type), NULL, NULL,
				    t->bad, "expected value '%s' is not valid %s data", t->bad,
				    type_name(ctx, t->type));
	}
}

/* What the servers hold at the wildcard, each value once ("A 192.0.2.1;
 * AAAA 2001:db8::1"), to found. Returns how many answers with authority
 * there were. */
static size_t read_wildcard(struct check_ctx *ctx, const struct wc_questions *p, struct strbuf *found)
{
	size_t n, answered = 0;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	for (size_t i = 0; i < p->n_types; i++) {
		const struct wc_type *t = &p->types[i];
		if (t->bad)
			continue;
		for (size_t s = 0; s < n; s++) {
			const struct answer *a = ctx_answer(ctx, &servers[s], p->name, t->type);
			if (answer_problem(ctx, a))
				continue;
			answered++;
			const char *got = answer_rdata(ctx, a, p->name, t->type);
			if (*got && (!found->len || !strstr(found->buf, got)))
				sb_addf(found, "%s%s %s", found->len ? "; " : "", type_name(ctx, t->type),
					got);
		}
	}
	return answered;
}

/* The finding for a wildcard that does not exist. */
static void missing_finding(struct check_ctx *ctx, const struct wc_questions *p, const char *display)
{
	struct strbuf want = STRBUF_INIT;
	for (size_t i = 0; i < p->n_types; i++)
		if (p->types[i].expected)
			sb_addf(&want, "%s%s %s", want.len ? "; " : "", type_name(ctx, p->types[i].type),
				p->types[i].expected);
	ctx_finding(ctx, CODE_WILDCARD_MISSING, display, NULL, want.len ? want.buf : "a wildcard record",
		    "(none)",
		    "there is no %s record: services without their own name cannot be reached or tested "
		    "under %s",
		    display, name_display(ctx, p->name + 2));
	sb_release(&want);
}

/* Judge what server holds for type t: at the wildcard, and at a random name
 * under it. Returns the number of problems (0 or 1). */
static int judge_server(struct check_ctx *ctx, const struct wc_questions *p, const struct wc_type *t,
			const struct ns_server *server)
{
	const struct answer *a = ctx_answer(ctx, server, p->name, t->type);
	if (answer_problem(ctx, a))
		return 0;
	const char *subject = subject_of(ctx, p->name, t->type);
	const char *got = answer_rdata(ctx, a, p->name, t->type);
	if (strcmp(got, t->expected) != 0) {
		ctx_finding(ctx, CODE_WILDCARD_WRONG_TARGET, subject, server, t->expected,
			    *got ? got : "(none)", "%s points to %s, not %s", subject, *got ? got : "nothing",
			    t->expected);
		return 1;
	}
	/* The wildcard itself is right; does a random name get it? */
	const struct answer *pa = ctx_answer(ctx, server, p->probe, t->type);
	if (answer_problem(ctx, pa))
		return 0;
	const char *synth = answer_rdata(ctx, pa, p->probe, t->type);
	if (strcmp(synth, t->expected) == 0)
		return 0;
	ctx_finding(ctx, CODE_WILDCARD_WRONG_TARGET, subject_of(ctx, p->probe, t->type), server, t->expected,
		    *synth ? synth : "(none)",
		    "a random name under the wildcard gets %s, not %s: an explicit record or "
		    "delegation shadows the wildcard",
		    *synth ? synth : "nothing", t->expected);
	return 1;
}

/* Judge every server for every type with expected values. Returns the
 * number of problems. */
static size_t judge_servers(struct check_ctx *ctx, const struct wc_questions *p)
{
	size_t n, problems = 0;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	for (size_t i = 0; i < p->n_types; i++)
		if (p->types[i].expected)
			for (size_t s = 0; s < n; s++)
				problems += judge_server(ctx, p, &p->types[i], &servers[s]);
	return problems;
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct wc_questions *p = *ctx_state(ctx);
	const char *display = name_display(ctx, p->name);
	struct strbuf found = STRBUF_INIT;
	report_bad_expected(ctx, p);
	size_t answered = read_wildcard(ctx, p, &found);
	if (answered == 0)
		ctx_finding(ctx, CODE_CHECK_NO_DATA, display, NULL, NULL, NULL,
			    "no server answered authoritatively for %s", display);
	else if (!found.len)
		missing_finding(ctx, p, display);
	else if (judge_servers(ctx, p) == 0)
		ctx_finding(ctx, CODE_WILDCARD_OK, display, NULL, NULL, found.buf, "%s exists: %s", display,
			    found.buf);
	sb_release(&found);
	return 0;
}

const struct check_desc check_wildcard = {
	.name = "wildcard",
	.summary = "a wildcard record exists and points where expected",
	.params = params,
	.ask = ask,
	.judge = judge,
};
