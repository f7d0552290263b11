/* The check interface: each check family is one file exporting one const
 * descriptor, listed in the single table of checks/checks.c. */
#ifndef CUTOVER_CHECKS_H
#define CUTOVER_CHECKS_H

#include <ldns/ldns.h>
#include <stddef.h>

#include "codes.h"
#include "resolve.h"

struct rule;
struct rule_value;
struct check_ctx;

/* Types a rule parameter may have; rules.c validates values against them. */
enum param_type {
	PARAM_UINT,	/* a non-negative integer: 900 */
	PARAM_STRING,	/* a scalar */
	PARAM_STRINGS,	/* a scalar or a list of scalars */
	PARAM_NAME,	/* a domain name; one of a single label is relative to {domain}: www */
	PARAM_NAMES,	/* a domain name or a list of them, likewise */
	PARAM_RRTYPE,	/* one RR type name: A, AAAA, MX, TXT, ... */
	PARAM_RRTYPES,	/* a list (or one) of RR type names */
	PARAM_RRMAP,	/* a map of RR type name -> scalar or list: {A: "192.0.2.1"} */
	PARAM_DURATION, /* 90, 90s, 15m, 2h, 1d */
	PARAM_PERCENT,	/* 90% or 0.9 */
	PARAM_ENUM,	/* one of the words in check_param.choices */
	PARAM_BOOL,	/* true or false (also yes/no, on/off), kept as "true" or "false" */
	PARAM_URL,	/* an http or https URL: https://www.{domain}/login */
	PARAM_ADDRS	/* an IPv4 or IPv6 address, or a list of them */
};

struct check_param {
	const char *key;
	enum param_type type;
	int required;
	const char *const *choices; /* PARAM_ENUM: NULL-terminated */
	const char *help;
};

struct check_desc {
	const char *name;		  /* "ttl" */
	const char *summary;		  /* one line for help */
	const struct check_param *params; /* terminated by {NULL} */
	/* Ask the questions the check needs (ctx_ask*, ctx_lookup). Returns 0,
	 * or -1 when it cannot run (then it has added an error finding). */
	int (*ask)(struct check_ctx *ctx, const struct rule *rule);
	/* Judge the answers and add findings. Returns 0 when it ran (whatever it
	 * found), CHECK_AGAIN after asking more questions (judge is called again
	 * once they are answered), -1 when it could not run. */
	int (*judge)(struct check_ctx *ctx, const struct rule *rule);
	/* Whether this rule needs only resolvers, not the zone's authoritative
	 * servers: such a rule runs even when delegation discovery failed.
	 * NULL: the check always needs the zone's servers. */
	int (*resolver_only)(const struct rule *rule);
	/* Check the rule's parameters against each other once each has passed
	 * its type (a minimum not above a maximum). In an item skipped for its
	 * `when:` a value may still be as written ("{min_ttl}"): judge only
	 * what parses. Returns 0, or -1 with a message (without position) in
	 * err and *at set to the value it is about (NULL: the rule's item).
	 * NULL: nothing to check. */
	int (*validate)(const struct rule *rule, const struct rule_value **at, char *err, size_t errlen);
};
#define CHECK_AGAIN 1

/* A resolver_only for the checks that always read through the resolver (the
 * mail checks: what receiving MTAs see). */
int check_resolver_only(const struct rule *rule);

/* The check named name, or NULL. */
const struct check_desc *check_find(const char *name);
/* Every check, and how many. */
const struct check_desc *const *check_table(size_t *n);

/* --- what a check may use ------------------------------------------------
 * A check runs for one domain at a time. Everything it gets from ctx_ lives
 * until the domain is done; memory from ctx_arena() likewise. */

/* The answer one server gave to one question. */
struct answer {
	int err;       /* 0, or an enum dns_error (dns.h) */
	ldns_pkt *pkt; /* when err == 0 */
	unsigned rtt_ms;
	double received; /* wall clock of its arrival, seconds since the epoch */
};

/* The domain as the user gave it ("example.org"), and the zone it is in
 * ("example.org."; for "www.example.org", not a zone cut, "example.org."). */
const char *ctx_domain(const struct check_ctx *ctx);
const char *ctx_zone(const struct check_ctx *ctx);
const struct delegation *ctx_delegation(const struct check_ctx *ctx);
struct arena *ctx_arena(struct check_ctx *ctx);
/* 0 on the first judge() call, then one more after each CHECK_AGAIN. */
int ctx_round(const struct check_ctx *ctx);
/* How far the check has got through what it goes over (compare: names
 * judged of the names known), for the progress line; say it again as it
 * changes. */
void ctx_progress(struct check_ctx *ctx, size_t done, size_t total);
/* A pointer the check may set in ask() and read in judge(). */
void **ctx_state(struct check_ctx *ctx);
/* 1 the first time this check (rule) of this domain passes key, 0 after:
 * for findings said once however often what they are about is read. */
int ctx_first_time(struct check_ctx *ctx, const char *key);

/* Parameters of the rule, with {domain} expanded. ctx_param_list() returns a
 * scalar as a one-item list; the count is 0 when the key is absent.
 * ctx_param_uint() returns dflt when absent. Names given by the user are
 * returned as the user wrote them; use ctx_name() to make them absolute. */
const char *ctx_param_str(struct check_ctx *ctx, const char *key);
size_t ctx_param_list(struct check_ctx *ctx, const char *key, const char ***out);
unsigned long ctx_param_uint(struct check_ctx *ctx, const char *key, unsigned long dflt);
/* A PARAM_BOOL: 1 true, 0 false, dflt when absent. */
int ctx_param_bool(struct check_ctx *ctx, const char *key, int dflt);
/* A PARAM_DURATION in milliseconds (up to 600 s), dflt when absent. */
unsigned ctx_param_ms(struct check_ctx *ctx, const char *key, unsigned dflt);
const struct rule_value *ctx_param(struct check_ctx *ctx, const char *key);
/* Expand {domain} in text (from the arena). */
const char *ctx_expand(struct check_ctx *ctx, const char *text);
/* A user-given name as an absolute lower-case name ("www.example.org."),
 * relative names are taken as absolute; NULL when not a valid name. */
const char *ctx_name(struct check_ctx *ctx, const char *name);

/* The zone's servers: every address of every NS name (parent or child); none
 * when discovery failed (only resolver_only rules run then). */
const struct ns_server *ctx_servers(struct check_ctx *ctx, size_t *n);
/* Add a server outside the delegation (a previous provider's), for
 * ctx_ask(). The name may be NULL. Returns it (arena memory). */
const struct ns_server *ctx_add_server(struct check_ctx *ctx, const char *name, const struct sockaddr *addr,
				       socklen_t addrlen, unsigned roles);

/* Ask name/type of every server of the zone, or of one server (RD=0).
 * Questions asked twice are sent once. Answers are there when judge() is
 * next called. */
void ctx_ask_servers(struct check_ctx *ctx, const char *name, ldns_rr_type type);
void ctx_ask(struct check_ctx *ctx, const struct ns_server *server, const char *name, ldns_rr_type type);
/* What server said to name/type, or NULL when it was never asked. */
const struct answer *ctx_answer(struct check_ctx *ctx, const struct ns_server *server, const char *name,
				ldns_rr_type type);
/* Free what server answered to name/type (ctx_ask), for a check that reads
 * thousands of answers once each and would otherwise hold them all until
 * the domain is done (compare): ctx_answer() says NULL afterwards. Only an
 * answer no other rule of the audit asked for is freed (another's, or
 * discovery's, stays for it); asking it again sends it again. */
void ctx_forget(struct check_ctx *ctx, const struct ns_server *server, const char *name, ldns_rr_type type);
/* Ask name/type of one server with the DO bit set (RFC 3225), RD=0: the
 * answer carries the RRSIGs of what it holds and, for a name or type that
 * does not exist, the NSEC or NSEC3 records that prove it. Separate from
 * ctx_ask()'s questions (which go without DO): the dnssec check. */
void ctx_ask_dnssec(struct check_ctx *ctx, const struct ns_server *server, const char *name,
		    ldns_rr_type type);
const struct answer *ctx_answer_dnssec(struct check_ctx *ctx, const struct ns_server *server,
				       const char *name, ldns_rr_type type);
/* Ask a recursive resolver (RD=1) directly, and read its answer: for checks
 * that compare what resolvers hold (a server from ctx_add_server()). */
void ctx_ask_recursive(struct check_ctx *ctx, const struct ns_server *resolver, const char *name,
		       ldns_rr_type type);
const struct answer *ctx_answer_recursive(struct check_ctx *ctx, const struct ns_server *resolver,
					  const char *name, ldns_rr_type type);
/* Look name/type up through the session's resolver (embedded, or
 * --resolver); the result is there at the next judge() and stays valid until
 * the domain is done. */
void ctx_lookup(struct check_ctx *ctx, const char *name, ldns_rr_type type);
const struct resolver_result *ctx_lookup_result(struct check_ctx *ctx, const char *name, ldns_rr_type type);

/* --- services: HTTP(S) and SMTP (src/http.h), on the loop ---------------- */

struct http_request;
struct http_response;
/* Start req (src/http.h), known to the check by key (a string of its own,
 * e.g. "GET https://www.example.org/ @192.0.2.1"): asked twice, it is sent
 * once. The outcome is there at the next judge(). req->ca_file NULL takes
 * the session's (--ca-file). In an offline audit every request fails
 * (HTTP_FAIL_CONNECT, "offline"). */
void ctx_fetch(struct check_ctx *ctx, const char *key, const struct http_request *req);
/* The outcome of the request of key (valid until the domain is done), or NULL
 * when it was never asked or is not done. A request http_request() refused
 * (a URL that does not parse) has error set and failure HTTP_FAIL_PROTOCOL. */
const struct http_response *ctx_fetch_result(struct check_ctx *ctx, const char *key);

/* --- zone transfers (src/xfr.h), on the loop ----------------------------- */

/* A zone transfer (AXFR) of zone from one server, as ctx_transfer_result()
 * gives it. */
struct transfer {
	/* NULL when the whole zone came, else why not ("transfer refused",
	 * "timed out", "more records than a transfer may hold", "offline") */
	const char *error;
	const ldns_rr_list *rrs; /* the zone's records, its SOA first (NULL on error) */
	size_t messages, bytes;
	size_t dropped; /* records outside the zone or not of class IN, left out */
	unsigned ms;
};
/* Transfer zone (absolute, lower case) from server over TCP, within the
 * query budget (--timeout) for each message and XFR_TOTAL_FACTOR times it in
 * all. Asked twice, it runs once. The outcome is there at the next judge();
 * in an offline audit every transfer fails ("offline"). */
void ctx_transfer(struct check_ctx *ctx, const struct ns_server *server, const char *zone);
/* The outcome of that transfer (valid until the domain is done), or NULL
 * when it was never asked or is not done. */
const struct transfer *ctx_transfer_result(struct check_ctx *ctx, const struct ns_server *server,
					   const char *zone);

/* Add a finding of this check. The code's default status is used, or the
 * rule's severity when the default is warn or fail. subject, server,
 * expected and actual may be NULL. */
void ctx_finding(struct check_ctx *ctx, enum code code, const char *subject, const struct ns_server *server,
		 const char *expected, const char *actual, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* ctx_finding() with the server as text: an address a service check reached
 * ("192.0.2.1", "[2001:db8::1]:587"); NULL when not server specific. */
void ctx_finding_at(struct check_ctx *ctx, enum code code, const char *subject, const char *server,
		    const char *expected, const char *actual, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* ctx_finding_at() with the status given instead of the code's default, for
 * a code whose weight depends on what was found (mta-sts.mode: testing is
 * info, none is warn); the rule's severity restates warn and fail as it
 * does for any other finding. */
void ctx_finding_as(struct check_ctx *ctx, enum status status, enum code code, const char *subject,
		    const char *server, const char *expected, const char *actual, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* --- answer helpers (checks/common.c) ----------------------------------- */

/* Why an answer cannot be used as an authoritative one ("timed out",
 * "REFUSED", "a CNAME loop", "not authoritative"), or NULL when it can (AA
 * set, NOERROR or NXDOMAIN, and the question's name does not lead into a
 * CNAME loop, which is reported: see answer_chain_end()). */
const char *answer_problem(struct check_ctx *ctx, const struct answer *a);
/* The problem answer_problem() and lookup_records() give a CNAME loop. */
#define ANSWER_CNAME_LOOP "a CNAME loop"
/* The records of type owned by name in the answer section (a new list the
 * caller frees with ldns_rr_list_free, records not copied); NULL when none. */
ldns_rr_list *answer_rrset(const struct answer *a, const char *name, ldns_rr_type type);
/* The rdata of rr in canonical presentation form ("10 mail.example.org."). */
const char *rr_rdata(struct check_ctx *ctx, const ldns_rr *rr);
/* The sorted, de-duplicated rdata of rrs joined by ", " ("" when none). */
const char *rrset_rdata(struct check_ctx *ctx, const ldns_rr_list *rrs);
/* A value as the user wrote it for type, in the same canonical form as
 * rr_rdata(), or NULL when it does not parse as that type. */
const char *rdata_canonical(struct check_ctx *ctx, ldns_rr_type type, const char *text);
/* The canonical, sorted, de-duplicated set of values given for type, joined
 * by ", "; NULL with *bad set to the first value that does not parse. */
const char *values_canonical(struct check_ctx *ctx, ldns_rr_type type, const char *const *values, size_t n,
			     const char **bad);
/* What an answer holds at name/type in the rrset_rdata() form; "" when
 * nothing, "CNAME target." when the name is an alias. */
const char *answer_rdata(struct check_ctx *ctx, const struct answer *a, const char *name, ldns_rr_type type);
/* --- lookups through the resolver (the mail checks: what receivers see) -- */

/* How a lookup asked with ctx_lookup() came out. */
enum lookup_outcome {
	LOOKUP_FAILED,	 /* no usable answer (timeout, SERVFAIL, REFUSED): "could not be
			    determined", never "missing" */
	LOOKUP_NXDOMAIN, /* the name does not exist */
	LOOKUP_NODATA,	 /* the name exists, with no records of the type */
	LOOKUP_DATA	 /* records of the type were found */
};
/* Read the lookup of name/type: the records of type at the end of any CNAME
 * chain in the answer go to *rrs (a new list the caller frees with
 * ldns_rr_list_free, records not copied; NULL unless LOOKUP_DATA); *why says
 * why a lookup failed ("not asked", "SERVFAIL", "no answer within 6000 ms (3 x
 * --timeout 2000 ms)");
 * *alias, when not NULL, is set to the name the chain ends at (name itself
 * when there is no CNAME). rrs, why and alias may be NULL. */
enum lookup_outcome lookup_records(struct check_ctx *ctx, const char *name, ldns_rr_type type,
				   ldns_rr_list **rrs, const char **why, const char **alias);
/* (A CNAME loop in the answer is LOOKUP_FAILED, *why "a CNAME loop", and
 * reported as answer_chain_end() reports it.) */

/* One TXT record's character-strings joined (RFC 7208 3.3, RFC 6376 3.6.2.2),
 * with its length: the data may hold NUL bytes, which s keeps. */
struct txt {
	const char *s; /* NUL-terminated after len bytes (arena memory) */
	size_t len;
};
/* The TXT records of rrs as joined strings; returns how many (*out, arena). */
size_t txt_values(struct check_ctx *ctx, const ldns_rr_list *rrs, struct txt **out);

/* The target of the CNAME at name in the answer, when it has no record of
 * type there (absolute, lower case); NULL otherwise. */
const char *answer_cname_target(struct check_ctx *ctx, const struct answer *a, const char *name,
				ldns_rr_type type);
/* Where the CNAME chain from name ends inside the answer (name itself when
 * there is none; at most 16 links); NULL when the chain loops, which is
 * reported (check.cname-loop, once per name and check): a name that cannot
 * resolve is a problem wherever a check reads it. */
const char *answer_chain_end(struct check_ctx *ctx, const struct answer *a, const char *name,
			     ldns_rr_type type);
/* Report (once per name and check) that name is an alias whose chain loops;
 * chain is the path shown ("a.example. -> b.example. -> a.example."). */
void cname_loop_finding(struct check_ctx *ctx, const char *name, const char *chain);

/* The name in rdata field i of rr (an MX exchange, a PTR, a CNAME target),
 * absolute and lower case in the arena; NULL when there is none. */
const char *rr_name(struct check_ctx *ctx, const ldns_rr *rr, size_t i);

/* Sort v (n strings, in place), drop duplicates and join them with ", "
 * (arena memory; "" when n is 0). */
const char *join_sorted(struct check_ctx *ctx, const char **v, size_t n);

/* "www.example.org/A" */
const char *subject_of(struct check_ctx *ctx, const char *name, ldns_rr_type type);
/* A name without its trailing dot, for messages. */
const char *name_display(struct check_ctx *ctx, const char *name);
/* The type's name ("A", "TYPE65534"), from the arena. */
const char *type_name(struct check_ctx *ctx, ldns_rr_type type);

#endif
