/* record: a name and type has exactly the expected values (compared as
 * canonical rdata, apart from TTL) on every authoritative server, and the
 * servers agree with each other. With `via: resolver` the session's resolver
 * is asked instead (it needs no delegation, so it runs even when discovery
 * fails), with `resolvers:` each given recursive resolver (RD=1), and with
 * `follow_cname: true` a CNAME chain is followed on each server, one round of
 * questions per link, to the records it ends at. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "names.h"
#include "dns.h"
#include "rules.h"
#include "util.h"

static const char *const via_choices[] = {"authoritative", "resolver", NULL};
static const char *const bool_choices[] = {"true", "false", NULL};

static const struct check_param params[] = {
	{"name", PARAM_NAME, 1, NULL, "owner name"},
	{"type", PARAM_RRTYPE, 1, NULL, "record type"},
	{"expect", PARAM_STRINGS, 0, NULL, "the exact set of values (default: any, but it must exist)"},
	{"via", PARAM_ENUM, 0, via_choices,
	 "authoritative (default: every server of the zone) or resolver (the embedded resolver, or "
	 "--resolver)"},
	{"resolvers", PARAM_STRINGS, 0, NULL,
	 "recursive resolvers (ADDR[#PORT]) to ask directly, each judged on its own"},
	{"follow_cname", PARAM_ENUM, 0, bool_choices,
	 "true: follow a CNAME chain on each server and judge the records at its end"},
	{NULL, 0, 0, NULL, NULL},
};

/* Links of a CNAME chain followed on the servers at most: the audit's limit
 * on rounds of questions (16) stops such a chain first, with a finding; this
 * bounds the names remembered per server. (A chain inside one resolver
 * answer is walked by answer_chain_end().) */
#define CHAIN_MAX 32

/* Where one server stands on the chain. */
struct chase {
	const char *name; /* the name asked last */
	int hops;
	const char *seen[CHAIN_MAX]; /* the names asked, to tell a loop */
	const char *problem;	     /* why the chain could not be followed, or NULL */
	int loop;		     /* it loops: reported as check.cname-loop */
};

struct record_questions {
	const char *name;
	ldns_rr_type type;
	int via_resolver;
	int follow;
	const struct ns_server **targets; /* the zone's servers, or the given resolvers */
	size_t n_targets;
	int recursive; /* targets are resolvers: ask with RD=1 */
	struct chase *chase;
};

static int param_true(struct check_ctx *ctx, const char *key)
{
	const char *v = ctx_param_str(ctx, key);
	return v && strcmp(v, "true") == 0;
}

static int resolver_only(const struct rule *rule)
{
	const struct rule_value *via = rule_param(rule, "via");
	return rule_param(rule, "resolvers") || (via && via->str && strcmp(via->str, "resolver") == 0);
}

static const struct answer *answer_at(struct check_ctx *ctx, const struct record_questions *p, size_t i,
				      const char *name)
{
	return p->recursive ? ctx_answer_recursive(ctx, p->targets[i], name, p->type)
			    : ctx_answer(ctx, p->targets[i], name, p->type);
}

static void ask_at(struct check_ctx *ctx, const struct record_questions *p, size_t i, const char *name)
{
	if (p->recursive)
		ctx_ask_recursive(ctx, p->targets[i], name, p->type);
	else
		ctx_ask(ctx, p->targets[i], name, p->type);
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct arena *a = ctx_arena(ctx);
	struct record_questions *p = arena_alloc(a, sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->name = ctx_name(ctx, ctx_param_str(ctx, "name"));
	if (!p->name) {
		const char *given = ctx_param_str(ctx, "name");
		const char *why = given ? name_fault(a, given) : NULL;
		ctx_finding(ctx, CODE_CHECK_NO_DATA, given, NULL, NULL, NULL, "'%s' is not a valid name%s%s",
			    given, why ? ": " : "", why ? why : "");
		return -1;
	}
	p->type = ldns_get_rr_type_by_name(ctx_param_str(ctx, "type"));
	p->follow = param_true(ctx, "follow_cname");
	const char **resolvers;
	size_t n_resolvers = ctx_param_list(ctx, "resolvers", &resolvers);
	if (n_resolvers) {
		p->recursive = 1;
		p->targets = arena_alloc(a, (n_resolvers + 1) * sizeof(*p->targets));
		for (size_t i = 0; i < n_resolvers; i++) {
			struct sockaddr_storage ss;
			socklen_t len;
			if (dns_addr_parse(resolvers[i], &ss, &len) != 0) {
				ctx_finding(ctx, CODE_CHECK_NO_DATA, resolvers[i], NULL, "ADDR[#PORT]",
					    resolvers[i], "'%s' is not a resolver address (want ADDR[#PORT])",
					    resolvers[i]);
				return -1;
			}
			p->targets[p->n_targets++] =
				ctx_add_server(ctx, NULL, (struct sockaddr *)&ss, len, 0);
		}
	} else if (resolver_only(rule)) {
		p->via_resolver = 1;
		ctx_lookup(ctx, p->name, p->type);
	} else {
		size_t n;
		const struct ns_server *servers = ctx_servers(ctx, &n);
		p->targets = arena_alloc(a, (n + 1) * sizeof(*p->targets));
		for (size_t i = 0; i < n; i++)
			p->targets[p->n_targets++] = &servers[i];
	}
	p->chase = arena_alloc(a, (p->n_targets + 1) * sizeof(*p->chase));
	for (size_t i = 0; i < p->n_targets; i++) {
		p->chase[i].name = p->name;
		p->chase[i].hops = 0;
		p->chase[i].problem = NULL;
		p->chase[i].loop = 0;
		ask_at(ctx, p, i, p->name);
	}
	*ctx_state(ctx) = p;
	return 0;
}

/* Follow each server's chain one link further. Returns 1 when a question was
 * asked (judge again), 0 when every chain has ended. */
static int chase_step(struct check_ctx *ctx, struct record_questions *p)
{
	int asked = 0;
	for (size_t i = 0; i < p->n_targets; i++) {
		struct chase *c = &p->chase[i];
		const struct answer *a = answer_at(ctx, p, i, c->name);
		if (c->problem || answer_problem(ctx, a))
			continue;
		const char *next = answer_cname_target(ctx, a, c->name, p->type);
		if (!next)
			continue;
		int loop = strcmp(next, p->name) == 0;
		for (int k = 0; k < c->hops && !loop; k++)
			loop = strcmp(next, c->seen[k]) == 0;
		if (loop) {
			struct strbuf sb = STRBUF_INIT;
			sb_addf(&sb, "%s", name_display(ctx, p->name));
			for (int k = 0; k < c->hops; k++)
				sb_addf(&sb, " -> %s", name_display(ctx, c->seen[k]));
			sb_addf(&sb, " -> %s", name_display(ctx, next));
			cname_loop_finding(ctx, p->name, sb.buf);
			sb_release(&sb);
			c->problem = ANSWER_CNAME_LOOP;
			c->loop = 1;
			continue;
		}
		if (c->hops == CHAIN_MAX) {
			c->problem = arena_printf(ctx_arena(ctx), "a CNAME chain of more than %d links",
						  CHAIN_MAX);
			continue;
		}
		c->seen[c->hops++] = next;
		c->name = next;
		ask_at(ctx, p, i, next);
		asked = 1;
	}
	return asked;
}

/* The resolver's answer as one server's: its records, with the CNAME chain
 * the resolver followed, as a value at name; NULL when the chain loops (a
 * finding says so). */
static const char *resolved_rdata(struct check_ctx *ctx, const ldns_pkt *pkt, const char *name,
				  ldns_rr_type type)
{
	struct answer a = {0, (ldns_pkt *)pkt, 0, 0};
	const char *end = answer_chain_end(ctx, &a, name, type);
	return end ? answer_rdata(ctx, &a, end, type) : NULL;
}

static int judge_resolver(struct check_ctx *ctx, struct record_questions *p, const char *subject,
			  const char *expected)
{
	const struct resolver_result *res = ctx_lookup_result(ctx, p->name, p->type);
	if (!res || res->err || !res->pkt) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, expected, NULL,
			    "the resolver could not look up %s: %s", subject,
			    res && res->err ? res->err : "no answer");
		return 0;
	}
	const char *got =
		res->rcode == LDNS_RCODE_NXDOMAIN ? "" : resolved_rdata(ctx, res->pkt, p->name, p->type);
	if (!got)
		return 0; /* a CNAME loop, reported */
	if (expected && strcmp(expected, got) != 0)
		ctx_finding(ctx, CODE_RECORD_MISMATCH, subject, NULL, expected, *got ? got : "(none)",
			    "the resolver has %s for %s, expected %s", *got ? got : "no such record", subject,
			    expected);
	else if (!*got)
		ctx_finding(ctx, CODE_RECORD_MISSING, subject, NULL, "a record", "(none)",
			    "%s does not exist (through the resolver)", subject);
	else
		ctx_finding(ctx, CODE_RECORD_OK, subject, NULL, expected, got,
			    "%s is %s through the resolver", subject, got);
	return 0;
}

/* The canonical set of values the rule expects, in *expected; NULL when it
 * expects none (any value, but one must exist). Returns 0, or -1 after a
 * finding when a value does not parse as the type's data. */
static int expected_values(struct check_ctx *ctx, const struct record_questions *p, const char *subject,
			   const char **expected)
{
	const char **values;
	size_t n_values = ctx_param_list(ctx, "expect", &values);
	*expected = NULL;
	if (n_values == 0)
		return 0;
	const char *bad;
	*expected = values_canonical(ctx, p->type, values, n_values, &bad);
	if (*expected)
		return 0;
	ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, bad,
		    "expected value '%s' is not valid %s data", bad, type_name(ctx, p->type));
	return -1;
}

/* Why a target's answer cannot be used, or NULL: answer_problem(), but a
 * resolver's answer need not be authoritative. */
static const char *target_problem(struct check_ctx *ctx, const struct record_questions *p,
				  const struct answer *a)
{
	const char *problem = answer_problem(ctx, a);
	/* A resolver's answer is not authoritative (AA=0), and is not
	 * asked to be; what counts is that it answered. */
	if (p->recursive && a && !a->err && problem && !ldns_pkt_aa(a->pkt) &&
	    (ldns_pkt_get_rcode(a->pkt) == LDNS_RCODE_NOERROR ||
	     ldns_pkt_get_rcode(a->pkt) == LDNS_RCODE_NXDOMAIN))
		problem = NULL;
	return problem;
}

/* Judge what target i holds against the expected values (NULL: any, but
 * some). Sets *got to what it holds; NULL when it gave no answer to judge.
 * Returns the number of problems. */
static int judge_target(struct check_ctx *ctx, struct record_questions *p, size_t i, const char *subject,
			const char *expected, const char **got)
{
	const struct ns_server *server = p->targets[i];
	const struct answer *a = answer_at(ctx, p, i, p->chase[i].name);
	const char *problem = target_problem(ctx, p, a);
	*got = NULL;
	if (problem && strcmp(problem, ANSWER_CNAME_LOOP) == 0)
		return 1; /* a finding of its own (check.cname-loop) */
	if (problem && p->chase[i].hops > 0) {
		p->chase[i].problem = arena_printf(ctx_arena(ctx), "%s answered %s for %s", server->label,
						   problem, name_display(ctx, p->chase[i].name));
	} else if (problem && p->recursive) {
		/* A resolver the user named that does not answer is a finding;
		 * a zone's server that does not is the ns check's. */
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, server, NULL, problem,
			    "the resolver %s could not be asked for %s: %s", server->label, subject, problem);
		return 1;
	} else if (problem) {
		return 0;
	}
	if (p->chase[i].loop)
		return 1;
	if (p->chase[i].problem) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, server, NULL, NULL,
			    "%s was not followed to its end on this server: %s", subject,
			    p->chase[i].problem);
		return 1;
	}
	const char *holds = p->recursive ? resolved_rdata(ctx, a->pkt, p->name, p->type)
					 : answer_rdata(ctx, a, p->chase[i].name, p->type);
	if (!holds)
		return 1; /* a CNAME loop, reported */
	*got = holds;
	if (expected && strcmp(expected, holds) != 0) {
		ctx_finding(ctx, CODE_RECORD_MISMATCH, subject, server, expected, *holds ? holds : "(none)",
			    "%s has %s, expected %s", subject, *holds ? holds : "no such record", expected);
		return 1;
	}
	if (!expected && !*holds) {
		ctx_finding(ctx, CODE_RECORD_MISSING, subject, server, "a record", "(none)",
			    "%s does not exist", subject);
		return 1;
	}
	return 0;
}

/* A finding that the targets disagree, with what each holds (got[i], NULL
 * for those that gave no answer). */
static void inconsistent_finding(struct check_ctx *ctx, const struct record_questions *p, const char *subject,
				 const char *const *got)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < p->n_targets; i++)
		if (got[i])
			sb_addf(&sb, "%s%s on %s", sb.len ? "; " : "", *got[i] ? got[i] : "(none)",
				p->targets[i]->label);
	char *actual = sb_detach(&sb);
	ctx_finding(ctx, CODE_RECORD_INCONSISTENT, subject, NULL, "the same data everywhere", actual,
		    p->recursive ? "resolvers disagree on %s: clients get different answers depending on "
				   "their resolver"
				 : "servers disagree on %s: resolvers get different answers depending on the "
				   "server",
		    subject);
	free(actual);
}

/* Judge what every target (server or resolver) holds: each against the
 * expected values, and all against each other. */
static void judge_targets(struct check_ctx *ctx, struct record_questions *p, const char *subject,
			  const char *expected)
{
	const char **got = arena_alloc(ctx_arena(ctx), (p->n_targets + 1) * sizeof(char *));
	const char *first = NULL;
	size_t answered = 0, problems = 0;
	int differ = 0;
	for (size_t i = 0; i < p->n_targets; i++) {
		problems += judge_target(ctx, p, i, subject, expected, &got[i]);
		if (!got[i])
			continue;
		answered++;
		if (!first)
			first = got[i];
		else if (strcmp(first, got[i]) != 0)
			differ = 1;
	}
	if (answered == 0) {
		if (problems == 0)
			ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, expected, NULL,
				    p->recursive ? "no resolver answered for %s"
						 : "no server answered authoritatively for %s",
				    subject);
		return;
	}
	if (differ) {
		inconsistent_finding(ctx, p, subject, got);
		problems++;
	}
	if (problems == 0)
		ctx_finding(ctx, CODE_RECORD_OK, subject, NULL, expected, first, "%s is %s on %zu %s%s",
			    subject, first, answered, p->recursive ? "resolver" : "server",
			    answered == 1 ? "" : "s");
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct record_questions *p = *ctx_state(ctx);
	const char *subject = subject_of(ctx, p->name, p->type);
	const char *expected;
	if (expected_values(ctx, p, subject, &expected) < 0)
		return 0;
	if (p->via_resolver)
		return judge_resolver(ctx, p, subject, expected);
	/* A resolver follows the chain itself; a server of the zone is asked
	 * link by link. */
	if (p->follow && !p->recursive && chase_step(ctx, p))
		return CHECK_AGAIN;
	judge_targets(ctx, p, subject, expected);
	return 0;
}

const struct check_desc check_record = {
	.name = "record",
	.summary = "a name and type has exactly the expected values on every server (or through resolvers)",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = resolver_only,
};
