/* What the service checks (http, smtp, mta-sts) share: the addresses a host
 * is checked on -- the rule's `resolve:` list, or every A and AAAA of the
 * host looked up through the session's resolver, never the system's -- and
 * the curl --resolve pin that makes a request go to one of them under the
 * host's real name. */
#ifndef CUTOVER_CHECKS_SERVICE_H
#define CUTOVER_CHECKS_SERVICE_H

#include <stddef.h>

#include "checks.h"

/* One address a service is checked on. */
struct service_addr {
	const char *host; /* the name asked for (SNI, Host:, certificate): "www.example.org" */
	const char *addr; /* "192.0.2.1", "2001:db8::1" */
	int pinned;	  /* from resolve: rather than from DNS */
};

/* Whether host is an IP address literal ("192.0.2.1", "[2001:db8::1]"). */
int service_host_is_literal(const char *host);

/* Ask what service_addresses() needs for host: nothing when the rule has a
 * `resolve:` list or host is a literal, else its A and AAAA lookups. */
void service_ask(struct check_ctx *ctx, const char *host);

/* The addresses to check host on (arena memory): `resolve:`'s, host itself
 * when a literal, else every A and AAAA address found. Returns how many;
 * with none, *why says why ("no address: NXDOMAIN", or a lookup that
 * failed, then *failed is set: could not be determined). */
size_t service_addresses(struct check_ctx *ctx, const char *host, struct service_addr **out, const char **why,
			 int *failed);

/* The pin of a request to host:port at addr ("www.example.org:443:192.0.2.1",
 * brackets around an IPv6 address), or NULL for a literal host, which needs
 * none. */
const char *service_pin(struct check_ctx *ctx, const char *host, unsigned port, const char *addr);

/* The address as shown in the server column: "192.0.2.1", "[2001:db8::1]". */
const char *service_label(struct check_ctx *ctx, const struct service_addr *a);

/* "certificate valid until 2027-12-01 (365 days)" for an expiry, or "" for
 * 0 (unknown). *days gets the whole days left (negative when past). */
const char *service_expiry(struct check_ctx *ctx, long long expires, long *days);

#endif
