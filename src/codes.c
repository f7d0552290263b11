/* The table of finding codes: every code cutover can emit, its default status
 * and a one-line summary. The README's code list and `cutover help codes` are
 * made from this table. */
#include <string.h>

#include "report.h"
#include "util.h"

static const struct finding_code codes[] = {
	/* delegation */
	{"ns.ok", STATUS_OK, "delegation is consistent and every server answers authoritatively"},
	{"ns.no-delegation", STATUS_FAIL,
	 "the parent does not delegate the domain (NXDOMAIN or no NS records)"},
	{"ns.discovery-failed", STATUS_ERROR,
	 "the delegation could not be found out (parent unreachable, resolver failure)"},
	{"ns.no-servers", STATUS_ERROR, "no address could be found for any name server of the domain"},
	{"ns.lame", STATUS_FAIL, "a listed name server does not answer authoritatively for the zone"},
	{"ns.parent-child-mismatch", STATUS_FAIL,
	 "the NS set at the parent differs from the one the zone publishes"},
	{"ns.glue-mismatch", STATUS_FAIL,
	 "the parent's glue for a name server inside the zone differs from the addresses the zone gives it"},
	{"ns.unresolvable", STATUS_FAIL, "a name server's host name has no address"},
	{"ns.unreachable", STATUS_ERROR, "a name server did not answer (timeout, refused connection)"},
	{"ns.no-route", STATUS_INFO,
	 "this machine has no route to a server's address (IPv6 on an IPv4-only host): not checked from "
	 "here"},
	{"ns.stale-authority", STATUS_FAIL,
	 "a previous server still answers for the zone with data that differs"},
	{"ns.previous-serving", STATUS_INFO,
	 "a previous server still answers for the zone, with the same data"},
	{"ns.previous-delegated", STATUS_FAIL, "a server that should be retired is still in the NS set"},
	/* SOA */
	{"soa.ok", STATUS_OK, "SOA serial agrees and timers are sane"},
	{"soa.serial-mismatch", STATUS_FAIL, "authoritative servers serve different SOA serials"},
	{"soa.negative-ttl-high", STATUS_FAIL,
	 "negative-caching TTL min(SOA TTL, MINIMUM) is above the limit"},
	{"soa.timers", STATUS_WARN, "SOA refresh, retry, expire or minimum outside sane ranges"},
	/* TTL */
	{"ttl.ok", STATUS_OK, "TTL is within the limit on every server"},
	{"ttl.too-high", STATUS_FAIL, "a record's TTL is above the limit"},
	{"ttl.inconsistent", STATUS_WARN, "servers serve the same records with different TTLs"},
	{"ttl.no-records", STATUS_INFO, "none of the listed types exist at a listed name"},
	/* wildcard */
	{"wildcard.ok", STATUS_OK, "the wildcard exists (and points where expected)"},
	{"wildcard.missing", STATUS_WARN, "there is no wildcard (*) record"},
	{"wildcard.wrong-target", STATUS_FAIL, "the wildcard points somewhere other than expected"},
	/* records */
	{"record.ok", STATUS_OK, "the record has the expected value on every server"},
	{"record.missing", STATUS_FAIL, "the record does not exist"},
	{"record.mismatch", STATUS_FAIL, "a server serves values other than the expected ones"},
	{"record.inconsistent", STATUS_FAIL, "servers disagree on the record's values"},
	/* any check */
	{"check.no-data", STATUS_ERROR, "no server answered, so the check could not judge anything"},
};

const struct finding_code *code_lookup(const char *code)
{
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (strcmp(codes[i].code, code) == 0)
			return &codes[i];
	return NULL;
}

const struct finding_code *code_table(size_t *n)
{
	*n = ARRAY_SIZE(codes);
	return codes;
}
