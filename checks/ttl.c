/* ttl: the TTL of each listed name and type on every authoritative server,
 * against a maximum (and a minimum), and servers that disagree on it. What
 * caches may hold after a change is bounded by the largest of these; after
 * the move, TTLs lowered for it should be raised again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "names.h"
#include "rules.h"
#include "util.h"
#include "zoneprov.h"

#define DEFAULT_MAX 3600

static const struct check_param params[] = {
	{"names", PARAM_NAMES, 0, NULL, "owner names (default: the apex)"},
	{"types", PARAM_RRTYPES, 0, NULL, "record types (default: A AAAA MX TXT)"},
	{"max", PARAM_UINT, 0, NULL, "largest acceptable TTL, seconds (default 3600)"},
	{"min", PARAM_UINT, 0, NULL, "smallest acceptable TTL, seconds (default: none)"},
	{NULL, 0, 0, NULL, NULL},
};

static const ldns_rr_type default_types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_MX,
					     LDNS_RR_TYPE_TXT};

struct ttl_questions {
	const char **names; /* absolute */
	size_t n_names;
	ldns_rr_type *types;
	size_t n_types;
};

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct arena *a = ctx_arena(ctx);
	struct ttl_questions *p = arena_alloc(a, sizeof(*p));
	const char **names;
	size_t n = ctx_param_list(ctx, "names", &names);
	if (n == 0) {
		names = arena_alloc(a, sizeof(char *));
		names[0] = ctx_zone(ctx);
		n = 1;
	}
	p->names = arena_alloc(a, n * sizeof(char *));
	p->n_names = 0;
	for (size_t i = 0; i < n; i++) {
		const char *canon = ctx_name(ctx, names[i]);
		if (!canon) {
			const char *why = name_fault(a, names[i]);
			ctx_finding(ctx, CODE_CHECK_NO_DATA, names[i], NULL, NULL, NULL,
				    "'%s' is not a valid name%s%s", names[i], why ? ": " : "",
				    why ? why : "");
			continue;
		}
		p->names[p->n_names++] = canon;
	}
	const char **types;
	size_t nt = ctx_param_list(ctx, "types", &types);
	p->types = arena_alloc(a, (nt ? nt : ARRAY_SIZE(default_types)) * sizeof(ldns_rr_type));
	if (nt == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(default_types); i++)
			p->types[i] = default_types[i];
		p->n_types = ARRAY_SIZE(default_types);
	} else {
		for (size_t i = 0; i < nt; i++)
			p->types[i] = ldns_get_rr_type_by_name(types[i]);
		p->n_types = nt;
	}
	for (size_t i = 0; i < p->n_names; i++)
		for (size_t t = 0; t < p->n_types; t++)
			ctx_ask_servers(ctx, p->names[i], p->types[t]);
	/* A max below what some provider accepts is weighed by the zone's
	 * provider: behind vanity name servers only its SOA tells which. */
	if ((long)ctx_param_uint(ctx, "max", DEFAULT_MAX) < provider_highest_minimum() &&
	    !zone_provider_by_ns(ctx))
		ctx_ask_servers(ctx, ctx_zone(ctx), LDNS_RR_TYPE_SOA);
	*ctx_state(ctx) = p;
	return 0;
}

/* The largest TTL of the records owned by name of type (or a CNAME there,
 * whose TTL is what caches hold for the name), or -1 when there are none. */
static long rrset_ttl(const struct answer *a, const char *name, ldns_rr_type type)
{
	long ttl = -1;
	ldns_rr_type kinds[] = {type, LDNS_RR_TYPE_CNAME};
	for (size_t k = 0; k < (type == LDNS_RR_TYPE_CNAME ? 1u : 2u); k++) {
		ldns_rr_list *rrs = answer_rrset(a, name, kinds[k]);
		for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); i++)
			if ((long)ldns_rr_ttl(ldns_rr_list_rr(rrs, i)) > ttl)
				ttl = ldns_rr_ttl(ldns_rr_list_rr(rrs, i));
		if (rrs)
			ldns_rr_list_free(rrs);
	}
	return ttl;
}

/* What every server said about one name and type. */
struct ttl_seen {
	const struct ns_server *servers;
	size_t n;
	long *ttls; /* per server: its TTL, or -1 (no records, no usable answer) */
	long highest, lowest;
	size_t with_data; /* servers with records */
	int answered;	  /* some server answered with authority */
	int looped;	  /* some server's answer is a CNAME loop (reported) */
};

/* Read each server's TTL for name/type into seen; seen->ttls has room for
 * one per server. */
static void read_ttls(struct check_ctx *ctx, const char *name, ldns_rr_type type, struct ttl_seen *seen)
{
	seen->highest = seen->lowest = -1;
	seen->with_data = 0;
	seen->answered = 0;
	seen->looped = 0;
	for (size_t s = 0; s < seen->n; s++) {
		const struct answer *a = ctx_answer(ctx, &seen->servers[s], name, type);
		long ttl = -1;
		const char *problem = answer_problem(ctx, a);
		if (!problem)
			ttl = rrset_ttl(a, name, type);
		if (!problem)
			seen->answered = 1;
		else if (strcmp(problem, ANSWER_CNAME_LOOP) == 0)
			seen->looped = 1; /* answered, and a finding of its own */
		seen->ttls[s] = ttl;
		if (ttl < 0)
			continue;
		seen->with_data++;
		if (ttl > seen->highest)
			seen->highest = ttl;
		if (seen->lowest < 0 || ttl < seen->lowest)
			seen->lowest = ttl;
	}
}

/* The acceptable TTLs: min..max, min 0 when the rule gives none. */
struct ttl_limits {
	unsigned long min, max;
};

/* How long "every N" is, for a message: "5 minutes", "90 s", "2 hours". */
static void interval_text(char *buf, size_t len, long seconds)
{
	if (seconds >= 3600 && seconds % 3600 == 0)
		snprintf(buf, len, "%ld hour%s", seconds / 3600, seconds == 3600 ? "" : "s");
	else if (seconds >= 60 && seconds % 60 == 0)
		snprintf(buf, len, "%ld minute%s", seconds / 60, seconds == 60 ? "" : "s");
	else
		snprintf(buf, len, "%ld s", seconds);
}

/* A finding for each server whose TTL is above max or below min. Returns
 * how many. */
static size_t judge_limits(struct check_ctx *ctx, const char *subject, const struct ttl_seen *seen,
			   const struct ttl_limits *lim)
{
	size_t outside = 0;
	for (size_t s = 0; s < seen->n; s++) {
		long ttl = seen->ttls[s];
		char expected[24], actual[24], every[32];
		if (ttl < 0 || ((unsigned long)ttl <= lim->max && (unsigned long)ttl >= lim->min))
			continue;
		snprintf(actual, sizeof(actual), "%ld", ttl);
		if ((unsigned long)ttl > lim->max) {
			snprintf(expected, sizeof(expected), "<= %lu", lim->max);
			ctx_finding(ctx, CODE_TTL_TOO_HIGH, subject, &seen->servers[s], expected, actual,
				    "TTL %ld is above %lu: caches may keep the old value %s after a change",
				    ttl, lim->max, ttl >= 7200 ? "for hours" : "too long");
		} else {
			snprintf(expected, sizeof(expected), ">= %lu", lim->min);
			interval_text(every, sizeof(every), ttl);
			ctx_finding(
				ctx, CODE_TTL_TOO_LOW, subject, &seen->servers[s], expected, actual,
				"TTL %ld is below %lu: resolvers ask again every %s; a TTL lowered for the "
				"move and never raised again is a common oversight",
				ttl, lim->min, every);
		}
		outside++;
	}
	return outside;
}

/* A finding when the servers do not all give the same TTL. */
static void judge_agreement(struct check_ctx *ctx, const char *subject, const struct ttl_seen *seen)
{
	if (seen->highest == seen->lowest)
		return;
	struct strbuf sb = STRBUF_INIT;
	for (size_t s = 0; s < seen->n; s++)
		if (seen->ttls[s] >= 0)
			sb_addf(&sb, "%s%ld on %s", sb.len ? ", " : "", seen->ttls[s],
				seen->servers[s].label);
	char *actual = sb_detach(&sb);
	ctx_finding(ctx, CODE_TTL_INCONSISTENT, subject, NULL, "the same TTL everywhere", actual,
		    "servers disagree on the TTL (%ld to %ld): some have not loaded the change", seen->lowest,
		    seen->highest);
	free(actual);
}

/* Judge the TTL of name/type on every server. Sets *answered when a server
 * answered with authority. Returns whether any server has such records. */
static int judge_rrset(struct check_ctx *ctx, struct ttl_seen *seen, const char *name, ldns_rr_type type,
		       const struct ttl_limits *lim, int *answered)
{
	const char *subject = subject_of(ctx, name, type);
	read_ttls(ctx, name, type, seen);
	if (seen->answered || seen->looped)
		*answered = 1;
	if (seen->looped)
		return 1; /* nothing to judge, and not "no records" */
	if (seen->with_data == 0)
		return 0;
	size_t outside = judge_limits(ctx, subject, seen, lim);
	judge_agreement(ctx, subject, seen);
	if (outside == 0) {
		char actual[24], within[48];
		snprintf(actual, sizeof(actual), "%ld", seen->highest);
		if (lim->min > 0)
			snprintf(within, sizeof(within), "%lu <= TTL %ld <= %lu", lim->min, seen->lowest,
				 lim->max);
		else
			snprintf(within, sizeof(within), "TTL %ld <= %lu", seen->highest, lim->max);
		ctx_finding(ctx, CODE_TTL_OK, subject, NULL, NULL, actual, "%s on %zu server%s", within,
			    seen->with_data, seen->with_data == 1 ? "" : "s");
	}
	return 1;
}

/* Judge every type asked for name. Returns whether a server answered for it
 * with authority. */
static int judge_name(struct check_ctx *ctx, const struct ttl_questions *p, struct ttl_seen *seen,
		      const char *name, const struct ttl_limits *lim)
{
	int found_any = 0, answered = 0;
	for (size_t t = 0; t < p->n_types; t++)
		if (judge_rrset(ctx, seen, name, p->types[t], lim, &answered))
			found_any = 1;
	if (!found_any && answered) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t t = 0; t < p->n_types; t++)
			sb_addf(&sb, "%s%s", t ? " " : "", type_name(ctx, p->types[t]));
		char *types = sb_detach(&sb);
		ctx_finding(ctx, CODE_TTL_NO_RECORDS, name_display(ctx, name), NULL, types, "none",
			    "%s has none of %s: nothing to judge", name_display(ctx, name), types);
		free(types);
	}
	return answered;
}

/* A max below the lowest TTL the zone's provider accepts asks for what
 * cannot be set there: say so (ttl.provider-minimum, info) and judge the
 * records against the provider's minimum instead. */
static void provider_limit(struct check_ctx *ctx, struct ttl_limits *lim)
{
	struct provider_match m;
	if ((long)lim->max >= provider_highest_minimum())
		return; /* every provider accepts it */
	const struct provider *pv = zone_provider(ctx, &m);
	if (!pv || pv->min_ttl == PROVIDER_TTL_UNKNOWN || (long)lim->max >= pv->min_ttl)
		return;
	char expected[24], actual[80];
	snprintf(expected, sizeof(expected), "<= %lu", lim->max);
	snprintf(actual, sizeof(actual), ">= %ld at %s", pv->min_ttl, pv->name);
	ctx_finding(ctx, CODE_TTL_PROVIDER_MINIMUM, ctx_domain(ctx), NULL, expected, actual,
		    "max %lu is below %s, the lowest TTL %s accepts: %s is at %s, recognised by %s; the "
		    "records are judged against %ld, the lowest TTL that can be set there (source of the "
		    "minimum: %s)",
		    lim->max, zone_provider_minimum_text(ctx, pv), pv->name, name_display(ctx, ctx_zone(ctx)),
		    pv->name, zone_provider_how(ctx, &m), pv->min_ttl, pv->source);
	lim->max = (unsigned long)pv->min_ttl;
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct ttl_questions *p = *ctx_state(ctx);
	struct ttl_limits lim = {ctx_param_uint(ctx, "min", 0), ctx_param_uint(ctx, "max", DEFAULT_MAX)};
	provider_limit(ctx, &lim);
	struct ttl_seen seen;
	seen.servers = ctx_servers(ctx, &seen.n);
	seen.ttls = arena_alloc(ctx_arena(ctx), (seen.n + 1) * sizeof(long));
	int answered_any = 0;
	for (size_t i = 0; i < p->n_names; i++)
		if (judge_name(ctx, p, &seen, p->names[i], &lim))
			answered_any = 1;
	if (!answered_any)
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ctx_domain(ctx), NULL, NULL, NULL,
			    "no server answered authoritatively: TTLs unknown");
	return 0;
}

/* A minimum above the maximum (given, or the default) lets no TTL pass. */
static int validate(const struct rule *rule, const struct rule_value **at, char *err, size_t errlen)
{
	const struct rule_value *min = rule_param(rule, "min"), *max = rule_param(rule, "max");
	unsigned long lo, hi = DEFAULT_MAX;
	*at = NULL;
	if (!min || parse_ulong(min->str, 0, 0xFFFFFFFFul, &lo) != 0)
		return 0;
	if (max && parse_ulong(max->str, 0, 0xFFFFFFFFul, &hi) != 0)
		return 0;
	if (lo <= hi)
		return 0;
	*at = min;
	snprintf(err, errlen, "'min' %lu is above %s'max' %lu: no TTL can pass%s", lo,
		 max ? "" : "the default ", hi, max ? "" : " (set 'max' too)");
	return -1;
}

const struct check_desc check_ttl = {
	.name = "ttl",
	.summary = "TTL of each listed name and type on every server, between a minimum and a maximum",
	.params = params,
	.ask = ask,
	.judge = judge,
	.validate = validate,
};
