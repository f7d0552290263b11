/* Addresses and pins of the service checks (service.h). */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "service.h"
#include "util.h"

int service_host_is_literal(const char *host)
{
	unsigned char bin[sizeof(struct in6_addr)];
	return host[0] == '[' || inet_pton(AF_INET, host, bin) == 1 || inet_pton(AF_INET6, host, bin) == 1;
}

void service_ask(struct check_ctx *ctx, const char *host)
{
	const char **resolve;
	if (ctx_param_list(ctx, "resolve", &resolve) || service_host_is_literal(host))
		return;
	ctx_lookup(ctx, host, LDNS_RR_TYPE_A);
	ctx_lookup(ctx, host, LDNS_RR_TYPE_AAAA);
}

size_t service_addresses(struct check_ctx *ctx, const char *host, struct service_addr **out, const char **why,
			 int *failed)
{
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
	struct arena *a = ctx_arena(ctx);
	const char **resolve;
	size_t n_resolve = ctx_param_list(ctx, "resolve", &resolve), n = 0;

	*why = NULL;
	*failed = 0;
	if (n_resolve) {
		*out = arena_alloc(a, n_resolve * sizeof(**out));
		for (size_t i = 0; i < n_resolve; i++)
			(*out)[n++] = (struct service_addr){host, resolve[i], 1};
		return n;
	}
	if (service_host_is_literal(host)) {
		*out = arena_alloc(a, sizeof(**out));
		size_t len = strlen(host);
		const char *addr =
			host[0] == '[' && len > 2 ? arena_printf(a, "%.*s", (int)(len - 2), host + 1) : host;
		(*out)[0] = (struct service_addr){host, addr, 0};
		return 1;
	}
	ldns_rr_list *rrs[2] = {NULL, NULL};
	size_t total = 0;
	const char *nothing = "no A or AAAA record";
	for (size_t t = 0; t < 2; t++) {
		const char *w = NULL;
		enum lookup_outcome o = lookup_records(ctx, host, types[t], &rrs[t], &w, NULL);
		if (o == LOOKUP_FAILED) {
			*failed = 1;
			*why = arena_printf(a, "the %s lookup failed: %s", t ? "AAAA" : "A", w ? w : "?");
		} else if (o == LOOKUP_NXDOMAIN) {
			nothing = "the name does not exist (NXDOMAIN)";
		}
		total += rrs[t] ? ldns_rr_list_rr_count(rrs[t]) : 0;
	}
	*out = arena_alloc(a, (total ? total : 1) * sizeof(**out));
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; rrs[t] && i < ldns_rr_list_rr_count(rrs[t]); i++) {
			const ldns_rdf *f = ldns_rr_rdf(ldns_rr_list_rr(rrs[t], i), 0);
			char text[INET6_ADDRSTRLEN];
			int family = t ? AF_INET6 : AF_INET;
			if (!f || ldns_rdf_size(f) != (t ? 16u : 4u) ||
			    !inet_ntop(family, ldns_rdf_data(f), text, sizeof(text)))
				continue;
			(*out)[n++] = (struct service_addr){host, arena_strdup(a, text), 0};
		}
		if (rrs[t])
			ldns_rr_list_free(rrs[t]);
	}
	if (!n && !*failed)
		*why = arena_printf(a, "no address: %s", nothing);
	if (n)
		*failed = 0; /* an address to check is enough; the other family's failure is not the service's
			      */
	return n;
}

const char *service_pin(struct check_ctx *ctx, const char *host, unsigned port, const char *addr)
{
	if (service_host_is_literal(host))
		return NULL;
	int v6 = strchr(addr, ':') != NULL;
	return arena_printf(ctx_arena(ctx), "%s:%u:%s%s%s", host, port, v6 ? "[" : "", addr, v6 ? "]" : "");
}

const char *service_label(struct check_ctx *ctx, const struct service_addr *a)
{
	if (strchr(a->addr, ':'))
		return arena_printf(ctx_arena(ctx), "[%s]", a->addr);
	return a->addr;
}

const char *service_expiry(struct check_ctx *ctx, long long expires, long *days)
{
	char date[32];
	time_t t = (time_t)expires;
	struct tm tm;
	*days = 0;
	if (!expires || !gmtime_r(&t, &tm))
		return "";
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	long long left = expires - (long long)time(NULL);
	*days = (long)(left / 86400);
	return arena_printf(ctx_arena(ctx), "certificate valid until %s (%ld day%s)", date, *days,
			    *days == 1 || *days == -1 ? "" : "s");
}
