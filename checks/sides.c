/* The sides of a provider move (sides.h). */
#include "sides.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "resolve.h"
#include "rules.h"
#include "util.h"

/* The items of a list (or scalar) value, as written. */
static size_t value_items(const struct rule_value *v, const struct rule_value **items)
{
	if (!v)
		return 0;
	if (v->kind == RV_SCALAR) {
		*items = v;
		return 1;
	}
	*items = v->kind == RV_LIST ? v->items : NULL;
	return v->kind == RV_LIST ? v->n : 0;
}

int side_uses_delegation(const struct rule *rule, const char *key)
{
	const struct rule_value *items;
	size_t n = value_items(rule_param(rule, key), &items);
	for (size_t i = 0; i < n; i++)
		if (items[i].str && strcmp(items[i].str, SIDE_DELEGATED) == 0)
			return 1;
	return 0;
}

int side_validate(const struct rule *rule, const char *key, const struct rule_value **at, char *err,
		  size_t errlen)
{
	const struct rule_value *items;
	size_t n = value_items(rule_param(rule, key), &items);
	for (size_t i = 0; i < n; i++) {
		const char *text = items[i].str;
		if (!text || strcmp(text, SIDE_DELEGATED) == 0 || strchr(text, '{'))
			continue; /* a variable not expanded (an item skipped for its when:) */
		struct arena a = ARENA_INIT;
		struct server_spec spec;
		char why[256];
		int rc = server_spec_parse(&a, text, &spec, why, sizeof(why));
		arena_release(&a);
		if (rc != 0) {
			snprintf(err, errlen, "%s: %s (want %s, NAME, NAME/ADDR or ADDR)", key, why,
				 SIDE_DELEGATED);
			*at = &items[i];
			return -1;
		}
	}
	return 0;
}

void side_ask(struct check_ctx *ctx, const char *key)
{
	const char **items;
	size_t n = ctx_param_list(ctx, key, &items);
	for (size_t i = 0; i < n; i++) {
		struct server_spec spec;
		char why[256];
		if (strcmp(items[i], SIDE_DELEGATED) == 0 ||
		    server_spec_parse(ctx_arena(ctx), items[i], &spec, why, sizeof(why)) != 0 || spec.addrlen)
			continue;
		ctx_lookup(ctx, spec.name, LDNS_RR_TYPE_A);
		ctx_lookup(ctx, spec.name, LDNS_RR_TYPE_AAAA);
	}
}

/* Append the addresses the lookup of name/type found (ctx_add_server). */
static void add_looked_up(struct check_ctx *ctx, const char *name, ldns_rr_type type, unsigned roles,
			  const struct ns_server ***v, size_t *n, size_t *alloc)
{
	ldns_rr_list *rrs = NULL;
	if (lookup_records(ctx, name, type, &rrs, NULL, NULL) != LOOKUP_DATA)
		return;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		if (dns_rr_addr(ldns_rr_list_rr(rrs, i), &ss, &len) == 0)
			*(const struct ns_server **)xgrow(v, n, alloc, sizeof(**v)) =
				ctx_add_server(ctx, name, (struct sockaddr *)&ss, len, roles);
	}
	ldns_rr_list_free(rrs);
}

void side_servers(struct check_ctx *ctx, const char *key, unsigned roles, struct side *out)
{
	struct arena *a = ctx_arena(ctx);
	const char **items;
	size_t n = ctx_param_list(ctx, key, &items);
	size_t n_deleg;
	const struct ns_server *deleg = ctx_servers(ctx, &n_deleg);
	const struct ns_server **v = NULL; /* grown here, copied into the arena at the end */
	size_t n_v = 0, alloc_v = 0;
	memset(out, 0, sizeof(*out));
	out->unresolved = arena_alloc(a, (n + 1) * sizeof(*out->unresolved));
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		sb_addf(&sb, "%s%s", i ? ", " : "", items[i]);
		size_t before = n_v;
		struct server_spec spec;
		char why[256];
		if (strcmp(items[i], SIDE_DELEGATED) == 0) {
			for (size_t k = 0; k < n_deleg; k++)
				*(const struct ns_server **)xgrow(&v, &n_v, &alloc_v, sizeof(*v)) = &deleg[k];
		} else if (server_spec_parse(a, items[i], &spec, why, sizeof(why)) != 0) {
			/* refused when the rule was loaded; after {domain}, said unresolved */
		} else if (spec.addrlen) {
			*(const struct ns_server **)xgrow(&v, &n_v, &alloc_v, sizeof(*v)) = ctx_add_server(
				ctx, spec.name, (struct sockaddr *)&spec.addr, spec.addrlen, roles);
		} else {
			add_looked_up(ctx, spec.name, LDNS_RR_TYPE_A, roles, &v, &n_v, &alloc_v);
			add_looked_up(ctx, spec.name, LDNS_RR_TYPE_AAAA, roles, &v, &n_v, &alloc_v);
		}
		if (n_v == before)
			out->unresolved[out->n_unresolved++] = items[i];
	}
	out->servers = arena_alloc(a, (n_v + 1) * sizeof(*out->servers));
	if (n_v)
		memcpy(out->servers, v, n_v * sizeof(*v));
	out->n = n_v;
	free(v);
	out->text = arena_strdup(a, sb.buf ? sb.buf : "");
	sb_release(&sb);
}
