/* propagation: the gate form of `cutover propagation` -- a name has reached
 * at least `min` of the resolvers that answered (default all), and every
 * authoritative server of the zone serves it. The answers are judged by
 * src/propagation.c, as the command judges them; a plan waits on this check
 * with `wait:`/`every:`. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "names.h"
#include "propagation.h"
#include "report.h"
#include "rules.h"
#include "targets.h"
#include "util.h"

static const struct check_param params[] = {
	{"name", PARAM_NAME, 0, NULL,
	 "owner name in the domain's zone (default: the domain); its servers are the zone's"},
	{"type", PARAM_RRTYPE, 0, NULL, "record type (default A)"},
	{"expect", PARAM_STRINGS, 0, NULL,
	 "the new value(s); for A/AAAA also ranges (198.51.100.0/24). Default: what the authoritative "
	 "servers "
	 "answer"},
	{"old", PARAM_STRINGS, 0, NULL, "the old value(s): an answer that is neither is propagation.other"},
	{"resolvers", PARAM_STRINGS, 0, NULL,
	 "resolvers to ask: ADDR[#PORT] each, or one resolvers file (default: the shipped public list)"},
	{"min", PARAM_PERCENT, 0, NULL,
	 "share of the resolvers that answered that must have it (default 100%)"},
	{NULL, 0, 0, NULL, NULL},
};

struct prop_questions {
	const char *name;
	ldns_rr_type type;
	const struct ns_server **resolvers;
	const char **labels;
	size_t n_resolvers;
};

/* The resolvers a rule names: addresses, or one file (a bare word: a
 * shipped list). Returns 0, or -1 after adding the finding. */
static int load_targets(struct check_ctx *ctx, struct target_list *t)
{
	const char **given;
	size_t n = ctx_param_list(ctx, "resolvers", &given);
	char err[1024];
	if (n == 0)
		return target_list_load(t, "resolvers", err, sizeof(err)) == 0
			       ? 0
			       : (ctx_finding(ctx, CODE_CHECK_NO_DATA, NULL, NULL, NULL, NULL, "%s", err),
				  -1);
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int rc = n == 1 && dns_addr_parse(given[i], &ss, &len) != 0
				 ? target_list_load(t, given[i], err, sizeof(err))
				 : target_list_add(t, given[i], NULL, err, sizeof(err));
		if (rc != 0) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, given[i], NULL,
				    "ADDR[#PORT] or a resolvers file", given[i], "resolvers: %s", err);
			return -1;
		}
	}
	return 0;
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct arena *a = ctx_arena(ctx);
	struct prop_questions *p = arena_alloc(a, sizeof(*p));
	struct target_list t;
	const char *given = ctx_param_str(ctx, "name");
	(void)rule;
	memset(p, 0, sizeof(*p));
	p->name = ctx_name(ctx, given ? given : ctx_domain(ctx));
	if (!p->name) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, given, NULL, NULL, NULL, "'%s' is not a valid name",
			    given);
		return -1;
	}
	const char *type = ctx_param_str(ctx, "type");
	p->type = type ? ldns_get_rr_type_by_name(type) : LDNS_RR_TYPE_A;
	target_list_init(&t);
	if (load_targets(ctx, &t) != 0) {
		target_list_release(&t);
		return -1;
	}
	p->resolvers = arena_alloc(a, (t.n + 1) * sizeof(*p->resolvers));
	p->labels = arena_alloc(a, (t.n + 1) * sizeof(*p->labels));
	for (size_t i = 0; i < t.n; i++) {
		p->resolvers[i] =
			ctx_add_server(ctx, NULL, (struct sockaddr *)&t.v[i].addr, t.v[i].addrlen, 0);
		p->labels[i] = t.v[i].label ? arena_strdup(a, t.v[i].label) : NULL;
		ctx_ask_recursive(ctx, p->resolvers[i], p->name, p->type);
	}
	p->n_resolvers = t.n;
	target_list_release(&t);
	ctx_ask_servers(ctx, p->name, p->type);
	*ctx_state(ctx) = p;
	return 0;
}

/* "Quad9/9.9.9.9", "9.9.9.9" */
static const char *who(struct check_ctx *ctx, const struct ns_server *s, const char *label)
{
	return label ? arena_printf(ctx_arena(ctx), "%s/%s", label, s->addr_text) : s->label;
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct prop_questions *p = *ctx_state(ctx);
	struct prop_values expect, old;
	size_t n_auth;
	const struct ns_server *auth = ctx_servers(ctx, &n_auth);
	size_t n = n_auth + p->n_resolvers;
	struct prop_result *rs = xcalloc(n + 1, sizeof(*rs));
	int *kinds = xcalloc(n + 1, sizeof(int));
	const char *subject = subject_of(ctx, p->name, p->type);
	char err[512];
	int rc = -1;
	(void)rule;

	prop_values_init(&expect, p->type);
	prop_values_init(&old, p->type);
	const char **vals;
	size_t nv = ctx_param_list(ctx, "expect", &vals);
	for (size_t i = 0; i < nv; i++)
		if (prop_values_add(&expect, vals[i], err, sizeof(err)) != 0) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, vals[i], "expect: %s", err);
			goto out;
		}
	size_t no = ctx_param_list(ctx, "old", &vals);
	for (size_t i = 0; i < no; i++)
		if (prop_values_add(&old, vals[i], err, sizeof(err)) != 0) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, vals[i], "old: %s", err);
			goto out;
		}
	for (size_t i = 0; i < n_auth; i++) {
		const struct answer *an = ctx_answer(ctx, &auth[i], p->name, p->type);
		kinds[i] = 1;
		prop_judge(&expect, NULL, p->name, an ? an->err : DNS_ETIMEOUT, an ? an->pkt : NULL,
			   an ? an->received : 0, 1, &rs[i]);
	}
	if (nv == 0) {
		/* the new value is what the authoritative servers answer */
		const struct prop_result *first = NULL;
		for (size_t i = 0; i < n_auth; i++) {
			if (rs[i].status == PROP_ERROR)
				continue;
			if (!first)
				first = &rs[i];
			else if (!prop_same_answer(first, &rs[i])) {
				ctx_finding(
					ctx, CODE_PROPAGATION_DISAGREE, subject, NULL, NULL, NULL,
					"the authoritative servers answer different values, and no expect: "
					"says which is new");
				rc = 0;
				goto out;
			}
		}
		if (!first) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, NULL,
				    "no authoritative server answered, and no expect: says what is new");
			goto out;
		}
		prop_values_from_answer(&expect, first);
		for (size_t i = 0; i < n_auth; i++) {
			struct prop_result again;
			const struct answer *an = ctx_answer(ctx, &auth[i], p->name, p->type);
			prop_judge(&expect, NULL, p->name, an ? an->err : DNS_ETIMEOUT, an ? an->pkt : NULL,
				   an ? an->received : 0, 1, &again);
			prop_result_release(&rs[i]);
			rs[i] = again;
		}
	}
	char *want = prop_values_text(&expect);
	for (size_t i = 0; i < p->n_resolvers; i++) {
		const struct answer *an = ctx_answer_recursive(ctx, p->resolvers[i], p->name, p->type);
		prop_judge(&expect, prop_values_empty(&old) ? NULL : &old, p->name,
			   an ? an->err : DNS_ETIMEOUT, an ? an->pkt : NULL, an ? an->received : 0, 0,
			   &rs[n_auth + i]);
	}
	for (size_t i = 0; i < n; i++) {
		const struct ns_server *s = i < n_auth ? &auth[i] : p->resolvers[i - n_auth];
		const char *label = i < n_auth ? s->label : who(ctx, s, p->labels[i - n_auth]);
		const struct prop_result *r = &rs[i];
		char *msg = NULL, *a = prop_answer_text(r);
		enum code code = prop_problem(r, i < n_auth, label, 0, &msg);
		if (code != CODE_COUNT)
			ctx_finding(ctx, code, subject, s, code == CODE_PROPAGATION_UNREACHABLE ? NULL : want,
				    a, "%s", msg);
		free(msg);
		free(a);
	}
	struct prop_summary sum;
	prop_summarize(rs, kinds, n, &sum);
	double min = 1.0;
	const struct rule_value *mv = ctx_param(ctx, "min");
	if (mv && mv->str)
		rules_parse_percent(mv->str, &min);
	const char *ratio = arena_printf(ctx_arena(ctx), "%.1f%%", 100.0 * prop_ratio(&sum));
	const char *need = arena_printf(ctx_arena(ctx), ">= %.0f%%", 100.0 * min);
	if (!sum.auth_agree)
		ctx_finding(ctx, CODE_PROPAGATION_DISAGREE, subject, NULL, want, NULL,
			    "the authoritative servers answer different values");
	if (sum.recursive && sum.answered == 0)
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, need, NULL,
			    "none of the %zu resolvers answered", sum.recursive);
	else if (prop_converged(&sum, min))
		ctx_finding(ctx, CODE_PROPAGATION_CONVERGED, subject, NULL, need, ratio,
			    "%zu of %zu resolvers that answered have %s; %zu of %zu authoritative servers "
			    "serve it",
			    sum.converged, sum.answered, want, sum.auth_new, sum.auth_answered);
	else {
		char eta[32] = "";
		if (sum.eta > 0)
			report_utc((time_t)(sum.eta + 0.5), eta);
		ctx_finding(ctx, CODE_PROPAGATION_PENDING, subject, NULL, need, ratio,
			    "%zu of %zu resolvers that answered have %s (%zu old, %zu stale, %zu other); %zu "
			    "of %zu "
			    "authoritative servers serve it%s%s",
			    sum.converged, sum.answered, want, sum.old, sum.stale, sum.other, sum.auth_new,
			    sum.auth_answered, sum.eta > 0 ? "; ETA, at least, " : "", eta);
	}
	free(want);
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		prop_result_release(&rs[i]);
	free(rs);
	free(kinds);
	prop_values_release(&expect);
	prop_values_release(&old);
	return rc;
}

const struct check_desc check_propagation = {
	.name = "propagation",
	.summary = "a name's new value has reached the resolvers (at least min of those that answered) and "
		   "every authoritative server",
	.params = params,
	.ask = ask,
	.judge = judge,
};
