/* The embedded recursive resolver (libunbound, run on the reactor's
 * event_base) and delegation discovery: the parent's view of a zone's
 * delegation, the NS set the zone publishes, and every server address. */
#ifndef CUTOVER_RESOLVE_H
#define CUTOVER_RESOLVE_H

#include <ldns/ldns.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "names.h"
#include "util.h"

struct dns_engine;
struct loop;
struct resolver;

/* A name server given by the user (--ns, compare's --from and --to):
 * "NAME", "NAME/ADDR" or "ADDR", the address with an optional #PORT. */
struct server_spec {
	const char *name; /* absolute, lower case ("ns1.example.net."); NULL when given as an address */
	struct sockaddr_storage addr;
	socklen_t addrlen; /* 0 when no address was given: the name is looked up */
};
/* Parse text into *out, the name's text from arena. Returns 0, or -1 with
 * the reason in err ("'ns1..x' is not a host name"). */
int server_spec_parse(struct arena *arena, const char *text, struct server_spec *out, char *err,
		      size_t errlen);

struct resolver_opts {
	const char *root_hints; /* NULL: the system's (/usr/share/dns/root.hints) */
	const char
		*trust_anchor; /* NULL: /usr/share/dns/root.key when present and the root is the system's */
	const char *forwarder; /* "ADDR[#PORT]": forward to this resolver instead of iterating */
	/* --timeout, the budget of one query (0: 2000). A lookup through the
	 * resolver gets RESOLVER_LOOKUP_FACTOR times it, the discovery of one
	 * delegation RESOLVER_DISCOVERY_FACTOR times it in all. */
	unsigned timeout_ms;
	/* --ns: discovery takes these servers as the delegation of whatever it
	 * is asked about, without asking the parent (resolver_discover()). */
	const struct server_spec *given_ns;
	size_t n_given_ns;
};
/* A lookup takes several queries; discovery takes a few lookups in a row
 * (parent zone, its servers, their addresses), and questions to the parent's
 * and the zone's servers. */
#define RESOLVER_LOOKUP_FACTOR 3
#define RESOLVER_DISCOVERY_FACTOR 5

/* Create a resolver whose lookups run on loop (libunbound's
 * ub_ctx_create_event); discovery sends its direct queries through e.
 * Returns 0, or -1 with a message in err (unreadable hints file, bad
 * forwarder address...); *out is NULL then. */
int resolver_new(struct loop *loop, struct dns_engine *e, const struct resolver_opts *opts,
		 struct resolver **out, char *err, size_t errlen);
/* Free the resolver, before the loop, and do not run the loop again
 * afterwards (a delivery it deferred may still be queued there). Lookups
 * still pending end without their callbacks; results still held are freed
 * too, so release them first. */
void resolver_free(struct resolver *r);

/* Outcome of a lookup. It belongs to the resolver and is valid while the
 * callback runs; a caller that wants it longer holds it with
 * resolver_result_hold() and lets go with resolver_result_release(). pkt is
 * the full answer (NULL on error); err is NULL or a short text ("no answer
 * within 6000 ms (3 x --timeout 2000 ms)",
 * "SERVFAIL"...). */
struct resolver_result {
	const char *err;
	const ldns_pkt *pkt;
	int rcode;	 /* LDNS_RCODE_* when pkt */
	double received; /* wall clock when the outcome was known (seconds since the epoch) */
	unsigned rtt_ms; /* how long libunbound took (0 for none: a remembered answer keeps its first) */
};
typedef void (*resolver_cb)(void *arg, const struct resolver_result *res);

/* Keep res beyond its callback; returns res. */
const struct resolver_result *resolver_result_hold(const struct resolver_result *res);
/* Let go of a held result (NULL is ignored). */
void resolver_result_release(const struct resolver_result *res);

/* Look up name/type (class IN). Concurrent identical lookups share one query,
 * and an answer is reused until its TTL runs out (a negative answer for its
 * negative-caching TTL, a failure for 30 s); the cache keeps a bounded number
 * of answers. The callback runs once, from the loop, never from inside this
 * call; a lookup that takes longer than RESOLVER_LOOKUP_FACTOR times the query timeout fails with
 * err set. Returns 0 (failures come through the callback). */
int resolver_lookup(struct resolver *r, const char *name, ldns_rr_type type, resolver_cb cb, void *arg);

struct resolver_stats {
	unsigned long lookups; /* sent to libunbound */
	unsigned long hits;    /* answered from the cache or merged with one in flight */
	unsigned long failed, timeouts, evicted;
	unsigned long inflight_max; /* most lookups handed to libunbound at once */
	size_t cached;		    /* answers in the cache now */
};
void resolver_stats(const struct resolver *r, struct resolver_stats *out);
/* Lookups handed to libunbound now, not done (those waiting for room are
 * not counted). */
size_t resolver_in_flight(const struct resolver *r);

/* The most addresses of a zone's name servers that are asked anything: the
 * first in name order (discovery asks them for the NS set, the checks ask
 * them their questions; audit.c reports the rest as not checked). A
 * delegation to thousands of servers would otherwise cost as many questions
 * and answers per check, and 64 KB NS answers from each. */
#define DELEG_SERVERS_MAX 32

/* One address of a name server. */
#define SERVER_PARENT 0x1   /* listed in the parent's delegation */
#define SERVER_CHILD 0x2    /* listed in the zone's own NS set */
#define SERVER_PREVIOUS 0x4 /* named by the user as a server to retire */
#define SERVER_GIVEN 0x8    /* given with --ns as the delegation (SERVER_PARENT too) */
struct ns_server {
	const char *name; /* host name, lower case with trailing dot; NULL when given as an address */
	char addr_text[INET6_ADDRSTRLEN];
	struct sockaddr_storage addr;
	socklen_t addrlen;
	unsigned roles;
	const char *label; /* "ns1.example.net/192.0.2.53" (or just the address) for findings */
	/* What discovery got when it asked this server for the zone's NS set
	 * (when ns_answered): the error, or the answer, which the delegation's
	 * user takes over and frees (ldns_pkt_free). */
	int ns_answered;
	int ns_err;
	ldns_pkt *ns_pkt;
};

enum delegation_status {
	DELEG_OK = 0,
	DELEG_NXDOMAIN,	  /* the parent says the name does not exist */
	DELEG_NOT_ZONE,	  /* the name exists but is not delegated (no NS at the cut) */
	DELEG_NO_SERVERS, /* delegated, but no NS name has an address */
	DELEG_ERROR	  /* could not find out (parent unreachable, resolver failure) */
};

struct delegation {
	const char *name;   /* the name asked about, "www.example.org." */
	const char *zone;   /* the zone it is in, "example.org."; the same as name at a zone cut */
	const char *parent; /* "org." */
	enum delegation_status status;
	const char *error;	/* why, when status != DELEG_OK */
	const char **parent_ns; /* NS names in the parent's referral, sorted */
	size_t n_parent_ns;
	const char **child_ns; /* NS names the zone publishes (first authoritative answer), sorted */
	size_t n_child_ns;
	struct ns_server *servers; /* every address of every NS name of either set */
	size_t n_servers;
	const char **unresolved; /* NS names without any address */
	size_t n_unresolved;
	/* Those of them still being looked up when discovery ran out of its
	 * budget, and what the budget was ("within 10000 ms (5 x --timeout
	 * 2000 ms)"; NULL when it did not run out). */
	const char **unfinished;
	size_t n_unfinished;
	const char *late;
	/* The glue of the parent's referral, each name and address once. */
	struct delegation_glue {
		const char *name;    /* an NS name of the referral */
		const char *address; /* an address the parent gave for it */
	} * glue;
	size_t n_glue;
	/* Addresses the referral gave for NS names outside the parent's zone,
	 * each once: discarded, as resolvers discard them (unbound's scrubber);
	 * those names were looked up instead. */
	struct delegation_glue *foreign_glue;
	size_t n_foreign_glue;
	/* --ns: the servers were given, not discovered. parent_ns holds the
	 * given names and glue the given addresses, as the parent would once
	 * it delegates there; given_unnamed counts servers given by address
	 * alone, which make the parent's NS set unknown. */
	int given;
	size_t given_unnamed;
};

/* Whether the parent's referral gave glue (of any type) for NS name ns. */
int delegation_has_glue(const struct delegation *d, const char *ns);

/* With --ns (resolver_opts.given_ns), discovery asks no parent: the zone is
 * name itself, its servers the given ones (names without an address looked
 * up through the resolver), each asked for the zone's NS set as usual;
 * d->given is set. Otherwise: */
/* Discover the delegation of the zone of name: name itself when it is a zone
 * cut; when the parent says it exists but is not delegated, the zone that
 * encloses it (d->zone then differs from d->name). All memory comes from
 * arena (owned by the caller, who keeps it until it is done with the
 * delegation). cb runs once, later, from the loop, within the discovery
 * budget (RESOLVER_DISCOVERY_FACTOR times the query timeout): past it,
 * discovery ends with what it has (DELEG_ERROR before the parent's referral
 * is in). Returns 0, or -1 when name is not a valid name (or is the root). */
int resolver_discover(struct resolver *r, struct arena *arena, const char *name,
		      void (*cb)(void *arg, struct delegation *d), void *arg);

#endif
