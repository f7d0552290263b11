/* Propagation: what one server answers for a name, judged against the new
 * value (and, when given, the old one), and what a sweep of many servers
 * adds up to -- converged count, authoritative agreement and the ETA, the
 * moment the last cache holding the old value should let it go.
 *
 * Pure functions over parsed answers: `cutover propagation` (propcmd.c) and
 * the `propagation` check (checks/propagation.c) ask their questions their
 * own way and judge the answers here, so the two cannot disagree. */
#ifndef CUTOVER_PROPAGATION_H
#define CUTOVER_PROPAGATION_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"

/* A set of values for one record type: exact values in canonical form
 * (dns_rr_rdata_text(); TXT as its joined text) and, for A and AAAA,
 * address ranges ("198.51.100.0/24"). */
struct prop_values {
	ldns_rr_type type;
	char **exact;
	size_t n_exact, alloc_exact;
	struct prop_cidr {
		int family; /* AF_INET or AF_INET6 */
		uint8_t addr[16];
		unsigned bits;
		char *text; /* as canonical text: "198.51.100.0/24" */
	} * cidrs;
	size_t n_cidrs, alloc_cidrs;
	/* "CNAME target." given as the value ("CNAME cdn.example.net"): the
	 * name is an alias, judged by where it points, not by the records at
	 * the end of the chain. A set holds an alias or values, not both. */
	char *alias;
};

void prop_values_init(struct prop_values *v, ldns_rr_type type);
void prop_values_release(struct prop_values *v);
/* Add a value as a user wrote it for v->type ("198.51.100.20",
 * "198.51.100.0/24" for A/AAAA, "10 mail.example.org" for MX, the text of
 * a TXT record, or "CNAME target" for an alias). Returns 0, or -1 with why
 * in err. */
int prop_values_add(struct prop_values *v, const char *text, char *err, size_t errlen);
/* The values, sorted, joined by ", " (a new string; "" when none). */
char *prop_values_text(const struct prop_values *v);
/* Whether the set is empty (no exact value, no range). */
int prop_values_empty(const struct prop_values *v);

/* What a server is judged to hold. */
enum prop_status {
	PROP_NEW,   /* the expected value, the whole set of it */
	PROP_OLD,   /* the value before the change (or, without --old, anything else a cache holds) */
	PROP_STALE, /* old, past the moment its TTL should have run out (RFC 8767) */
	PROP_OTHER, /* neither the new nor the given old value */
	PROP_ERROR  /* no usable answer */
};
/* "new", "old", "stale", "other", "error". */
const char *prop_status_name(enum prop_status s);

/* One server's answer, judged. */
struct prop_result {
	enum prop_status status;
	char **answer; /* the values answered, canonical, sorted; none for a negative answer */
	size_t n_answer;
	long ttl;	/* what the server still holds: the smallest TTL of the answer's records, or
			   for a negative answer min(SOA TTL, SOA MINIMUM); -1: none */
	long ttl_max;	/* the largest TTL along the CNAME chain and its records: once it ran
			   out, nothing of the old answer can be left in that cache */
	char *alias;	/* where the name's CNAME points ("cdn.example.net."), or NULL */
	int alias_only; /* an authoritative answer that is only that CNAME: its target is in
			   another zone, whose servers this one does not speak for */
	int rcode;	/* LDNS_RCODE_*, -1 without an answer */
	int negative;	/* NXDOMAIN, or NOERROR without a record of the type */
	int ede_stale;	/* the answer carries Extended DNS Error 3 or 19 (RFC 8914: stale) */
	double received;
	double flips_at; /* for PROP_OLD from a resolver: received + ttl_max; else 0 */
	char *error;	 /* for PROP_ERROR: why ("timed out", "SERVFAIL", "not authoritative") */
};

void prop_result_release(struct prop_result *r);

/* Judge what a server said to qname (absolute, lower case)/expect->type:
 * pkt when an answer came (err 0), else err (enum dns_error). authoritative:
 * the server was asked with RD=0 and must answer with AA set. old may be
 * NULL: then every answer that is not the new value is old. An expected set
 * that is empty means the name is to have no record of the type (a
 * negative answer is new). An old answer carrying EDE "stale" is PROP_STALE;
 * telling a stale answer by the clock is the caller's (prop_stale_by_time). */
void prop_judge(const struct prop_values *expect, const struct prop_values *old, const char *qname, int err,
		const ldns_pkt *pkt, double received, int authoritative, struct prop_result *out);

/* The values a server answered, as a set to compare with others' (the
 * authoritative servers' agreement): 1 when a and b hold the same values
 * (or are both negative), else 0. */
int prop_same_answer(const struct prop_result *a, const struct prop_result *b);

/* Whether an old answer received at `received` is past a moment an earlier
 * observation of the same cache said it would flip (prev_flips_at, 0: none
 * known), with one second of slack for clocks and rounding. */
int prop_stale_by_time(double prev_flips_at, double received);

/* The values of an answer for a person: "198.51.100.20, 198.51.100.21",
 * "CNAME cdn.example.net.", "NXDOMAIN", "no record", or for an error why.
 * A new string. */
char *prop_answer_text(const struct prop_result *r);
/* Take what r answered as the new value (v empty; r not an error): its
 * values, or the alias when it is one into another zone. */
void prop_values_from_answer(struct prop_values *v, const struct prop_result *r);
/* What a judged answer says as a finding of its own: the code, with a new
 * message in *msg naming the server as who (an "authoritative server" when
 * auth), or CODE_COUNT (and *msg NULL) for new and old, which the summary
 * covers. stale_since is the earlier prediction a stale verdict by the
 * clock was made against (0: the answer said so itself, by EDE). */
enum code prop_problem(const struct prop_result *r, int auth, const char *who, double stale_since,
		       char **msg);

/* What a sweep adds up to. */
struct prop_summary {
	size_t recursive, answered, converged; /* resolvers; those that answered; those with new */
	size_t old, stale, other, errors;      /* resolvers in each state */
	size_t auth, auth_answered, auth_new;  /* authoritative servers likewise */
	int auth_agree;			       /* every authoritative server that answered said the same */
	double eta;			       /* the latest flips_at of an old resolver; 0: none */
};
/* kinds[i] != 0 when results[i] is an authoritative server's. */
void prop_summarize(const struct prop_result *results, const int *kinds, size_t n, struct prop_summary *out);
/* The converged ratio (converged / answered; 0 when none answered). */
double prop_ratio(const struct prop_summary *s);
/* Whether a sweep counts as converged: at least until (a fraction) of the
 * resolvers that answered (one at least) have the new value, and every
 * authoritative server that answered serves it. */
int prop_converged(const struct prop_summary *s, double until);

#endif
