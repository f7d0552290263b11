/* ns: delegation health. The parent's NS set against the one the zone
 * publishes, and its glue against the addresses the zone gives its own name
 * servers; every server answers authoritatively (else lame) or at all (else
 * unreachable); and servers of a previous provider, named in `previous`, no
 * longer serve the zone with data that differs from the current servers. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "names.h"
#include "util.h"
#include "zoneprov.h"

static const struct check_param params[] = {
	{"previous", PARAM_NAMES, 0, NULL, "servers (names or addresses) that must stop serving the zone"},
	{NULL, 0, 0, NULL, NULL},
};

/* The most NS names inside the zone whose addresses are asked of every
 * server and compared with the glue (two questions per name and server: a
 * delegation to thousands of names would otherwise ask millions). */
#define GLUE_NAMES_MAX 16
/* The most NS names a finding's message lists. */
#define NAMES_SHOWN_MAX 16

/* Apex data compared between the current and the previous servers. */
static const ldns_rr_type compared[] = {LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA,
					LDNS_RR_TYPE_MX};

struct previous {
	const char *given; /* as the user wrote it */
	const char *name;  /* absolute host name, or NULL for an address */
	const struct ns_server **servers;
	size_t n_servers;
};

struct ns_state {
	struct previous *prev;
	size_t n_prev;
};

static void ask_previous(struct check_ctx *ctx, struct previous *pv, const struct ns_server *s)
{
	pv->servers[pv->n_servers++] = s;
	for (size_t t = 0; t < ARRAY_SIZE(compared); t++)
		ctx_ask(ctx, s, ctx_zone(ctx), compared[t]);
}

/* The parent's NS names inside the zone whose glue is compared with the
 * addresses the zone gives them: the first GLUE_NAMES_MAX in name order.
 * Returns how many (*names, from the arena); *total counts them all. */
static size_t glue_names(struct check_ctx *ctx, const char ***names, size_t *total)
{
	const struct delegation *d = ctx_delegation(ctx);
	const char **v = arena_alloc(ctx_arena(ctx), (GLUE_NAMES_MAX + 1) * sizeof(char *));
	size_t n = 0;
	*total = 0;
	for (size_t i = 0; i < d->n_parent_ns; i++) {
		if (!name_is_under(d->parent_ns[i], ctx_zone(ctx)))
			continue;
		if (n < GLUE_NAMES_MAX)
			v[n++] = d->parent_ns[i];
		(*total)++;
	}
	*names = v;
	return n;
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct arena *a = ctx_arena(ctx);
	const char *zone = ctx_zone(ctx);
	ctx_ask_servers(ctx, zone, LDNS_RR_TYPE_SOA);
	ctx_ask_servers(ctx, zone, LDNS_RR_TYPE_NS);
	/* The addresses the zone gives its own name servers, against the glue. */
	const char **names;
	size_t total, n = glue_names(ctx, &names, &total);
	for (size_t i = 0; i < n; i++) {
		ctx_ask_servers(ctx, names[i], LDNS_RR_TYPE_A);
		ctx_ask_servers(ctx, names[i], LDNS_RR_TYPE_AAAA);
	}

	struct ns_state *st = arena_alloc(a, sizeof(*st));
	const char **given;
	st->n_prev = ctx_param_list(ctx, "previous", &given);
	st->prev = arena_alloc(a, (st->n_prev + 1) * sizeof(*st->prev));
	for (size_t i = 0; i < st->n_prev; i++) {
		struct previous *pv = &st->prev[i];
		memset(pv, 0, sizeof(*pv));
		pv->given = given[i];
		pv->servers = arena_alloc(a, 16 * sizeof(*pv->servers));
		struct sockaddr_storage ss;
		socklen_t len;
		if (dns_addr_parse(given[i], &ss, &len) == 0) {
			ask_previous(ctx, pv,
				     ctx_add_server(ctx, NULL, (struct sockaddr *)&ss, len, SERVER_PREVIOUS));
			continue;
		}
		pv->name = ctx_name(ctx, given[i]);
		if (!pv->name) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, given[i], NULL, "a host name or an address",
				    given[i],
				    "previous server '%s' is neither a host name nor an address: not checked",
				    given[i]);
			continue;
		}
		/* Compare the current data with the previous servers' once
		 * their addresses are known (judge, round 0). */
		ctx_lookup(ctx, pv->name, LDNS_RR_TYPE_A);
		ctx_lookup(ctx, pv->name, LDNS_RR_TYPE_AAAA);
	}
	/* What the previous servers serve is compared with what the current
	 * ones serve, so ask the current ones the same questions. */
	if (st->n_prev)
		for (size_t t = 0; t < ARRAY_SIZE(compared); t++)
			ctx_ask_servers(ctx, zone, compared[t]);
	*ctx_state(ctx) = st;
	return 0;
}

/* Ask the previous servers known by name, once their addresses are in.
 * Returns whether anything was asked. */
static int ask_previous_by_name(struct check_ctx *ctx, struct ns_state *st)
{
	int asked = 0;
	for (size_t i = 0; i < st->n_prev; i++) {
		struct previous *pv = &st->prev[i];
		if (!pv->name)
			continue;
		ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
		for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
			const struct resolver_result *res = ctx_lookup_result(ctx, pv->name, types[t]);
			if (!res || !res->pkt)
				continue;
			ldns_rr_list *ans = ldns_pkt_answer(res->pkt);
			for (size_t k = 0; k < ldns_rr_list_rr_count(ans) && pv->n_servers < 16; k++) {
				ldns_rr *rr = ldns_rr_list_rr(ans, k);
				struct sockaddr_storage ss;
				socklen_t len;
				if (ldns_rr_get_type(rr) != types[t] || dns_rr_addr(rr, &ss, &len) != 0)
					continue;
				ask_previous(ctx, pv,
					     ctx_add_server(ctx, pv->name, (struct sockaddr *)&ss, len,
							    SERVER_PREVIOUS));
				asked = 1;
			}
		}
	}
	return asked;
}

/* names for a message, space-separated: the first NAMES_SHOWN_MAX, then how
 * many more. */
static const char *join(struct check_ctx *ctx, const char *const *names, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n && i < NAMES_SHOWN_MAX; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", name_display(ctx, names[i]));
	if (n > NAMES_SHOWN_MAX)
		sb_addf(&sb, " and %zu more", n - NAMES_SHOWN_MAX);
	char *s = sb_detach(&sb);
	const char *out = arena_strdup(ctx_arena(ctx), s);
	free(s);
	return out;
}

/* A server finding's subject: its host name, or its address when it has none. */
static const char *server_subject(struct check_ctx *ctx, const struct ns_server *s)
{
	return s->name ? name_display(ctx, s->name) : s->addr_text;
}

/* Whether server is one of the zone's current servers (by name or address). */
static int is_current(struct check_ctx *ctx, const struct ns_server *s, const struct previous *pv)
{
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	for (size_t i = 0; i < n; i++) {
		if (pv->name && servers[i].name && strcmp(pv->name, servers[i].name) == 0)
			return 1;
		if (strcmp(servers[i].addr_text, s->addr_text) == 0)
			return 1;
	}
	return 0;
}

/* What an answer holds at the apex for type, in a form two servers can be
 * compared by: the serial for an SOA (its other fields change with it), the
 * record data otherwise; NULL when the answer is not authoritative. */
static const char *apex_data(struct check_ctx *ctx, const struct answer *a, ldns_rr_type type)
{
	if (!a || answer_problem(ctx, a))
		return NULL;
	if (type != LDNS_RR_TYPE_SOA)
		return answer_rdata(ctx, a, ctx_zone(ctx), type);
	ldns_rr_list *rrs = answer_rrset(a, ctx_zone(ctx), LDNS_RR_TYPE_SOA);
	if (!rrs)
		return "";
	const ldns_rdf *rd = ldns_rr_rdf(ldns_rr_list_rr(rrs, 0), 2);
	const char *out = arena_printf(ctx_arena(ctx), "serial %u", rd ? ldns_rdf2native_int32(rd) : 0);
	ldns_rr_list_free(rrs);
	return out;
}

/* The current servers' apex data for type, from the first one that
 * answered authoritatively; NULL when none did. */
static const char *current_data(struct check_ctx *ctx, ldns_rr_type type)
{
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	for (size_t i = 0; i < n; i++) {
		const char *data = apex_data(ctx, ctx_answer(ctx, &servers[i], ctx_zone(ctx), type), type);
		if (data)
			return data;
	}
	return NULL;
}

/* Add "TYPE value" to a list of differences ("A 192.0.2.1; AAAA (none)"). */
static void add_difference(struct strbuf *sb, const char *type, const char *value)
{
	sb_addf(sb, "%s%s %s", sb->len ? "; " : "", type, *value ? value : "(none)");
}

/* Where previous server s serves apex data that differs from the current
 * servers' (current[], one per compared type): each pair to want and got. */
static void apex_differences(struct check_ctx *ctx, const struct ns_server *s, const char *const *current,
			     struct strbuf *want, struct strbuf *got)
{
	for (size_t t = 0; t < ARRAY_SIZE(compared); t++) {
		const char *old = apex_data(ctx, ctx_answer(ctx, s, ctx_zone(ctx), compared[t]), compared[t]);
		if (!current[t] || !old || strcmp(current[t], old) == 0)
			continue;
		const char *tn = type_name(ctx, compared[t]);
		add_difference(want, tn, current[t]);
		add_difference(got, tn, old);
	}
}

/* Judge one server of a previous provider against the current data (current[],
 * one per compared type); *serving counts one that still answers with the
 * same data. Returns the number of problems. */
static int judge_previous_server(struct check_ctx *ctx, const struct previous *pv, const struct ns_server *s,
				 const char *const *current, int *serving)
{
	if (is_current(ctx, s, pv)) {
		ctx_finding(ctx, CODE_NS_PREVIOUS_DELEGATED, server_subject(ctx, s), s, "not in the NS set",
			    s->addr_text,
			    "%s is to be retired but its address is one of the current servers'", s->label);
		return 1;
	}
	const char *serial =
		apex_data(ctx, ctx_answer(ctx, s, ctx_zone(ctx), LDNS_RR_TYPE_SOA), LDNS_RR_TYPE_SOA);
	if (!serial || !*serial)
		return 0; /* no longer serves the zone: as wanted */
	int problems = 0;
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	apex_differences(ctx, s, current, &want, &got);
	if (want.len) {
		ctx_finding(ctx, CODE_NS_STALE_AUTHORITY, ctx_domain(ctx), s, want.buf, got.buf,
			    "%s still answers for %s with old data: resolvers that cached its "
			    "delegation get stale answers",
			    s->label, ctx_domain(ctx));
		problems++;
	} else {
		(*serving)++;
		ctx_finding(ctx, CODE_NS_PREVIOUS_SERVING, ctx_domain(ctx), s, "no answer for the zone",
			    "identical data",
			    "%s still answers for %s, with the same data as the current servers; "
			    "remove the zone there before the data changes",
			    s->label, ctx_domain(ctx));
	}
	sb_release(&want);
	sb_release(&got);
	return problems;
}

/* Judge the previous servers; *serving counts those that still answer with
 * the same data (not a problem yet). Returns the number of problems. */
static int judge_previous(struct check_ctx *ctx, struct ns_state *st, int *serving)
{
	int problems = 0;
	*serving = 0;
	const struct delegation *d = ctx_delegation(ctx);
	const char *current[ARRAY_SIZE(compared)];
	for (size_t t = 0; t < ARRAY_SIZE(compared); t++)
		current[t] = current_data(ctx, compared[t]);
	for (size_t i = 0; i < st->n_prev; i++) {
		struct previous *pv = &st->prev[i];
		if (pv->name && (str_in(d->parent_ns, d->n_parent_ns, pv->name) ||
				 str_in(d->child_ns, d->n_child_ns, pv->name))) {
			ctx_finding(ctx, CODE_NS_PREVIOUS_DELEGATED, name_display(ctx, pv->name), NULL,
				    "not in the NS set", join(ctx, d->parent_ns, d->n_parent_ns),
				    "%s is to be retired but is still a name server of %s",
				    name_display(ctx, pv->name), ctx_domain(ctx));
			problems++;
			continue;
		}
		for (size_t k = 0; k < pv->n_servers; k++)
			problems += judge_previous_server(ctx, pv, pv->servers[k], current, serving);
	}
	return problems;
}

/* The addresses of type the zone itself serves for name server ns (from the
 * first server that answers with authority), or NULL when none answered. */
static const char *zone_addresses(struct check_ctx *ctx, const char *ns, ldns_rr_type type)
{
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	for (size_t k = 0; k < n; k++) {
		const struct answer *a = ctx_answer(ctx, &servers[k], ns, type);
		if (a && !answer_problem(ctx, a))
			return answer_rdata(ctx, a, ns, type);
	}
	return NULL;
}

/* The glue of type the parent gives for ns, in the same form; "" when none,
 * NULL when an address does not parse. */
static const char *glue_addresses(struct check_ctx *ctx, const char *ns, ldns_rr_type type)
{
	const struct delegation *d = ctx_delegation(ctx);
	const char **glue = arena_alloc(ctx_arena(ctx), (d->n_glue + 1) * sizeof(char *));
	size_t n_glue = 0;
	for (size_t g = 0; g < d->n_glue; g++)
		if (strcmp(d->glue[g].name, ns) == 0 &&
		    (strchr(d->glue[g].address, ':') != NULL) == (type == LDNS_RR_TYPE_AAAA))
			glue[n_glue++] = d->glue[g].address;
	const char *bad;
	return n_glue ? values_canonical(ctx, type, glue, n_glue, &bad) : "";
}

/* The glue the parent gives for each name server inside the zone against
 * the addresses the zone itself serves for it (the first GLUE_NAMES_MAX, and
 * a finding says so when there are more). Returns the number of problems. */
static int judge_glue(struct check_ctx *ctx)
{
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
	int problems = 0;
	const char **names;
	size_t total, n = glue_names(ctx, &names, &total);
	if (total > n) {
		char expected[24], actual[24];
		snprintf(expected, sizeof(expected), "<= %d", GLUE_NAMES_MAX);
		snprintf(actual, sizeof(actual), "%zu", total);
		ctx_finding(ctx, CODE_NS_TOO_MANY, ctx_domain(ctx), NULL, expected, actual,
			    "%zu name servers of %s are inside the zone: the glue of the first %d only, in "
			    "name order, was compared with the addresses the zone gives them",
			    total, ctx_domain(ctx), GLUE_NAMES_MAX);
		problems++;
	}
	for (size_t i = 0; i < n; i++) {
		const char *ns = names[i];
		struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
		for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
			const char *zone_has = zone_addresses(ctx, ns, types[t]);
			if (!zone_has)
				continue; /* nobody answered: lame or unreachable says so */
			const char *parent_has = glue_addresses(ctx, ns, types[t]);
			/* No glue of the type is missing glue, not wrong glue: a
			 * parent's server that serves the child too answers as the
			 * child, and with minimal responses gives no addresses. */
			if (parent_has && *parent_has && strcmp(parent_has, zone_has) != 0) {
				const char *tn = type_name(ctx, types[t]);
				add_difference(&want, tn, zone_has);
				add_difference(&got, tn, parent_has);
			}
		}
		if (want.len && ctx_delegation(ctx)->given) {
			ctx_finding(
				ctx, CODE_NS_GLUE_MISMATCH, name_display(ctx, ns), NULL, want.buf, got.buf,
				"the address given with --ns for %s (%s) is not what the zone says (%s): "
				"delegated with that glue, resolvers would follow it to the wrong address",
				name_display(ctx, ns), got.buf, want.buf);
			problems++;
		} else if (want.len) {
			ctx_finding(ctx, CODE_NS_GLUE_MISMATCH, name_display(ctx, ns), NULL, want.buf,
				    got.buf,
				    "the parent's glue for %s (%s) is not what the zone says (%s): resolvers "
				    "follow the glue, to the wrong address",
				    name_display(ctx, ns), got.buf, want.buf);
			problems++;
		}
		sb_release(&want);
		sb_release(&got);
	}
	return problems;
}

/* Whether the name server ns resolved to addr (one of the zone's servers). */
static int resolves_to(struct check_ctx *ctx, const char *ns, const char *addr)
{
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	for (size_t i = 0; i < n; i++)
		if (servers[i].name && strcmp(servers[i].name, ns) == 0 &&
		    strcmp(servers[i].addr_text, addr) == 0)
			return 1;
	return 0;
}

/* The glue the parent's referral gave for names outside its own zone, which
 * discovery discarded (as resolvers do) and looked up instead: a finding for
 * each name with glue that is not what the name resolves to. Returns how
 * many. */
static int judge_foreign_glue(struct check_ctx *ctx)
{
	const struct delegation *d = ctx_delegation(ctx);
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	const char **given = arena_alloc(ctx_arena(ctx), (d->n_foreign_glue + n + 1) * sizeof(char *));
	const char **resolved = given + d->n_foreign_glue;
	int problems = 0;
	for (size_t g = 0; g < d->n_foreign_glue; g++) {
		const char *ns = d->foreign_glue[g].name;
		int said = 0, differ = 0;
		for (size_t k = 0; k < g && !said; k++)
			said = strcmp(d->foreign_glue[k].name, ns) == 0;
		if (said)
			continue; /* with the first glue of the name */
		size_t n_given = 0, n_resolved = 0;
		for (size_t k = g; k < d->n_foreign_glue; k++) {
			if (strcmp(d->foreign_glue[k].name, ns) != 0)
				continue;
			given[n_given++] = d->foreign_glue[k].address;
			differ |= !resolves_to(ctx, ns, d->foreign_glue[k].address);
		}
		if (!differ)
			continue; /* what the name resolves to anyway: harmless */
		for (size_t i = 0; i < n; i++)
			if (servers[i].name && strcmp(servers[i].name, ns) == 0)
				resolved[n_resolved++] = servers[i].addr_text;
		const char *glue = join_sorted(ctx, given, n_given);
		const char *real = n_resolved ? join_sorted(ctx, resolved, n_resolved) : "(none)";
		ctx_finding(
			ctx, CODE_NS_GLUE_OUT_OF_ZONE, name_display(ctx, ns), NULL, real, glue,
			"the servers of %s give %s the address %s in their referral, but %s is outside %s: "
			"resolvers discard that glue (and so did cutover) and look the name up: %s",
			name_display(ctx, d->parent), name_display(ctx, ns), glue, name_display(ctx, ns),
			name_display(ctx, d->parent), real);
		problems++;
	}
	return problems;
}

/* A finding for each name server with no address. Returns how many. */
static int judge_unresolved(struct check_ctx *ctx)
{
	const struct delegation *d = ctx_delegation(ctx);
	for (size_t i = 0; i < d->n_unresolved; i++) {
		const char *ns = d->unresolved[i];
		/* A server inside the zone it serves, without glue, can only be
		 * found by asking it: say so, it is the fix. */
		int circular = name_is_under(ns, ctx_zone(ctx)) && !delegation_has_glue(d, ns);
		/* A lookup cut short by discovery's budget: say so. */
		const char *late =
			str_in(d->unfinished, d->n_unfinished, ns)
				? arena_printf(ctx_arena(ctx), " %s (its lookup did not finish)", d->late)
				: "";
		ctx_finding(
			ctx, CODE_NS_UNRESOLVABLE, name_display(ctx, ns), NULL, "an address", "(none)",
			"name server %s has no address%s: resolvers cannot use it%s", name_display(ctx, ns),
			late,
			circular ? " (it is inside the zone it serves, and the parent gives no glue for it: "
				   "its address can only be asked of itself)"
				 : "");
	}
	return (int)d->n_unresolved;
}

/* Why an answer to the zone's SOA shows that its server is not
 * authoritative for the zone, or NULL when it is. */
static const char *lame_reason(struct check_ctx *ctx, const struct answer *a)
{
	const char *why = answer_problem(ctx, a);
	if (!why && ldns_pkt_get_rcode(a->pkt) == LDNS_RCODE_NXDOMAIN)
		why = "NXDOMAIN for the zone's own name";
	ldns_rr_list *soa = why ? NULL : answer_rrset(a, ctx_zone(ctx), LDNS_RR_TYPE_SOA);
	if (!why && !soa)
		why = "no SOA record in the answer";
	if (soa)
		ldns_rr_list_free(soa);
	return why;
}

/* What a lame server's answer refers the zone to, when it is a referral
 * ("; it refers the zone to ns2.example.net"), saying when that is one of the
 * zone's own servers: servers that refer the zone to each other are a
 * referral loop no resolver gets out of. "" when it is no referral. */
static const char *referral_note(struct check_ctx *ctx, const struct answer *a)
{
	if (!a || a->err || !a->pkt || ldns_pkt_aa(a->pkt))
		return "";
	const struct delegation *d = ctx_delegation(ctx);
	ldns_rr_list *auth = ldns_pkt_authority(a->pkt);
	const char **to = arena_alloc(ctx_arena(ctx), (ldns_rr_list_rr_count(auth) + 1) * sizeof(char *));
	size_t n = 0;
	int own = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);
		const char *ns = ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS ? rr_name(ctx, rr, 0) : NULL;
		if (!ns)
			continue;
		to[n++] = name_display(ctx, ns);
		own |= str_in(d->parent_ns, d->n_parent_ns, ns) || str_in(d->child_ns, d->n_child_ns, ns);
	}
	if (n == 0)
		return "";
	return arena_printf(ctx_arena(ctx), "; it refers the zone to %s%s", join_sorted(ctx, to, n),
			    own ? ", which the zone is delegated to: a referral loop" : "");
}

enum server_verdict {
	VERDICT_UNCHECKED,     /* not asked, or no route to it from here */
	VERDICT_BROKEN,	       /* unreachable or lame: a problem */
	VERDICT_AUTHORITATIVE, /* answers for the zone with authority */
};

/* Whether server s answers for the zone with authority, from its answer to
 * the zone's SOA; a finding says why when it does not. */
static enum server_verdict judge_server(struct check_ctx *ctx, const struct ns_server *s)
{
	const struct answer *a = ctx_answer(ctx, s, ctx_zone(ctx), LDNS_RR_TYPE_SOA);
	if (!a)
		return VERDICT_UNCHECKED;
	/* No route from here (an IPv6 address on an IPv4-only host) says
	 * nothing about the server: say it was not checked. */
	if (a->err == DNS_ENETWORK) {
		ctx_finding(ctx, CODE_NS_NO_ROUTE, server_subject(ctx, s), s, NULL, dns_strerror(a->err),
			    "%s was not checked: this machine has no route to %s", s->label, s->addr_text);
		return VERDICT_UNCHECKED;
	}
	/* A server that answers with something unparsable did answer:
	 * it is broken for the zone, not out of reach. */
	if (a->err && a->err != DNS_EMALFORMED) {
		ctx_finding(ctx, CODE_NS_UNREACHABLE, server_subject(ctx, s), s, "an answer",
			    dns_strerror(a->err), "%s did not answer: %s", s->label, dns_strerror(a->err));
		return VERDICT_BROKEN;
	}
	const char *why = lame_reason(ctx, a);
	if (why) {
		ctx_finding(ctx, CODE_NS_LAME, server_subject(ctx, s), s, "an authoritative answer (AA, SOA)",
			    why, "%s is listed for %s but is not authoritative for it: %s%s", s->label,
			    ctx_domain(ctx), why, referral_note(ctx, a));
		return VERDICT_BROKEN;
	}
	return VERDICT_AUTHORITATIVE;
}

/* Judge every server of the zone; *good counts those that answer with
 * authority. Returns the number of problems. */
static int judge_servers(struct check_ctx *ctx, size_t *good)
{
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	int problems = 0;
	*good = 0;
	for (size_t i = 0; i < n; i++) {
		enum server_verdict v = judge_server(ctx, &servers[i]);
		if (v == VERDICT_BROKEN)
			problems++;
		else if (v == VERDICT_AUTHORITATIVE)
			(*good)++;
	}
	return problems;
}

/* The NS set an answer publishes at the apex, as absolute names without
 * duplicates, sorted (str_cmp): *names (arena memory) and *n. Returns 0, or
 * -1 when the answer is unusable or has no NS set (a broken server, reported
 * as lame). */
static int published_ns(struct check_ctx *ctx, const struct answer *a, const char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	if (answer_problem(ctx, a))
		return -1;
	ldns_rr_list *rrs = answer_rrset(a, ctx_zone(ctx), LDNS_RR_TYPE_NS);
	if (!rrs)
		return -1;
	size_t m = ldns_rr_list_rr_count(rrs);
	const char **child = arena_alloc(ctx_arena(ctx), (m + 1) * sizeof(char *));
	size_t valid = 0;
	for (size_t k = 0; k < m; k++) {
		const char *name = ctx_name(ctx, rr_rdata(ctx, ldns_rr_list_rr(rrs, k)));
		if (name)
			child[valid++] = name;
	}
	ldns_rr_list_free(rrs);
	/* Sorted, so that duplicates are neighbours and the sets compare in
	 * one pass however many names there are. */
	qsort(child, valid, sizeof(char *), str_cmp);
	size_t uniq = 0;
	for (size_t k = 0; k < valid; k++)
		if (uniq == 0 || strcmp(child[uniq - 1], child[k]) != 0)
			child[uniq++] = child[k];
	*names = child;
	*n = uniq;
	return 0;
}

/* Whether name is in v (sorted by str_cmp, n names). */
static int sorted_has(const char *const *v, size_t n, const char *name)
{
	return n && bsearch(&name, v, n, sizeof(char *), str_cmp) != NULL;
}

/* Whether the child's NS set (sorted, no duplicates) is the parent's (so
 * too). */
static int same_ns_set(const struct delegation *d, const char *const *child, size_t n_child)
{
	int same = n_child == d->n_parent_ns;
	for (size_t k = 0; same && k < n_child; k++)
		same = strcmp(child[k], d->parent_ns[k]) == 0;
	return same;
}

/* How the child's NS set differs from the parent's ("only at the parent: x;
 * only in the zone: y"), from the arena. */
static const char *ns_set_difference(struct check_ctx *ctx, const char *const *child, size_t n_child)
{
	const struct delegation *d = ctx_delegation(ctx);
	struct strbuf diff = STRBUF_INIT;
	for (size_t k = 0; k < d->n_parent_ns; k++)
		if (!sorted_has(child, n_child, d->parent_ns[k]))
			sb_addf(&diff, "%sonly at the parent: %s", diff.len ? "; " : "",
				name_display(ctx, d->parent_ns[k]));
	for (size_t k = 0; k < n_child; k++)
		if (!sorted_has(d->parent_ns, d->n_parent_ns, child[k]))
			sb_addf(&diff, "%sonly in the zone: %s", diff.len ? "; " : "",
				name_display(ctx, child[k]));
	const char *out = arena_strdup(ctx_arena(ctx), diff.buf ? diff.buf : "");
	sb_release(&diff);
	return out;
}

/* The parent's NS set (parent, as displayed) against what each answering
 * server publishes; one finding per different set. Returns the number of
 * problems. */
static int judge_ns_sets(struct check_ctx *ctx, const char *parent)
{
	const struct delegation *d = ctx_delegation(ctx);
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	const char *reported = NULL;
	int problems = 0;
	/* --ns with servers given by address alone: the NS set the parent
	 * would hold is not known, so there is nothing to compare. */
	if (d->given && d->given_unnamed)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct answer *a = ctx_answer(ctx, &servers[i], ctx_zone(ctx), LDNS_RR_TYPE_NS);
		const char **child;
		size_t n_child;
		if (published_ns(ctx, a, &child, &n_child) < 0 || same_ns_set(d, child, n_child))
			continue;
		const char *published = join(ctx, child, n_child);
		if (reported && strcmp(reported, published) == 0)
			continue; /* same difference, already said */
		reported = published;
		ctx_finding(ctx, CODE_NS_PARENT_CHILD_MISMATCH, ctx_domain(ctx), &servers[i], parent,
			    published, "%s %s but the zone publishes %s (%s)",
			    d->given ? "the servers given with --ns are" : "the parent delegates to", parent,
			    published, ns_set_difference(ctx, child, n_child));
		problems++;
	}
	return problems;
}

/* The zone's DNS provider, when the provider table knows it: ns.provider
 * (info), with the lowest TTL it accepts. Nothing when it does not: most
 * zones are at a provider no table lists, and a finding on each would say
 * nothing (`cutover provider` says "not recognised"). */
static void judge_provider(struct check_ctx *ctx)
{
	struct provider_match m;
	const struct provider *p = zone_provider(ctx, &m);
	if (!p)
		return;
	const char *also = "";
	if (m.other)
		also = arena_printf(ctx_arena(ctx),
				    "; %zu of its NS names are %s's: a delegation halfway through a move",
				    m.other_matched, m.other->name);
	ctx_finding(ctx, CODE_NS_PROVIDER, ctx_domain(ctx), NULL, NULL, p->name,
		    "%s is at %s, recognised by %s; the lowest TTL %s accepts: %s%s%s%s%s",
		    name_display(ctx, ctx_zone(ctx)), p->name, zone_provider_how(ctx, &m), p->name,
		    zone_provider_minimum_text(ctx, p), p->min_ttl_note ? " (" : "",
		    p->min_ttl_note ? p->min_ttl_note : "", p->min_ttl_note ? ")" : "", also);
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct ns_state *st = *ctx_state(ctx);
	if (ctx_round(ctx) == 0 && ask_previous_by_name(ctx, st))
		return CHECK_AGAIN;

	const struct delegation *d = ctx_delegation(ctx);
	const char *parent = join(ctx, d->parent_ns, d->n_parent_ns);
	size_t good;
	int serving;
	int problems = judge_unresolved(ctx);
	problems += judge_servers(ctx, &good);
	problems += judge_ns_sets(ctx, parent);
	problems += judge_glue(ctx);
	problems += judge_foreign_glue(ctx);
	problems += judge_previous(ctx, st, &serving);
	if (problems == 0)
		ctx_finding(ctx, CODE_NS_OK, ctx_domain(ctx), NULL, NULL, parent,
			    "%zu server%s (%s) answer%s authoritatively; parent and zone agree%s", good,
			    good == 1 ? "" : "s", parent, good == 1 ? "s" : "",
			    !st->n_prev ? ""
			    : serving	? ""
					: "; previous servers no longer serve it");
	judge_provider(ctx);
	return 0;
}

const struct check_desc check_ns = {
	.name = "ns",
	.summary = "parent and child NS sets agree, no lame or unreachable server, no stale old provider",
	.params = params,
	.ask = ask,
	.judge = judge,
};
