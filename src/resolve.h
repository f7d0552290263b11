/* The embedded recursive resolver (libunbound, run inside the query engine's
 * event loop) and delegation discovery: the parent's view of a zone's
 * delegation, the NS set the zone publishes, and every server address. */
#ifndef CUTOVER_RESOLVE_H
#define CUTOVER_RESOLVE_H

#include <ldns/ldns.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util.h"

struct dns_engine;
struct resolver;

struct resolver_opts {
	const char *root_hints; /* NULL: the system's (/usr/share/dns/root.hints) */
	const char
		*trust_anchor; /* NULL: /usr/share/dns/root.key when present and the root is the system's */
	const char *forwarder; /* "ADDR[#PORT]": forward to this resolver instead of iterating */
	unsigned timeout_ms;   /* budget of one lookup (0: 6000) */
};

/* Create a resolver whose lookups run in e's loop. Returns 0, or -1 with a
 * message in err (unreadable hints file, bad forwarder address...). */
int resolver_new(struct dns_engine *e, const struct resolver_opts *opts, struct resolver **out, char *err,
		 size_t errlen);
void resolver_free(struct resolver *r);

/* Outcome of a lookup. pkt is the full answer (NULL on error), owned by the
 * resolver: valid until resolver_free(), never freed by the callback. err is
 * 0 or a short text ("timed out", "SERVFAIL"...) owned by the resolver. */
struct resolver_result {
	const char *err;
	const ldns_pkt *pkt;
	int rcode;  /* LDNS_RCODE_* when pkt */
	int secure; /* DNSSEC validated */
};
typedef void (*resolver_cb)(void *arg, const struct resolver_result *res);

/* Look up name/type (class IN). Answers are remembered for the life of the
 * resolver and concurrent identical lookups share one query, so asking again
 * is cheap. The callback never runs from inside this call. Returns 0 or -1. */
int resolver_lookup(struct resolver *r, const char *name, ldns_rr_type type, resolver_cb cb, void *arg);

/* Fail lookups that have run out of their budget (their callbacks run from
 * the loop as usual). Returns the milliseconds until the next lookup's
 * deadline, or -1 when none is pending: the caller's longest wait. */
int resolver_tick(struct resolver *r);

/* One address of a name server. */
#define SERVER_PARENT 0x1   /* listed in the parent's delegation */
#define SERVER_CHILD 0x2    /* listed in the zone's own NS set */
#define SERVER_PREVIOUS 0x4 /* named by the user as a server to retire */
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
	const char *zone;   /* "example.org." */
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
	/* The glue of the parent's referral, each name and address once. */
	struct delegation_glue {
		const char *name;    /* an NS name of the referral */
		const char *address; /* an address the parent gave for it */
	} * glue;
	size_t n_glue;
};

/* Discover the delegation of zone; all memory comes from arena (owned by the
 * caller, who keeps it until it is done with the delegation). cb runs once,
 * later, from the loop. Returns 0, or -1 when zone is not a valid name. */
int resolver_discover(struct resolver *r, struct arena *arena, const char *zone,
		      void (*cb)(void *arg, struct delegation *d), void *arg);

/* A name without its trailing dot, for people ("example.org."  ->
 * "example.org"; the root stays "."), from arena (or name itself). */
const char *name_text(struct arena *arena, const char *name);
/* How findings name a server: "ns1.example.net/192.0.2.53", or the address
 * alone when name is NULL; from arena. */
const char *server_label(struct arena *arena, const char *name, const char *addr_text);

/* Lower-case, absolute form of a domain name ("Example.ORG" -> "example.org.")
 * from arena, or NULL when it is not a valid name. */
const char *name_canonical(struct arena *arena, const char *name);

#endif
