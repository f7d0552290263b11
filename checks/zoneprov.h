/* The DNS provider of the zone a check judges (src/provider.h recognises it):
 * from the delegation's NS names, else from the SOA its servers give. The ns
 * check reports it (ns.provider), the ttl check weighs its limits by it
 * (ttl.provider-minimum). */
#ifndef CUTOVER_ZONEPROV_H
#define CUTOVER_ZONEPROV_H

#include "provider.h"

struct check_ctx;

/* Whether the delegation's NS names alone recognise a provider: when they
 * do not, zone_provider() reads the zone's SOA, which the check must ask of
 * the zone's servers (ctx_ask_servers(ctx, ctx_zone(ctx), SOA)) first. */
int zone_provider_by_ns(struct check_ctx *ctx);

/* Recognise the provider of the zone into *out (provider_detect()): the
 * delegation's NS names (the parent's, or those --ns gave; the zone's own
 * when the parent named none), and the SOA of the first server that answered
 * it with authority. Returns out->provider (NULL when none is recognised);
 * out's names are arena memory. */
const struct provider *zone_provider(struct check_ctx *ctx, struct provider_match *out);

/* How the provider was recognised, for a message: "its NS names
 * (ns1.digitalocean.com, ns2.digitalocean.com)", "its SOA MNAME ns1.gandi.net
 * (vanity name servers: ns1.example.org)"; from the arena. */
const char *zone_provider_how(struct check_ctx *ctx, const struct provider_match *m);

/* A provider's lowest TTL for a message: "300 s (5 minutes)", "0 s", or
 * "not documented"; from the arena. */
const char *zone_provider_minimum_text(struct check_ctx *ctx, const struct provider *p);

#endif
