/* Every finding code cutover can emit, in one list: the enum the checks use
 * (a misspelt code does not compile), the table behind `cutover help codes`,
 * and, through that command, the README's table (a test compares them). */
#ifndef CUTOVER_CODES_H
#define CUTOVER_CODES_H

#include <stddef.h>

#include "report.h"

/* X(id, "name", default status, "one-line summary") */
#define CODES(X)                                                                                             \
	X(NS_OK, "ns.ok", STATUS_OK, "delegation is consistent and every server answers authoritatively")    \
	X(NS_NO_DELEGATION, "ns.no-delegation", STATUS_FAIL,                                                 \
	  "the parent does not delegate the domain (NXDOMAIN or no NS records)")                             \
	X(NS_DISCOVERY_FAILED, "ns.discovery-failed", STATUS_ERROR,                                          \
	  "the delegation could not be found out (parent unreachable, resolver failure)")                    \
	X(NS_NO_SERVERS, "ns.no-servers", STATUS_ERROR,                                                      \
	  "no address could be found for any name server of the domain")                                     \
	X(NS_LAME, "ns.lame", STATUS_FAIL,                                                                   \
	  "a listed name server does not answer authoritatively for the zone")                               \
	X(NS_PARENT_CHILD_MISMATCH, "ns.parent-child-mismatch", STATUS_FAIL,                                 \
	  "the NS set at the parent differs from the one the zone publishes")                                \
	X(NS_GLUE_MISMATCH, "ns.glue-mismatch", STATUS_FAIL,                                                 \
	  "the parent's glue for a name server inside the zone differs from the addresses the zone gives "   \
	  "it")                                                                                              \
	X(NS_UNRESOLVABLE, "ns.unresolvable", STATUS_FAIL, "a name server's host name has no address")       \
	X(NS_UNREACHABLE, "ns.unreachable", STATUS_ERROR,                                                    \
	  "a name server did not answer (timeout, refused connection)")                                      \
	X(NS_NO_ROUTE, "ns.no-route", STATUS_INFO,                                                           \
	  "this machine has no route to a server's address (IPv6 on an IPv4-only host): not checked from "   \
	  "here")                                                                                            \
	X(NS_STALE_AUTHORITY, "ns.stale-authority", STATUS_FAIL,                                             \
	  "a previous server still answers for the zone with data that differs")                             \
	X(NS_PREVIOUS_SERVING, "ns.previous-serving", STATUS_INFO,                                           \
	  "a previous server still answers for the zone, with the same data")                                \
	X(NS_PREVIOUS_DELEGATED, "ns.previous-delegated", STATUS_FAIL,                                       \
	  "a server that should be retired is still in the NS set")                                          \
	X(NS_ENCLOSING_ZONE, "ns.enclosing-zone", STATUS_INFO,                                               \
	  "the name given is not a zone cut: it is checked within the zone that holds it")                   \
	X(SOA_OK, "soa.ok", STATUS_OK, "SOA serial agrees and timers are sane")                              \
	X(SOA_SERIAL_MISMATCH, "soa.serial-mismatch", STATUS_FAIL,                                           \
	  "authoritative servers serve different SOA serials")                                               \
	X(SOA_NEGATIVE_TTL_HIGH, "soa.negative-ttl-high", STATUS_FAIL,                                       \
	  "negative-caching TTL min(SOA TTL, MINIMUM) is above the limit")                                   \
	X(SOA_TIMERS, "soa.timers", STATUS_WARN,                                                             \
	  "SOA refresh, retry, expire or minimum outside sane ranges")                                       \
	X(TTL_OK, "ttl.ok", STATUS_OK, "TTL is within the limit on every server")                            \
	X(TTL_TOO_HIGH, "ttl.too-high", STATUS_FAIL, "a record's TTL is above the limit")                    \
	X(TTL_INCONSISTENT, "ttl.inconsistent", STATUS_WARN,                                                 \
	  "servers serve the same records with different TTLs")                                              \
	X(TTL_NO_RECORDS, "ttl.no-records", STATUS_INFO, "none of the listed types exist at a listed name")  \
	X(WILDCARD_OK, "wildcard.ok", STATUS_OK, "the wildcard exists (and points where expected)")          \
	X(WILDCARD_MISSING, "wildcard.missing", STATUS_WARN, "there is no wildcard (*) record")              \
	X(WILDCARD_WRONG_TARGET, "wildcard.wrong-target", STATUS_FAIL,                                       \
	  "the wildcard points somewhere other than expected")                                               \
	X(RECORD_OK, "record.ok", STATUS_OK, "the record has the expected value on every server")            \
	X(RECORD_MISSING, "record.missing", STATUS_FAIL, "the record does not exist")                        \
	X(RECORD_MISMATCH, "record.mismatch", STATUS_FAIL,                                                   \
	  "a server serves values other than the expected ones")                                             \
	X(RECORD_INCONSISTENT, "record.inconsistent", STATUS_FAIL,                                           \
	  "servers disagree on the record's values")                                                         \
	/* --- mx ------------------------------------------------------ */ \
	/* (mx codes go here) */ \
	X(MX_OK, "mx.ok", STATUS_OK, "MX records exist and every exchange is a host name with addresses")   \
	X(MX_MISSING, "mx.missing", STATUS_FAIL, "the domain has no MX record (and no null MX)")             \
	X(MX_NULL, "mx.null", STATUS_INFO, "a null MX (RFC 7505): the domain takes no mail")                 \
	X(MX_NULL_MIXED, "mx.null-mixed", STATUS_FAIL,                                                       \
	  "a null MX (\".\") beside other MX records, or with a preference other than 0 (RFC 7505 3)")       \
	X(MX_CNAME, "mx.cname", STATUS_WARN,                                                                 \
	  "an exchange is an alias (CNAME), not a host name (RFC 5321 5.1, RFC 2181 10.3)")                  \
	X(MX_UNRESOLVABLE, "mx.unresolvable", STATUS_FAIL,                                                   \
	  "an exchange has no address (A or AAAA), such as an address literal written as a name")            \
	X(MX_MISMATCH, "mx.mismatch", STATUS_FAIL, "the exchanges are not the expected ones (expect:)")      \
	/* --- spf ------------------------------------------------------ */ \
	/* (spf codes go here) */ \
	/* --- dkim ------------------------------------------------------ */ \
	/* (dkim codes go here) */ \
	/* --- dmarc ------------------------------------------------------ */ \
	/* (dmarc codes go here) */ \
	/* --- rdns ------------------------------------------------------ */ \
	/* (rdns codes go here) */ \
	X(RDNS_OK, "rdns.ok", STATUS_OK, "the address has a PTR record that resolves back to it (FCrDNS)")   \
	X(RDNS_MISSING, "rdns.missing", STATUS_FAIL, "a mail address has no PTR record")                     \
	X(RDNS_NOT_FORWARD_CONFIRMED, "rdns.not-forward-confirmed", STATUS_FAIL,                             \
	  "no PTR name of the address resolves back to it (no forward-confirmed reverse DNS)")               \
	X(RDNS_NAME_MISMATCH, "rdns.name-mismatch", STATUS_FAIL, "the PTR is not the expected host name")    \
	X(RDNS_NO_ADDRESSES, "rdns.no-addresses", STATUS_INFO,                                               \
	  "no address to check: no MX exchange with an address, and no ips given")                           \
	/* --- records ------------------------------------------------------ */ \
	/* (records codes go here) */ \
	X(CHECK_NO_DATA, "check.no-data", STATUS_ERROR,                                                      \
	  "no server answered, so the check could not judge anything")                                       \
	X(CHECK_TOO_MANY_ROUNDS, "check.too-many-rounds", STATUS_ERROR,                                      \
	  "a check still wanted more answers after the most rounds of questions an audit allows")

enum code {
#define X(id, name, status, summary) CODE_##id,
	CODES(X)
#undef X
		CODE_COUNT
};

/* "ttl.too-high" */
const char *code_name(enum code code);
/* The code's default status. */
enum status code_status(enum code code);

#endif
