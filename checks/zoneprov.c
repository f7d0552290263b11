/* The DNS provider of the zone a check judges: the delegation's NS names and
 * the zone's SOA, handed to the matcher of src/provider.c. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "names.h"
#include "util.h"
#include "zoneprov.h"

/* The NS names the provider is told by (*n of them). */
static const char *const *zone_ns(struct check_ctx *ctx, size_t *n)
{
	const struct delegation *d = ctx_delegation(ctx);
	if (d->n_parent_ns) {
		*n = d->n_parent_ns;
		return d->parent_ns;
	}
	*n = d->n_child_ns;
	return d->child_ns;
}

int zone_provider_by_ns(struct check_ctx *ctx)
{
	struct provider_match m;
	size_t n;
	const char *const *ns = zone_ns(ctx, &n);
	provider_detect(ns, n, NULL, NULL, &m);
	return m.provider != NULL;
}

/* The SOA MNAME and RNAME of the first server that answered with authority
 * (NULL when none did). */
static void zone_soa(struct check_ctx *ctx, const char **mname, const char **rname)
{
	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	*mname = *rname = NULL;
	for (size_t i = 0; i < n && !*mname && !*rname; i++) {
		const struct answer *a = ctx_answer(ctx, &servers[i], ctx_zone(ctx), LDNS_RR_TYPE_SOA);
		if (!a || answer_problem(ctx, a))
			continue;
		ldns_rr_list *rrs = answer_rrset(a, ctx_zone(ctx), LDNS_RR_TYPE_SOA);
		if (!rrs)
			continue;
		*mname = rr_name(ctx, ldns_rr_list_rr(rrs, 0), 0);
		*rname = rr_name(ctx, ldns_rr_list_rr(rrs, 0), 1);
		ldns_rr_list_free(rrs);
	}
}

const struct provider *zone_provider(struct check_ctx *ctx, struct provider_match *out)
{
	const char *mname, *rname;
	size_t n;
	const char *const *ns = zone_ns(ctx, &n);
	zone_soa(ctx, &mname, &rname);
	provider_detect(ns, n, mname, rname, out);
	return out->provider;
}

/* The NS names, space-separated, for a message (the first 8). */
static const char *ns_list(struct check_ctx *ctx)
{
	size_t n;
	const char *const *ns = zone_ns(ctx, &n);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n && i < 8; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", name_display(ctx, ns[i]));
	if (n > 8)
		sb_addf(&sb, " and %zu more", n - 8);
	const char *out = arena_strdup(ctx_arena(ctx), sb.buf ? sb.buf : "none");
	sb_release(&sb);
	return out;
}

const char *zone_provider_how(struct check_ctx *ctx, const struct provider_match *m)
{
	struct arena *a = ctx_arena(ctx);
	switch (m->via) {
	case PROVIDER_VIA_NS:
		if (m->ns_matched == m->ns_total)
			return arena_printf(a, "its NS names (%s)", ns_list(ctx));
		return arena_printf(a, "%zu of its %zu NS names (%s)", m->ns_matched, m->ns_total,
				    ns_list(ctx));
	case PROVIDER_VIA_SOA_MNAME:
	case PROVIDER_VIA_SOA_RNAME:
		return arena_printf(a, "its %s %s (vanity name servers: %s)", provider_via_text(m->via),
				    name_display(ctx, m->evidence), ns_list(ctx));
	case PROVIDER_VIA_NONE:
		break;
	}
	return "";
}

const char *zone_provider_minimum_text(struct check_ctx *ctx, const struct provider *p)
{
	char buf[64];
	provider_ttl_text(p->min_ttl, buf, sizeof(buf));
	return arena_strdup(ctx_arena(ctx), buf);
}
