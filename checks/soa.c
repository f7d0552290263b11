/* soa: the SOA serial on every server, the negative-caching TTL against a
 * limit, and refresh/retry/expire/minimum as Zonemaster judges them. */
#include <stdio.h>
#include <stdlib.h>

#include "checks.h"
#include "ttl.h"
#include "util.h"

#define DEFAULT_NEGATIVE_TTL_MAX 10800 /* RFC 2308 suggests one to three hours */

/* Zonemaster's Zone02-Zone06 limits (seconds). */
#define REFRESH_MIN 14400
#define RETRY_MIN 3600
#define EXPIRE_MIN 604800
#define MINIMUM_MIN 300
#define MINIMUM_MAX 86400

static const struct check_param params[] = {
	{"negative_ttl_max", PARAM_UINT, 0, NULL,
	 "largest acceptable min(SOA TTL, MINIMUM), seconds (default 10800)"},
	{NULL, 0, 0, NULL, NULL},
};

/* The SOA one server gave, with authority. */
struct soa_seen {
	const struct ns_server *server;
	uint32_t serial, refresh, retry, expire, minimum, ttl;
};

static uint32_t soa_field(const ldns_rr *rr, size_t i)
{
	const ldns_rdf *rd = ldns_rr_rdf(rr, i);
	return rd ? ldns_rdf2native_int32(rd) : 0;
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	ctx_ask_servers(ctx, ctx_zone(ctx), LDNS_RR_TYPE_SOA);
	return 0;
}

static void timer_finding(struct check_ctx *ctx, const char *subject, const char *what, uint32_t value,
			  const char *expected, const char *why)
{
	char actual[16];
	snprintf(actual, sizeof(actual), "%u", value);
	ctx_finding(ctx, CODE_SOA_TIMERS, subject, NULL, expected, actual, "SOA %s %u: %s", what, value, why);
}

/* Read the SOA of every server that gave one with authority into *seen
 * (arena memory). Returns how many did. */
static size_t read_soas(struct check_ctx *ctx, struct soa_seen **seen)
{
	size_t n, n_seen = 0;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	const char *zone = ctx_zone(ctx);
	*seen = arena_alloc(ctx_arena(ctx), (n + 1) * sizeof(**seen));
	for (size_t i = 0; i < n; i++) {
		const struct answer *a = ctx_answer(ctx, &servers[i], zone, LDNS_RR_TYPE_SOA);
		if (answer_problem(ctx, a))
			continue; /* the ns check reports lame and unreachable servers */
		ldns_rr_list *rrs = answer_rrset(a, zone, LDNS_RR_TYPE_SOA);
		if (!rrs)
			continue;
		const ldns_rr *rr = ldns_rr_list_rr(rrs, 0);
		struct soa_seen *s = &(*seen)[n_seen++];
		s->server = &servers[i];
		s->serial = soa_field(rr, 2);
		s->refresh = soa_field(rr, 3);
		s->retry = soa_field(rr, 4);
		s->expire = soa_field(rr, 5);
		s->minimum = soa_field(rr, 6);
		s->ttl = ldns_rr_ttl(rr);
		ldns_rr_list_free(rrs);
	}
	return n_seen;
}

/* The newest serial (RFC 1982 order): what every server should have. */
static uint32_t newest_serial(const struct soa_seen *seen, size_t n_seen)
{
	uint32_t newest = seen[0].serial;
	for (size_t i = 1; i < n_seen; i++)
		if (serial_compare(seen[i].serial, newest) == 1)
			newest = seen[i].serial;
	return newest;
}

/* A finding for each server behind the newest serial. Returns how many. */
static int judge_serials(struct check_ctx *ctx, const char *subject, const struct soa_seen *seen,
			 size_t n_seen, uint32_t newest)
{
	int problems = 0;
	for (size_t i = 0; i < n_seen; i++) {
		if (seen[i].serial == newest)
			continue;
		char expected[16], actual[16];
		snprintf(expected, sizeof(expected), "%u", newest);
		snprintf(actual, sizeof(actual), "%u", seen[i].serial);
		ctx_finding(
			ctx, CODE_SOA_SERIAL_MISMATCH, subject, seen[i].server, expected, actual,
			"serial %u is behind %u served elsewhere: this server has not loaded the latest zone",
			seen[i].serial, newest);
		problems++;
	}
	return problems;
}

/* The largest negative-caching TTL any server gives, in *worst, against the
 * rule's limit. Returns the number of problems (0 or 1). */
static int judge_negative_ttl(struct check_ctx *ctx, const char *subject, const struct soa_seen *seen,
			      size_t n_seen, uint32_t *worst)
{
	unsigned long limit = ctx_param_uint(ctx, "negative_ttl_max", DEFAULT_NEGATIVE_TTL_MAX);
	const struct soa_seen *worst_at = &seen[0];
	*worst = 0;
	for (size_t i = 0; i < n_seen; i++) {
		uint32_t neg = ttl_negative(seen[i].ttl, seen[i].minimum);
		if (neg > *worst) {
			*worst = neg;
			worst_at = &seen[i];
		}
	}
	if (*worst <= limit)
		return 0;
	char expected[24], actual[16];
	snprintf(expected, sizeof(expected), "<= %lu", limit);
	snprintf(actual, sizeof(actual), "%u", *worst);
	ctx_finding(ctx, CODE_SOA_NEGATIVE_TTL_HIGH, subject, worst_at->server, expected, actual,
		    "negative-caching TTL %u (min of SOA TTL %u and MINIMUM %u) is above %lu: a name "
		    "looked up before it exists stays unknown in caches that long",
		    *worst, worst_at->ttl, worst_at->minimum, limit);
	return 1;
}

/* Refresh, retry, expire and minimum of one SOA against Zonemaster's limits.
 * Returns the number of problems. */
static int judge_timers(struct check_ctx *ctx, const char *subject, const struct soa_seen *s)
{
	int problems = 0;
	if (s->refresh < REFRESH_MIN) {
		timer_finding(ctx, subject, "refresh", s->refresh, ">= 14400",
			      "secondaries poll more often than needed");
		problems++;
	}
	if (s->retry >= s->refresh) {
		timer_finding(ctx, subject, "retry", s->retry, "< refresh",
			      "retry should be lower than refresh");
		problems++;
	}
	if (s->retry < RETRY_MIN) {
		timer_finding(ctx, subject, "retry", s->retry, ">= 3600", "retry is very short");
		problems++;
	}
	if (s->expire < EXPIRE_MIN || s->expire < s->refresh) {
		timer_finding(ctx, subject, "expire", s->expire, ">= 604800 and >= refresh",
			      "secondaries may drop the zone after a short outage of the primary");
		problems++;
	}
	if (s->minimum < MINIMUM_MIN || s->minimum > MINIMUM_MAX) {
		timer_finding(ctx, subject, "minimum", s->minimum, "300..86400",
			      "the negative-caching time is outside the usual range");
		problems++;
	}
	return problems;
}

/* The SOA timers are judged on: the last one seen with the newest serial. */
static const struct soa_seen *newest_soa(const struct soa_seen *seen, size_t n_seen, uint32_t newest)
{
	const struct soa_seen *s = &seen[0];
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i].serial == newest)
			s = &seen[i];
	return s;
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	const char *zone = ctx_zone(ctx);
	const char *subject = subject_of(ctx, zone, LDNS_RR_TYPE_SOA);
	struct soa_seen *seen;
	size_t n_seen = read_soas(ctx, &seen);
	if (n_seen == 0) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, NULL,
			    "no server gave an authoritative SOA for %s", name_display(ctx, zone));
		return 0;
	}

	uint32_t newest = newest_serial(seen, n_seen), worst;
	int problems = judge_serials(ctx, subject, seen, n_seen, newest);
	problems += judge_negative_ttl(ctx, subject, seen, n_seen, &worst);
	problems += judge_timers(ctx, subject, newest_soa(seen, n_seen, newest));
	if (problems == 0) {
		char actual[16];
		snprintf(actual, sizeof(actual), "%u", newest);
		ctx_finding(ctx, CODE_SOA_OK, subject, NULL, NULL, actual,
			    "serial %u on %zu server%s; negative-caching TTL %u; timers sane", newest, n_seen,
			    n_seen == 1 ? "" : "s", worst);
	}
	return 0;
}

const struct check_desc check_soa = {
	.name = "soa",
	.summary = "SOA serial on every server, negative-caching TTL, refresh/retry/expire sanity",
	.params = params,
	.ask = ask,
	.judge = judge,
};
